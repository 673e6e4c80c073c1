"""Redis (the Celery broker) stopped: the web app keeps working, status updates wait in
the outbox, and go out once Redis is back.

The worker-side faults (kill -9 during delivery, Redis stopped under a running worker,
SMTP down) are tested by the notifications app in tests/notifications/test_delivery.py
with the same fixtures; these tests add the web side: real requests through the views
while the broker is gone.
"""

import time

import pytest
from django.urls import reverse

from incidents.models import Incident
from notifications.models import OutboxMessage
from tests.notifications.test_delivery import assert_exactly_once

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]

# A request may spend one broker connection timeout (2 s) finding Redis gone, no more.
SLOW = 5.0


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_and_the_log_keep_working_while_redis_is_down(
    client, broker, seeded_card, incident, staff_user
):
    client.force_login(staff_user)
    assert client.get(reverse("readyz")).json()["broker"]["ok"] is True
    scenario = seeded_card.scenarios.order_by("order", "pk").first()

    broker.stop()
    pages = [
        reverse("home"),
        reverse("cards:card", args=[seeded_card.slug]),
        reverse("cards:scenario", args=[seeded_card.slug, scenario.slug]),
        reverse("incidents:dashboard", args=[incident.pk]),
        reverse("login"),
    ]
    answers = {path: _timed(lambda p=path: client.get(p, follow=True)) for path in pages}
    written, write_seconds = _timed(
        lambda: client.post(
            reverse("incidents:log_write", args=[incident.pk]), {"text": "Redis er nede"}
        )
    )
    health = client.get(reverse("readyz"))
    alive = client.get(reverse("healthz"))

    for path, (response, seconds) in answers.items():
        assert response.status_code == 200, path
        assert seconds < SLOW, f"{path} took {seconds:.1f} s with Redis down"
    assert written.status_code == 302
    assert write_seconds < SLOW
    assert incident.log_entries.filter(text="Redis er nede").exists()
    assert health.status_code == 503
    assert health.json()["broker"]["ok"] is False
    assert health.json()["database"]["ok"] is True
    # Liveness stays 200: the pages work, so the container must not be marked unhealthy.
    assert alive.status_code == 200

    broker.start()
    assert client.get(reverse("readyz")).json()["broker"]["ok"] is True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_incident_started_while_redis_is_down_informs_the_team_when_it_is_back(
    client, worker, broker, smtp_server, sms_gateway, team_card, coordinator
):
    """Starting an incident sends the first status update: with the broker gone the
    start succeeds at once and the update waits in the outbox until Redis is back."""
    client.force_login(coordinator)
    scenario = team_card.scenarios.order_by("order", "pk").first()
    broker.stop()

    response, seconds = _timed(
        lambda: client.post(
            reverse("incidents:start"),
            {"card": team_card.slug, "scenario": scenario.slug, "confirm": "True"},
        )
    )

    assert response.status_code == 302, response.content[:500]
    assert seconds < SLOW, f"starting took {seconds:.1f} s with Redis down"
    incident = Incident.objects.get()
    queued = OutboxMessage.objects.filter(update__incident=incident)
    assert queued.exists()
    assert set(queued.values_list("status", flat=True)) == {OutboxMessage.Status.QUEUED}
    time.sleep(2)
    assert smtp_server.messages == []

    broker.start()

    assert_exactly_once(incident, smtp_server, sms_gateway)
