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

from notifications.models import OutboxMessage
from tests.notifications.test_delivery import add_recipients, assert_exactly_once

pytestmark = [pytest.mark.services, pytest.mark.timeout(180)]

# A request may spend one broker connection timeout (2 s) finding Redis gone, no more.
SLOW = 5.0


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.fixture
def incident(seeded_card, coordinator):
    from tests.security.conftest import _incident_for

    return _incident_for(seeded_card, coordinator)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_keep_working_while_redis_is_down(client, broker, seeded_card, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("healthz")).json()["broker"]["ok"] is True

    broker.stop()
    pages = [reverse("home"), reverse("login")]
    answers = {path: _timed(lambda p=path: client.get(p, follow=True)) for path in pages}
    health = client.get(reverse("healthz"))

    for path, (response, seconds) in answers.items():
        assert response.status_code == 200, path
        assert seconds < SLOW, f"{path} took {seconds:.1f} s with Redis down"
    assert seeded_card.title in answers[reverse("home")][0].text
    assert health.status_code == 503
    assert health.json()["broker"]["ok"] is False
    assert health.json()["database"]["ok"] is True

    broker.start()
    assert client.get(reverse("healthz")).json()["broker"]["ok"] is True


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_update_sent_from_the_page_while_redis_is_down_goes_out_when_it_is_back(
    client, worker, broker, smtp_server, sms_gateway, incident, coordinator
):
    add_recipients(incident, 4)
    OutboxMessage.objects.all().delete()  # only this test's update counts
    client.force_login(coordinator)
    broker.stop()

    response, seconds = _timed(
        lambda: client.post(reverse("notifications:send-now", args=[incident.pk]), follow=True)
    )

    assert response.status_code == 200
    assert seconds < SLOW, f"sending took {seconds:.1f} s with Redis down"
    queued = OutboxMessage.objects.filter(update__incident=incident)
    assert queued.exists()
    assert set(queued.values_list("status", flat=True)) == {OutboxMessage.Status.QUEUED}
    time.sleep(2)
    assert smtp_server.messages == []

    broker.start()

    assert_exactly_once(incident, smtp_server, sms_gateway)
