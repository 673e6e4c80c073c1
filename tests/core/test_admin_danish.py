"""django-axes' admin pages are Danish like the rest of the admin (issue 11 §7)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_login_attempt_pages_of_django_axes_are_danish(client):
    AccessAttempt.objects.create(
        username="testbruger-forkert",
        ip_address="192.0.2.1",
        user_agent="Testbrowser",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data="",
        failures_since_start=2,
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    index = client.get(reverse("admin:index")).text
    attempts = client.get(reverse("admin:axes_accessattempt_changelist")).text

    assert "Loginforsøg" in index and "Access attempts" not in index
    assert "Loginlog" in index and "Access logs" not in index
    assert "Brugernavn" in attempts and "IP-adresse" in attempts
    assert "IP Address" not in attempts
