"""Phone lines, timers, contacts, the wall screen, the list and the close."""

import pytest
from django.urls import reverse

from incidents import services
from incidents.models import Incident
from tests.incidents.pages import HX, dash, first_task, log_url, step_url, timer_post

pytestmark = pytest.mark.django_db


# --- lines, timers, contacts ---------------------------------------------------------------


def test_switch_announcement_and_back(client, incident, staff_user):
    client.force_login(staff_user)
    line = incident.phone_lines.get(line_slug="hovednummer")
    url = reverse("incidents:phone_line", args=[incident.pk, line.pk])

    client.post(url, {"announcement": "nedbrud"})
    html = client.get(dash(incident)).text
    assert "Infobesked: Nedbrud" in html and f"Skiftet af {staff_user.get_full_name()}" in html
    client.post(url, {"announcement": ""})
    assert not incident.phone_lines.exclude(announcement_slug="").exists()


def test_timer_counts_down_and_overdue_is_unmistakable(client, incident, staff_user):
    client.force_login(staff_user)
    assert (
        "1 t 59 min tilbage" in client.get(dash(incident)).text
        or "2 t 0 min tilbage" in client.get(dash(incident)).text
    )
    timer = incident.timers.get()
    timer.started_at = timer.started_at - __import__("datetime").timedelta(hours=3)
    timer.save()
    html = client.get(dash(incident)).text
    assert (
        "timer--overdue" in html and "OVERSKREDET" in html and "Overskredet med 1 t 0 min" in html
    )


def test_timer_start_in_the_future_is_refused_in_danish(client, incident, staff_user):
    client.force_login(staff_user)
    response = timer_post(client, incident, "2999-01-01T10:00")
    assert response.status_code == 400
    assert "Starttidspunktet kan ikke ligge i fremtiden." in response.text


def test_contacts_panel(client, incident, staff_user):
    client.force_login(staff_user)
    html = client.get(dash(incident)).text
    contacts = html[html.index('id="incident-contacts"') :]
    assert 'href="tel:+4529204364"' in contacts  # Vibeke Bech, responsible; E.164
    assert "logfører" in contacts  # Janni Søvang
    assert 'href="mailto:per@aarhus.dk"' in contacts  # crisis team
    assert "Mangler telefonnummer" in contacts  # Lene


def test_support_lines_show_open_or_closed(client, seeded_card, coordinator):
    incident = services.incident_start(
        card=seeded_card, scenario_slug="systemnedbrud-miralix", user=coordinator
    )
    client.force_login(coordinator)
    html = client.get(dash(incident)).text
    assert "TDC support" in html and "kl. 08:00–16:00" in html
    assert ("Åben nu" in html) or ("Lukket" in html)
    assert 'href="tel:+4570709599"' in html  # dialled in E.164


# --- wall, list, close ---------------------------------------------------------------------


def test_wall_screen_shows_all_running_incidents_without_controls(
    client, incident, evacuation, staff_user
):
    client.force_login(staff_user)
    response = client.get(reverse("incidents:wall"))
    assert response.status_code == 200
    assert 'class="wall"' in response.text
    assert incident.title in response.text and evacuation.title in response.text
    assert "<form" not in response.text.split('id="wall-live"')[1]
    assert 'hx-trigger="every 5s"' in response.text


def test_wall_poll_is_204_when_nothing_changed(
    client, incident, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    html = client.get(reverse("incidents:wall")).text
    import re

    token = re.search(r'\?rev=([\d.-]+)"', html).group(1)
    with django_assert_max_num_queries(2):  # the session (cached_db: none) and the state
        assert client.get(reverse("incidents:wall"), {"rev": token}, **HX).status_code == 204
    services.incident_log_write(incident=incident, text="Nyt", author=staff_user)
    changed = client.get(reverse("incidents:wall"), {"rev": token}, **HX)
    assert changed.status_code == 200 and "Nyt" in changed.text


def test_close_with_checklist_then_read_only(client, incident, coordinator, staff_user):
    line = incident.phone_lines.get(line_slug="hovednummer")
    services.phone_line_switch(line=line, user=coordinator, announcement_slug="nedbrud")
    client.force_login(coordinator)
    url = reverse("incidents:close", args=[incident.pk])

    page = client.get(url).text
    assert (
        "Vi kan igen tage vagter. Normal drift er genoprettet efter strømsvigt i kommunen." in page
    )
    assert "»Nedbrud« er slået til på Aarhus Kommunes Hovednummer" in page
    data = {
        "announcements_off": "on",
        "crisis_team_informed": "on",
        "yammer_posted": "on",
        "summary": "Slut",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and "stadig slået til" in refused.text
    assert client.post(url, {"summary": "Slut"}).status_code == 400

    services.phone_line_switch(line=line, user=coordinator, announcement_slug="")
    assert client.post(url, data).status_code == 302
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED and incident.summary == "Slut"
    assert incident.closing_checklist["yammer_text"].startswith("Vi kan igen tage vagter")

    client.force_login(staff_user)
    html = client.get(dash(incident)).text
    assert "Den kan kun læses" in html and '<form method="post" action="/haendelser' not in html
    step = first_task(incident)
    refused = client.post(step_url(step, "done"), {"version": 1}, follow=True)
    assert "afsluttet" in refused.text and "kan ikke længere ændres" in refused.text
    refused_log = client.post(log_url(incident), {"text": "for sent"}, follow=True)
    assert "kan ikke længere ændres" in refused_log.text
    assert not incident.log_entries.filter(text="for sent").exists()


def test_closed_incidents_are_listed_with_their_timeline(client, incident, coordinator):
    services.incident_close(
        incident=incident, user=coordinator, announcements_off=True,
        crisis_team_informed=True, yammer_posted=True, summary="Ok",
    )  # fmt: skip
    client.force_login(coordinator)
    html = client.get(reverse("incidents:list")).text
    closed = html[html.index("Afsluttede") :]
    assert reverse("incidents:log", args=[incident.pk]) in closed
    log = client.get(reverse("incidents:log", args=[incident.pk])).text
    assert "afsluttede hændelsen" in log and "Tidslinjen kan kun læses" in log
