"""A closed incident's timers stand still (issue 11 §7: "1 t 27 min tilbage" after close)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident
from tests.incidents.factories import incident_close_ticked

pytestmark = pytest.mark.django_db


def _close(incident, user, *, minutes_after_start):
    incident_close_ticked(incident=incident, user=user)
    closed_at = incident.started_at + dt.timedelta(minutes=minutes_after_start)
    Incident.objects.filter(pk=incident.pk).update(closed_at=closed_at)


def _timers(client, incident):
    html = client.get(reverse("incidents:dashboard", args=[incident.pk])).text
    return html[
        html.index('id="incident-timers"') : html.index(
            "</section>", html.index('id="incident-timers"')
        )
    ]


def test_a_closed_incidents_timer_shows_it_stopped_not_counting_down(client, incident, coordinator):
    """The power-cut scenario's 2-hour mast timer, closed after 33 minutes."""
    _close(incident, coordinator, minutes_after_start=33)
    client.force_login(coordinator)

    timers = _timers(client, incident)

    assert "Stoppet ved afslutningen, 1 t 27 min før fristen" in timers
    assert "tilbage" not in timers


def test_a_timer_that_ran_out_before_the_close_says_when(client, incident, coordinator):
    Incident.objects.filter(pk=incident.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=5)
    )
    incident.timers.update(started_at=timezone.now() - dt.timedelta(hours=5))
    incident.refresh_from_db()
    _close(incident, coordinator, minutes_after_start=180)
    client.force_login(coordinator)

    timers = _timers(client, incident)

    assert "udløb kl." in timers and "før hændelsen blev afsluttet" in timers
    assert "Overskredet" not in timers and "OVERSKREDET" not in timers
