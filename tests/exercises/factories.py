"""Factories for exercises, with obviously made-up participants, and for the structured
log entries the response metrics read (written directly: the tests must not depend on
the incidents services writing them)."""

import factory

from exercises.models import ExerciseScript, Inject, Participant
from incidents.models import Incident, LogEntry
from tests.incidents.factories import IncidentFactory


class ExerciseScriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExerciseScript

    scenario_slug = "stromsvigt-dokk1"
    title = factory.Sequence(lambda n: f"Testdrejebog {n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    name = factory.Sequence(lambda n: f"Testdeltager {n}")
    email = factory.Sequence(lambda n: f"testdeltager{n}@example.invalid")
    phone = factory.Sequence(lambda n: f"+450000{n:04d}")


class InjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Inject

    offset_seconds = 300
    text = factory.Sequence(lambda n: f"Testinject {n}: serverne er nede")


def closed_incident(card, *, started_at, minutes=60, is_exercise=False, user=None, slug=None):
    """A closed incident on the card's version 1, as the metrics and the stats read it."""
    return IncidentFactory(
        card=card,
        closed=True,
        started_at=started_at,
        minutes=minutes,
        is_exercise=is_exercise,
        started_by=user,
        closed_by=user,
        scenario__scenario_slug=slug or "stromsvigt-dokk1",
    )


def log_event(incident, event, *, at, **data):
    """A log entry with its event type and data, at ``at``, numbered after the others."""
    sequence = (
        incident.log_entries.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    ) + 1
    Incident.objects.filter(pk=incident.pk).update(last_log_sequence=sequence)
    return LogEntry.objects.create(
        incident=incident,
        sequence=sequence,
        created_at=at,
        kind=LogEntry.Kind.SYSTEM,
        event=event,
        data=data,
        text=f"Testhændelse {event}",
    )
