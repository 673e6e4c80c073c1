"""Two beat ticks at once (a doubled beat, a redelivered task): each inject still fires
once. On PostgreSQL, in threads with connections of their own."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from exercises import services
from incidents.models import LogEntry
from tests.conftest import require
from tests.exercises.factories import ExerciseScriptFactory, InjectFactory, ParticipantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_concurrent_ticks_fire_each_inject_once(card, coordinator):
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (set DATABASE_URL)")
    script = ExerciseScriptFactory(card=card, scenario_slug=card.scenarios.get().slug)
    participant = ParticipantFactory(script=script)
    for offset in (0, 30, 60):
        InjectFactory(script=script, offset_seconds=offset).recipients.set([participant])
    incident = services.exercise_start(script=script, user=coordinator)
    now = incident.started_at + dt.timedelta(seconds=90)
    barrier = threading.Barrier(4)
    fired, errors = [], []

    def tick():
        try:
            barrier.wait()
            fired.append(services.injects_due_fire(now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert sum(fired) == 3
    assert incident.log_entries.filter(event=LogEntry.Event.INJECT).count() == 3
    assert incident.status_updates.filter(reason="inject").count() == 3
    messages = incident.status_updates.filter(reason="inject").values_list("messages", flat=True)
    assert len(messages) == 3
