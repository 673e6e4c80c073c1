import datetime as dt

import pytest

from exercises.presentation import statistics_charts
from exercises.selectors import response_metrics, scenario_statistics
from incidents.models import LogEntry
from tests.exercises.factories import closed_incident, log_event

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
E = LogEntry.Event


def at(minutes, seconds=0):
    return START + dt.timedelta(minutes=minutes, seconds=seconds)


def scripted(card, *, start=START, acked=False, is_exercise=False):
    """An incident with a known timeline, written as structured events."""
    incident = closed_incident(card, started_at=start, minutes=95, is_exercise=is_exercise)
    offset = start - START
    log_event(incident, E.INCIDENT_STARTED, at=at(0) + offset)
    log_event(incident, E.LINE_SWITCHED, at=at(2) + offset, to_announcement="")  # back to normal
    log_event(incident, E.UPDATE_SENT, at=at(3, 15) + offset, update_id=1, channel="email")
    log_event(incident, E.LINE_SWITCHED, at=at(4, 30) + offset, to_announcement="nedbrud")
    log_event(incident, E.FIGURES_REPORTED, at=at(12) + offset, figure_id=1)
    log_event(incident, E.UPDATE_SENT, at=at(33) + offset, update_id=2, channel="email")
    log_event(incident, E.FIGURES_REPORTED, at=at(40) + offset, figure_id=2)
    if acked:
        log_event(incident, "alert_all_acked", at=at(7, 5) + offset)
    log_event(incident, E.INCIDENT_CLOSED, at=at(95) + offset, summary="")
    return incident


def values(metrics):
    return {m["key"]: (m["seconds"], m["display"]) for m in metrics}


def test_the_metrics_of_a_scripted_incident_exactly(card):
    assert values(response_metrics(incident=scripted(card))) == {
        "first_update": (195, "3:15"),
        "announcement_on": (270, "4:30"),  # switching back to normal at 2:00 does not count
        "first_figures": (720, "12:00"),
        "all_acknowledged": (None, "—"),  # the alerts app has written nothing
        "closed": (5700, "1:35:00"),
    }


def test_all_acknowledged_once_the_alerts_app_logs_it(card):
    metrics = values(response_metrics(incident=scripted(card, acked=True)))
    assert metrics["all_acknowledged"] == (425, "7:05")


def test_an_incident_with_no_events_has_only_dashes(card):
    incident = closed_incident(card, started_at=START)
    assert {m["display"] for m in response_metrics(incident=incident)} == {"—"}


def test_statistics_keep_exercises_and_incidents_apart(card):
    scripted(card, is_exercise=True)
    scripted(card, start=START + dt.timedelta(days=30), is_exercise=True)
    scripted(card, start=START + dt.timedelta(days=40))

    stats = scenario_statistics(scenario_slug="stromsvigt-dokk1")

    assert len(stats["exercises"]) == 2 and len(stats["incidents"]) == 1
    assert all(r["incident"].is_exercise for r in stats["exercises"])
    chart = next(c for c in statistics_charts(stats) if c.key == "first_update")
    assert (len(chart.exercises), len(chart.incidents)) == (2, 1)
    assert chart.exercises[0][0] == "4.0"  # the first one starts the x axis
    assert chart.incidents[0][0] == "296.0"  # the last one ends it
