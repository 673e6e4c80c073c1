"""Issue 11 §2: every time that enters an incident is bounded, and one bad row already in
the database never takes the dashboard, the wall screen, closing or "Send opdatering nu"
down (for this incident or any other)."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import FigureReport, IncidentTimer
from tests.incidents.factories import GOOD_FIGURES
from tests.incidents.pages import timer_post

YEAR_ONE_TEXT = "0001-01-01T00:00:00+14:00"
YEAR_ONE = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))


@pytest.fixture
def token(db):
    return services.integration_token_create(name="Miralix-integration")[1]


def api(client, incident, payload, token):
    return client.post(
        reverse("incidents:figures_api", args=[incident.pk]),
        json.dumps(payload),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.mark.parametrize(
    ("reported_at", "message"),
    [
        (YEAR_ONE_TEXT, "Tidspunktet kan højst ligge 24 timer før hændelsen startede."),
        ("1970-01-01T00:00:00Z", "Tidspunktet kan højst ligge 24 timer før hændelsen startede."),
        ("9999-12-31T23:59:59-14:00", "Tidspunktet kan ikke ligge i fremtiden."),
        ("+10 minutes", "Tidspunktet kan ikke ligge i fremtiden."),
    ],
)
def test_api_refuses_an_implausible_time_with_a_field_error(
    client, incident, token, reported_at, message
):
    if reported_at == "+10 minutes":
        reported_at = (timezone.now() + dt.timedelta(minutes=10)).isoformat()
    response = api(client, incident, {**GOOD_FIGURES, "reported_at": reported_at}, token)

    assert response.status_code == 400
    assert response.json()["errors"] == {"reported_at": [message]}
    assert not FigureReport.objects.exists()


def test_api_accepts_a_time_within_the_window(client, incident, token):
    # A little before the incident (noticed late) and a clock a minute ahead are plausible.
    for when in (
        incident.started_at - dt.timedelta(hours=23),
        timezone.now() + dt.timedelta(minutes=1),
    ):
        response = api(client, incident, {**GOOD_FIGURES, "reported_at": when.isoformat()}, token)
        assert response.status_code == 201, response.content
    assert FigureReport.objects.count() == 2


def test_the_service_enforces_the_same_window(incident):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="24 timer før"):
        services.figure_report_create(incident=incident, reported_at=YEAR_ONE, **GOOD_FIGURES)


def test_timer_form_refuses_year_one(client, incident, staff_user):
    client.force_login(staff_user)
    response = timer_post(client, incident, "0001-01-01T00:00")
    assert response.status_code == 400
    assert "Starttidspunktet kan højst ligge 48 timer før hændelsen startede." in response.text
    assert incident.timers.get().started_at.year >= 2000


# --- A bad row already stored ----------------------------------------------------------------


@pytest.fixture
def poisoned(incident, evacuation):
    """``incident`` gets a year-1 figure report and timer straight through the ORM; the
    evacuation is a healthy second incident."""
    if connection.vendor != "postgresql":
        pytest.skip("a year-1 time only breaks reads on PostgreSQL")
    FigureReport.objects.bulk_create(
        [FigureReport(incident=incident, reported_at=YEAR_ONE, **GOOD_FIGURES)]
    )
    return incident


def _update_and_close_go_through(client, incident):
    """The manual update ("Send opdatering nu") is still written, and the close form still
    shows and closes ``incident``; answers the send's response."""
    send = client.post(reverse("notifications:send-now", args=[incident.pk]))
    assert incident.status_updates.filter(reason="manual").exists()
    assert client.get(reverse("incidents:close", args=[incident.pk])).status_code == 200
    closed = client.post(
        reverse("incidents:close", args=[incident.pk]),
        {"announcements_off": "on", "crisis_team_informed": "on", "yammer_posted": "on"},
    )
    assert closed.status_code == 302
    return send


def test_pages_survive_a_bad_figure_row(client, poisoned, evacuation, coordinator):
    client.force_login(coordinator)
    for incident in (poisoned, evacuation):
        assert client.get(reverse("incidents:dashboard", args=[incident.pk])).status_code == 200
    wall = client.get(reverse("incidents:wall"))
    assert wall.status_code == 200
    assert poisoned.title in wall.text and evacuation.title in wall.text
    send = _update_and_close_go_through(client, poisoned)
    assert send.status_code in (200, 302)
    poisoned.refresh_from_db()
    assert not poisoned.is_running


def test_pages_survive_a_bad_timer_row(client, poisoned, evacuation, coordinator):
    IncidentTimer.objects.filter(incident=poisoned).update(started_at=YEAR_ONE)
    client.force_login(coordinator)

    page = client.get(reverse("incidents:dashboard", args=[poisoned.pk]))
    assert page.status_code == 200
    assert "Ikke alt kan vises: timerne kunne ikke læses" in page.text
    assert "Tjekliste" in page.text  # the rest of the page is there

    wall = client.get(reverse("incidents:wall"))
    assert wall.status_code == 200
    # The wall draws the dashboard's fragments: the broken part says so, the rest is there.
    assert poisoned.title in wall.text
    assert "Timerne kan ikke vises på grund af en fejl i data." in wall.text
    assert evacuation.title in wall.text and "Næste trin" in wall.text

    assert client.get(reverse("incidents:dashboard", args=[evacuation.pk])).status_code == 200
    # The crisis team's update leaves the unreadable timer out instead of failing.
    _update_and_close_go_through(client, poisoned)


def test_dashboard_survives_a_bad_log_row(client, poisoned, coordinator):
    from incidents.models import LogEntry

    LogEntry.objects.create(incident=poisoned, sequence=10_000, text="x", created_at=YEAR_ONE)
    client.force_login(coordinator)
    page = client.get(reverse("incidents:dashboard", args=[poisoned.pk]))
    assert page.status_code == 200
    assert "Ikke alt kan vises: loggen kunne ikke læses" in page.text
