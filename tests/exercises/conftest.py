import pytest

from exercises import services
from tests.exercises.factories import ExerciseScriptFactory, InjectFactory, ParticipantFactory

# The Celery worker and its services, as the notifications tests run them.
from tests.notifications.conftest import (  # noqa: F401
    broker,
    postgres,
    redis_server,
    sms_gateway,
    smtp_server,
    worker_factory,
)

SCENARIO = "stromsvigt-dokk1"


@pytest.fixture
def script(seeded_card, editor):
    """A short script: a participant, an inject at T+1 min to them, one at T+10 min to
    nobody (log only)."""
    script = ExerciseScriptFactory(card=seeded_card, scenario_slug=SCENARIO, created_by=editor)
    participant = ParticipantFactory(script=script)
    first = InjectFactory(
        script=script, offset_seconds=60, text="Miralix ringer – serverne er nede"
    )
    first.recipients.set([participant])
    InjectFactory(script=script, offset_seconds=600, text="TDC melder mobildata nede i Aarhus")
    return script


@pytest.fixture
def exercise(script, coordinator):
    return services.exercise_start(script=script, user=coordinator)
