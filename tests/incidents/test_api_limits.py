"""Issue 11 §5/§6: the figures API bounds what it reads and who may post where: scoped
tokens (403), a per-token rate limit in the shared cache (429 + Retry-After), JSON only
(415), a body size limit (413) and no crash on deeply nested JSON."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from incidents import services
from incidents.models import FigureReport, IntegrationToken
from tests.incidents.factories import GOOD_FIGURES


def post(client, incident, raw, body=None, content_type="application/json"):
    return client.post(
        reverse("incidents:figures_api", args=[incident.pk]),
        json.dumps(GOOD_FIGURES) if body is None else body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {raw}"},
    )


def test_a_token_scoped_to_an_incident_gets_403_on_another(client, incident, evacuation):
    _token, raw = services.integration_token_create(name="Kun strømsvigt", incident=incident)

    assert post(client, incident, raw).status_code == 201
    refused = post(client, evacuation, raw)
    assert refused.status_code == 403
    assert refused.json()["errors"]["__all__"] == [
        "Tokenet må ikke indberette tal til denne hændelse."
    ]
    assert not FigureReport.objects.filter(incident=evacuation).exists()


def test_a_token_scoped_to_a_card_serves_only_that_cards_incidents(
    client, incident, seeded_card, editor
):
    from cards.models import ActionCard

    other = ActionCard.objects.create(slug="ddh", title="Den Digitale Hotline")
    _t, raw_here = services.integration_token_create(name="Telefoni", card=seeded_card)
    _t, raw_other = services.integration_token_create(name="DDH", card=other)

    assert post(client, incident, raw_here).status_code == 201
    assert post(client, incident, raw_other).status_code == 403


def test_rate_limit_per_token_answers_429_with_retry_after(client, incident, settings):
    settings.FIGURES_API_RATE_LIMIT = 3
    settings.FIGURES_API_RATE_WINDOW_SECONDS = 60
    _t, raw = services.integration_token_create(name="Travl")
    _t, other = services.integration_token_create(name="Rolig")

    assert [post(client, incident, raw).status_code for _ in range(3)] == [201] * 3
    limited = post(client, incident, raw)
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "For mange indberetninger" in limited.json()["errors"]["__all__"][0]
    assert FigureReport.objects.count() == 3
    # Counted per token, in the Django cache that every worker shares.
    assert post(client, incident, other).status_code == 201
    # The count lives in the Django cache (Redis in production, shared by every gunicorn
    # worker), not in this process: emptying the cache resets it.
    cache.clear()
    assert post(client, incident, raw).status_code == 201


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_content_type_other_than_json_is_415(client, incident, content_type):
    _t, raw = services.integration_token_create(name="Script")
    response = post(client, incident, raw, content_type=content_type)
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["errors"]["__all__"][0]


def test_json_with_charset_is_fine(client, incident):
    _t, raw = services.integration_token_create(name="Script")
    assert (
        post(client, incident, raw, content_type="application/json; charset=utf-8").status_code
        == 201
    )


def test_a_big_body_is_413_in_danish(client, incident, settings):
    _t, raw = services.integration_token_create(name="Script")
    body = json.dumps({**GOOD_FIGURES, "padding": "x" * settings.FIGURES_API_MAX_BODY_BYTES})
    response = post(client, incident, raw, body=body)
    assert response.status_code == 413
    assert "Kroppen er for stor" in response.json()["errors"]["__all__"][0]


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_deeply_nested_json_is_400_not_500(client, incident, settings, depth):
    settings.FIGURES_API_MAX_BODY_BYTES = 200_000  # let the nesting reach the parser
    _t, raw = services.integration_token_create(name="Script")
    response = post(client, incident, raw, body="[" * depth + "]" * depth)
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == ["Kroppen er ikke gyldig JSON."]


def test_100000_nested_brackets_at_the_default_limit_are_413(client, incident):
    _t, raw = services.integration_token_create(name="Script")
    response = post(client, incident, raw, body="[" * 100_000)
    assert response.status_code == 413


def test_token_with_a_nul_or_huge_value_is_401(client, incident):
    for raw in ("abc\x00def", "x" * 100_000):
        assert post(client, incident, raw).status_code == 401


def test_admin_shows_and_saves_the_scope(client, incident, seeded_card):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("testadmin", "admin@example.invalid", "x")
    client.force_login(admin)
    response = client.post(
        reverse("admin:incidents_integrationtoken_add"),
        {"name": "Scoped", "is_active": "on", "card": seeded_card.pk, "incident": incident.pk},
    )
    assert response.status_code == 302, response.content[:2000]
    token = IntegrationToken.objects.get(name="Scoped")
    assert token.card == seeded_card and token.incident == incident
    page = client.get(reverse("admin:incidents_integrationtoken_change", args=[token.pk]))
    assert 'name="incident"' in page.text and 'name="card"' in page.text


def test_the_rate_limit_is_shared_through_redis_like_gunicorn_workers(client, incident, settings):
    """With the production cache (Redis), a fresh cache connection, as another gunicorn
    worker has, sees the same count."""
    import os

    from django.core.cache import caches

    from tests.conftest import require

    redis_url = os.environ.get("REDIS_URL", "")
    require(redis_url.startswith("redis://"), "needs REDIS_URL (the test's own Redis db)")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    settings.FIGURES_API_RATE_LIMIT = 2
    _t, raw = services.integration_token_create(name="Delt")
    caches["default"].clear()  # FLUSHDB on this test's own Redis db only
    try:
        assert [post(client, incident, raw).status_code for _ in range(2)] == [201, 201]
        caches.close_all()
        # What another worker process does: its own handler, its own connection.
        settings.CACHES = {**settings.CACHES}
        assert post(client, incident, raw).status_code == 429
    finally:
        caches["default"].clear()
