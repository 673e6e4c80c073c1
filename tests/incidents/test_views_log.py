"""The incident log, the figures form and the figures API."""

import json

import pytest
from django.urls import reverse

from incidents import services
from incidents.events import entry_text
from incidents.models import FigureReport, LogEntry
from tests.incidents.factories import add_figures
from tests.incidents.pages import HX, dash, first_task, log_url

pytestmark = pytest.mark.django_db


# --- log -----------------------------------------------------------------------------------


def test_log_entry_is_written_and_shown_escaped(client, incident, staff_user):
    client.force_login(staff_user)
    response = client.post(log_url(incident), {"text": "<script>alert(1)</script> TDC ringet op"})
    assert response.status_code == 302
    html = client.get(dash(incident)).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; TDC ringet op" in html
    assert "<script>alert(1)" not in html


def test_empty_and_too_long_log_entries_are_refused_in_danish(client, incident, staff_user):
    client.force_login(staff_user)
    empty = client.post(log_url(incident), {"text": "   "})
    long = client.post(log_url(incident), {"text": "x" * 2001})
    assert empty.status_code == long.status_code == 400
    assert "Skriv en tekst til loggen" in empty.text
    assert "Teksten er for lang: højst 2000 tegn (du skrev 2001)." in long.text
    assert LogEntry.objects.filter(incident=incident).count() == 1


def test_log_form_errors_with_htmx_come_back_in_the_form(client, incident, staff_user):
    client.force_login(staff_user)
    response = client.post(log_url(incident), {"text": ""}, **HX)
    assert response.status_code == 200
    assert (
        'id="incident-log-form"' in response.text and "Skriv en tekst til loggen" in response.text
    )


def test_correction_page_writes_a_new_entry(client, incident, staff_user):
    entry = services.incident_log_write(incident=incident, text="Strøm gik 9:30", author=staff_user)
    client.force_login(staff_user)
    url = reverse("incidents:log_correct", args=[incident.pk, entry.sequence])

    assert "Strøm gik 9:30" in client.get(url).text
    client.post(url, {"text": "Strøm gik 9:20"})

    correction = LogEntry.objects.get(incident=incident, corrects=entry)
    log = client.get(reverse("incidents:log", args=[incident.pk])).text
    assert f"Retter #{entry.sequence}" in log and "Rettet senere" in log
    assert correction.text == "Strøm gik 9:20"


def test_system_events_and_notes_share_the_timeline(client, incident, staff_user):
    services.step_complete(step=first_task(incident), user=staff_user, version=1)
    services.incident_log_write(incident=incident, text="Manuelt notat", author=staff_user)
    client.force_login(staff_user)
    html = client.get(reverse("incidents:log", args=[incident.pk])).text
    assert html.index("startede hændelsen") < html.index("Udført:") < html.index("Manuelt notat")


# --- figures -------------------------------------------------------------------------------

GOOD = {
    "agents_on_duty": "12",
    "agents_available": "4",
    "calls_in_queue": "17",
    "longest_wait_seconds": "3:30",
    "average_wait_seconds": "1",
}


def test_figures_form_and_age(client, incident, staff_user):
    client.force_login(staff_user)
    # A chart needs two points (one is an empty box): an earlier report first.
    add_figures(incident, 1, user=staff_user)
    response = client.post(reverse("incidents:figures", args=[incident.pk]), GOOD)
    assert response.status_code == 302
    report = FigureReport.objects.latest("reported_at")
    assert (report.longest_wait_seconds, report.average_wait_seconds) == (210, 60)
    html = client.get(dash(incident)).text
    assert "Senest opdateret lige nu" in html
    assert "<svg" in html and "<polyline" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("agents_on_duty", "-1", "Tallet kan ikke være negativt."),
        ("calls_in_queue", "99999999", "Tallet er urimeligt højt"),
        (
            "agents_available",
            "40",
            "Der kan ikke være flere ledige (40) end medarbejdere på vagt (12).",
        ),
        ("longest_wait_seconds", "-3", "En ventetid kan ikke være negativ."),
        ("longest_wait_seconds", "9999", "En ventetid over 24 timer er urimelig"),
        ("average_wait_seconds", "lang", "Skriv ventetiden som minutter"),
        (
            "average_wait_seconds",
            "5",
            "Den gennemsnitlige ventetid kan ikke være længere end den længste.",
        ),
    ],
)
def test_figures_form_refuses_bad_values_in_danish(
    client, incident, staff_user, field, value, message
):
    client.force_login(staff_user)
    response = client.post(reverse("incidents:figures", args=[incident.pk]), {**GOOD, field: value})
    assert response.status_code == 400
    assert message in response.text
    assert not FigureReport.objects.exists()


@pytest.fixture
def token(db):
    return services.integration_token_create(name="Miralix-integration")[1]


def api(client, incident, payload, token=None, raw=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("incidents:figures_api", args=[incident.pk]),
        raw if raw is not None else json.dumps(payload),
        content_type="application/json",
        **headers,
    )


API_GOOD = {
    "agents_on_duty": 10,
    "agents_available": 3,
    "calls_in_queue": 25,
    "longest_wait_seconds": 400,
    "average_wait_seconds": 120,
}


def test_api_accepts_figures_with_a_token(client, incident, token):
    client.enforce_csrf_checks = True
    response = api(client, incident, API_GOOD, token)
    assert response.status_code == 201
    report = FigureReport.objects.get(pk=response.json()["id"])
    assert report.source == "Miralix-integration" and report.reported_by is None
    assert "fra Miralix-integration" in entry_text(
        incident.log_entries.order_by("-sequence").first()
    )


def test_api_without_or_with_a_wrong_token_is_401(client, incident, token):
    assert api(client, incident, API_GOOD).status_code == 401
    wrong = api(client, incident, API_GOOD, token + "x")
    assert wrong.status_code == 401 and "Bearer" in wrong["WWW-Authenticate"]
    assert not FigureReport.objects.exists()


def test_api_bad_payload_gives_field_errors(client, incident, token):
    response = api(
        client, incident, {**API_GOOD, "agents_on_duty": -5, "calls_in_queue": "x"}, token
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["agents_on_duty"] == ["Tallet kan ikke være negativt."]
    assert errors["calls_in_queue"] == ["Skriv et helt tal."]
    assert api(client, incident, None, token, raw="{not json").status_code == 400
    assert api(client, incident, [1, 2], token).status_code == 400


def test_api_on_a_closed_incident_is_409(client, incident, token, coordinator):
    services.incident_close(
        incident=incident, user=coordinator, announcements_off=True,
        crisis_team_informed=True, yammer_posted=True,
    )  # fmt: skip
    response = api(client, incident, API_GOOD, token)
    assert response.status_code == 409 and "afsluttet" in response.json()["errors"]["__all__"][0]


def test_other_posts_still_need_csrf(incident, staff_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert client.post(log_url(incident), {"text": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("typed", "seconds"), [("3", 180), ("3:30", 210), ("3,5", 210), ("0.25", 15), ("0", 0)]
)
def test_wait_times_are_typed_as_staff_say_them(typed, seconds):
    from incidents.forms import FigureForm

    form = FigureForm({**GOOD, "longest_wait_seconds": typed, "average_wait_seconds": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["longest_wait_seconds"] == seconds
