"""Injects through the beat: a real Celery worker with embedded beat, on our own Redis,
delivering to a real SMTP server (aiosmtpd) and the GatewayAPI fake."""

import collections
import time

import pytest
from django.utils import timezone

from exercises import services
from incidents.models import LogEntry
from notifications.models import OutboxMessage
from tests.exercises.factories import ExerciseScriptFactory, InjectFactory, ParticipantFactory
from tests.notifications.conftest import wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TICK = 1  # seconds between beat's inject ticks in this test


def test_a_short_script_arrives_on_time_through_the_beat(
    seeded_card, coordinator, worker_factory, smtp_server, sms_gateway
):
    worker = worker_factory(EXERCISE_INJECT_TICK_SECONDS=str(TICK))
    worker.start()
    script = ExerciseScriptFactory(card=seeded_card, scenario_slug="stromsvigt-dokk1")
    participant = ParticipantFactory(script=script)
    first = InjectFactory(script=script, offset_seconds=3, text="Miralix ringer – serverne er nede")
    first.recipients.set([participant])
    InjectFactory(script=script, offset_seconds=8, text="TDC melder mobildata nede i Aarhus")

    incident = services.exercise_start(script=script, user=coordinator)
    started = incident.started_at

    def injects():
        return list(
            LogEntry.objects.filter(incident=incident, event=LogEntry.Event.INJECT).order_by(
                "sequence"
            )
        )

    wait_for(lambda: len(injects()) == 2, timeout=40, message="both injects in the log")
    entries = injects()
    for entry, offset in zip(entries, (3, 8), strict=True):
        late = (entry.created_at - started).total_seconds() - offset
        # Never early; at most one tick late (plus a busy machine's scheduling slack).
        assert 0 <= late <= TICK + 3, (offset, late, worker.log())
    assert timezone.now() >= started

    wait_for(
        lambda: OutboxMessage.objects.filter(
            update__incident=incident, status=OutboxMessage.Status.SENT
        ).exists(),
        timeout=30,
        message="the inject's e-mail sent",
    )
    # A few more ticks: nothing fires twice.
    time.sleep(3 * TICK + 1)
    assert len(injects()) == 2
    subjects = collections.Counter(str(m["Subject"]).strip() for _rcpt, m in smtp_server.messages)
    inject_mails = [s for s in subjects if "Miralix ringer" in s]
    assert len(inject_mails) == 1 and subjects[inject_mails[0]] == 1
    assert inject_mails[0].startswith("ØVELSE")
    received = {rcpt for rcpt, _m in smtp_server.messages}
    assert participant.email in received
    assert "per@aarhus.dk" not in received  # the real crisis team: never
    assert sms_gateway.messages == [] or all(
        body["message"].startswith("ØVELSE") for _msisdn, body in sms_gateway.messages
    )
