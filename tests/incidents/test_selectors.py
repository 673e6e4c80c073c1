import datetime as dt

import pytest
from django.utils import timezone

from incidents import presentation, selectors, services
from tests.incidents.factories import add_figures

pytestmark = pytest.mark.django_db


def test_status_summary_lists_open_steps_and_running_timers(incident, staff_user):
    tasks = list(incident.steps.filter(kind__in=["action", "communication"]).order_by("order"))
    services.step_complete(step=tasks[0], user=staff_user, version=1)

    summary = selectors.incident_status_summary(incident=incident)

    assert summary["open_steps"] == [s.text for s in tasks[1:]]
    assert tasks[0].text not in summary["open_steps"]
    [timer] = summary["running_timers"]
    assert timer["name"] == "Strøm på telefonmasterne"
    assert timer["ends_at"] == incident.started_at + dt.timedelta(hours=2)
    assert timer["overdue"] is False
    assert set(summary) >= {"id", "title", "is_exercise", "latest_figures", "recent_log", "url"}


def test_status_summary_has_no_running_timers_once_closed(incident, coordinator):
    services.incident_close(
        incident=incident, user=coordinator, announcements_off=True,
        crisis_team_informed=True, yammer_posted=True,
    )  # fmt: skip
    incident.refresh_from_db()
    assert selectors.incident_status_summary(incident=incident)["running_timers"] == []


def test_age_label_in_danish():
    now = timezone.now()
    assert selectors.age_label(now, now) == "lige nu"
    assert selectors.age_label(now - dt.timedelta(minutes=12), now) == "for 12 min siden"
    assert selectors.age_label(now - dt.timedelta(minutes=75), now) == "for 1 t 15 min siden"


def test_chart_is_thinned_to_a_fixed_number_of_points(incident, staff_user):
    add_figures(incident, 500, user=staff_user)
    charts = presentation.figure_charts(
        selectors.figure_series(incident=incident, now=timezone.now())
    )
    assert [c.label for c in charts] == [
        "Ledige medarbejdere",
        "Opkald i kø",
        "Længste ventetid (min:sek)",
    ]
    assert all(len(c.points.split()) == selectors.CHART_POINTS for c in charts)
    for chart in charts:
        for point in chart.points.split():
            x, y = map(float, point.split(","))
            assert 0 <= x <= presentation.CHART_WIDTH and 0 <= y <= presentation.CHART_HEIGHT


def test_yammer_text_names_every_reason(incident, coordinator):
    services.incident_scenario_add(
        incident=incident, scenario_slug="evakuering-dokk1", user=coordinator
    )
    context = selectors.incident_dashboard(incident=selectors.incident_get(pk=incident.pk))
    assert context["yammer_text"] == (
        "Vi kan igen tage vagter. Normal drift er genoprettet efter "
        "strømsvigt i kommunen og evakuering."
    )
