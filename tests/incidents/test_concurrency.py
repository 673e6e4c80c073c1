"""Concurrent writers on PostgreSQL: each thread has its own database connection."""

import threading

import pytest
from django.db import connection

from incidents import services
from incidents.models import IncidentStep, LogEntry
from tests.cards.factories import ActionCardFactory, ScenarioBlockFactory, published_version
from tests.conftest import require

WRITERS = 20
ENTRIES_EACH = 50


def _run_threads(target, n):
    barrier = threading.Barrier(n)
    errors, results = [], []

    def run(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # collected and reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def _postgres():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (set DATABASE_URL)")


def _start(card, coordinator):
    """An incident on the made-up card's one scenario, started as the app does."""
    slug = card.scenarios.get().slug
    return services.incident_start(card=card, scenario_slug=slug, user=coordinator)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_20_writers_x_50_entries_give_sequence_1_to_1000_without_gaps(card, coordinator):
    _postgres()
    incident = _start(card, coordinator)
    LogEntry.objects.filter(incident=incident).delete()
    type(incident).objects.filter(pk=incident.pk).update(last_log_sequence=0)

    def write(i):
        for n in range(ENTRIES_EACH):
            services.log_entry_create(incident=incident, text=f"Skriver {i}: {n}", author=None)

    _results, errors = _run_threads(write, WRITERS)

    assert errors == []
    sequences = list(
        LogEntry.objects.filter(incident=incident)
        .order_by("sequence")
        .values_list("sequence", flat=True)
    )
    assert sequences == list(range(1, WRITERS * ENTRIES_EACH + 1))
    incident.refresh_from_db()
    assert incident.last_log_sequence == 1000


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_ticking_different_steps_at_once_both_count(coordinator, staff_user):
    _postgres()
    card = ActionCardFactory()
    ScenarioBlockFactory(scenario__card=card, block__card=card, block__steps=2)
    published_version(card)
    incident = _start(card, coordinator)
    steps = list(incident.steps.filter(kind="action").order_by("order")[:2])
    users = [coordinator, staff_user]

    _results, errors = _run_threads(
        lambda i: services.step_complete(step=steps[i], user=users[i], version=1), 2
    )

    assert errors == []
    done = IncidentStep.objects.filter(pk__in=[s.pk for s in steps], done_at__isnull=False)
    assert {s.done_by_id for s in done} == {coordinator.pk, staff_user.pk}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_ticking_the_same_step_one_is_told_it_is_stale(card, coordinator, staff_user):
    _postgres()
    incident = _start(card, coordinator)
    step = incident.steps.filter(kind="action").order_by("order").first()
    users = [coordinator, staff_user]

    results, errors = _run_threads(
        lambda i: services.step_complete(step=step, user=users[i], version=1), 2
    )

    assert len(results) == 1
    assert len(errors) == 1 and isinstance(errors[0], services.StaleStepError)
    assert IncidentStep.objects.get(pk=step.pk).version == 2
