import pytest
from django.urls import reverse

from incidents.models import IntegrationToken, token_digest

pytestmark = pytest.mark.django_db


def test_admin_shows_the_raw_token_once_and_stores_only_its_hash(admin_client):
    response = admin_client.post(
        reverse("admin:incidents_integrationtoken_add"),
        {"name": "Miralix", "is_active": "on"},
        follow=True,
    )

    token = IntegrationToken.objects.get()
    message = next(m.message for m in response.context["messages"])
    raw = message.rsplit(": ", 1)[1]
    assert token.token_hash == token_digest(raw)
    assert raw not in token.token_hash
    page = admin_client.get(reverse("admin:incidents_integrationtoken_change", args=[token.pk]))
    assert raw not in page.text
