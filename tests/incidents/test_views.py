import json

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from incidents import services
from incidents.events import entry_text
from incidents.models import FigureReport, Incident, IncidentStep, LogEntry
from tests.incidents.conftest import EVACUATION, POWER
from tests.incidents.factories import add_figures

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def dash(incident):
    return reverse("incidents:dashboard", args=[incident.pk])


def step_url(step, action):
    return reverse("incidents:step_update", args=[step.incident_id, step.pk, action])


def first_task(incident, kind="action"):
    return incident.steps.filter(kind=kind).order_by("order").first()


# --- access --------------------------------------------------------------------------------


def test_user_without_role_cannot_see_incidents(client, incident, no_role_user):
    client.force_login(no_role_user)
    for url in (dash(incident), reverse("incidents:list"), reverse("incidents:wall")):
        response = client.get(url)
        assert response.status_code == 403
        assert "ingen rolle" in response.text
        assert incident.title not in response.text


def test_anonymous_is_sent_to_login(client, incident):
    response = client.get(dash(incident))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_every_role_can_view(client, incident, editor, staff_user, coordinator):
    for user in (editor, staff_user, coordinator):
        client.force_login(user)
        assert client.get(dash(incident)).status_code == 200


def test_editor_cannot_work_an_incident(client, incident, editor):
    client.force_login(editor)
    step = first_task(incident)
    assert client.post(step_url(step, "done"), {"version": 1}).status_code == 403
    assert (
        client.post(reverse("incidents:log_write", args=[incident.pk]), {"text": "x"}).status_code
        == 403
    )
    assert IncidentStep.objects.get(pk=step.pk).done_at is None


def test_staff_cannot_start_escalate_or_close(client, incident, staff_user, seeded_card):
    client.force_login(staff_user)
    start = client.post(
        reverse("incidents:start"), {"card": "telefoni", "scenario": POWER, "confirm": "1"}
    )
    escalate = client.post(
        reverse("incidents:escalate", args=[incident.pk]), {"scenario": EVACUATION}
    )
    close = client.get(reverse("incidents:close", args=[incident.pk]))
    assert (start.status_code, escalate.status_code, close.status_code) == (403, 403, 403)
    assert Incident.objects.count() == 1


# --- start ---------------------------------------------------------------------------------


def test_start_asks_for_confirmation_first(client, seeded_card, coordinator):
    client.force_login(coordinator)
    data = {"card": "telefoni", "scenario": POWER, "is_exercise": "on"}

    confirm = client.post(reverse("incidents:start"), data)
    assert confirm.status_code == 200
    assert "Ja, start hændelsen nu" in confirm.text
    assert Incident.objects.count() == 0

    started = client.post(reverse("incidents:start"), {**data, "confirm": "1"})
    incident = Incident.objects.get()
    assert started.status_code == 302 and started.url == dash(incident)
    assert incident.is_exercise


def test_start_form_template_has_a_no_js_confirmation(rf_user_request, seeded_card):
    html = Template(
        '{% include "incidents/_start_form.html" with card=card scenario_slug="evakuering-dokk1" %}'
    ).render(Context({"card": seeded_card, **rf_user_request}))
    assert 'action="/haendelser/start/"' in html
    assert "<details>" in html and 'name="confirm" value="1"' in html
    assert 'name="is_exercise"' in html and 'name="update_interval_minutes"' in html


@pytest.fixture
def rf_user_request(coordinator):
    from django.contrib.auth.context_processors import PermWrapper

    request = RequestFactory().get("/")
    request.user = coordinator
    return {"perms": PermWrapper(coordinator), "request": request, "csrf_token": "t"}


def test_running_banner_works_on_any_page(incident, seeded_card, coordinator):
    exercise = services.incident_start(
        card=seeded_card, scenario_slug=EVACUATION, user=coordinator, is_exercise=True
    )
    html = Template('{% include "incidents/_running_banner.html" %}').render(Context({}))
    assert dash(incident) in html and dash(exercise) in html
    assert "2 hændelser i gang" in html
    assert html.count("badge--exercise") == 1


def test_exercise_is_marked_on_every_page(client, seeded_card, coordinator):
    incident = services.incident_start(
        card=seeded_card, scenario_slug=POWER, user=coordinator, is_exercise=True
    )
    client.force_login(coordinator)
    step = first_task(incident)
    for url in (
        dash(incident),
        reverse("incidents:log", args=[incident.pk]),
        reverse("incidents:step", args=[incident.pk, step.pk]),
        reverse("incidents:close", args=[incident.pk]),
        reverse("incidents:wall"),
        reverse("incidents:list"),
    ):
        assert "ØVELSE" in client.get(url).text.upper(), url


# --- checklist -----------------------------------------------------------------------------


def test_tick_without_javascript_redirects_to_the_step(client, incident, staff_user):
    client.force_login(staff_user)
    step = first_task(incident)
    before = client.get(dash(incident)).text
    assert f'action="{step_url(step, "done")}"' in before
    assert f'href="{reverse("incidents:step", args=[incident.pk, step.pk])}"' in before

    response = client.post(step_url(step, "done"), {"version": 1})

    assert response.status_code == 302 and response.url == f"{dash(incident)}#step-{step.pk}"
    step.refresh_from_db()
    assert step.done_by == staff_user
    page = client.get(dash(incident)).text
    assert "step--done" in page and f"Udført af {staff_user.get_full_name()}" in page


def test_tick_with_htmx_answers_with_fragments(client, incident, staff_user):
    client.force_login(staff_user)
    step = first_task(incident)

    response = client.post(step_url(step, "done"), {"version": 1}, **HX)

    assert response.status_code == 200
    assert (
        'id="incident-steps" class="stack" aria-labelledby="steps-title" hx-swap-oob="true"'
        in response.text
    )
    assert 'id="messages"' in response.text


def test_stale_tick_says_who_changed_it_and_shows_the_fresh_state(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_note_set(step=step, user=coordinator, version=1, note="Ringer til TDC")
    client.force_login(staff_user)

    response = client.post(step_url(step, "done"), {"version": 1}, **HX)

    assert response.status_code == 200
    assert "fik en note af" in response.text
    assert coordinator.get_full_name() in response.text
    assert "Din ændring er ikke gemt" in response.text
    assert "Ringer til TDC" in response.text  # the fresh fragment
    assert IncidentStep.objects.get(pk=step.pk).done_at is None


def test_stale_post_without_javascript_gets_the_message_after_redirect(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_complete(step=step, user=coordinator, version=1)
    client.force_login(staff_user)

    response = client.post(step_url(step, "note"), {"version": 1, "note": "x"}, follow=True)

    assert "markeret som udført af" in response.text
    assert "Din ændring er ikke gemt" in response.text


def test_undo_needs_a_reason_in_danish(client, incident, staff_user):
    step = first_task(incident)
    services.step_complete(step=step, user=staff_user, version=1)
    client.force_login(staff_user)

    response = client.post(step_url(step, "reopen"), {"version": 2, "reason": ""})

    assert response.status_code == 400
    assert "Skriv hvorfor trinnet genåbnes." in response.text
    ok = client.post(step_url(step, "reopen"), {"version": 2, "reason": "Fejlklik"})
    assert ok.status_code == 302
    assert IncidentStep.objects.get(pk=step.pk).done_at is None


def test_assign_to_card_person_and_note(client, incident, staff_user):
    step = first_task(incident)
    client.force_login(staff_user)

    page = client.get(reverse("incidents:step", args=[incident.pk, step.pk]))
    assert "person:glenn-hald" in page.text and f"user:{staff_user.pk}" in page.text
    client.post(step_url(step, "assign"), {"version": 1, "assignee": "person:glenn-hald"})
    client.post(step_url(step, "note"), {"version": 2, "note": "<b>Ring</b> efter 10"})

    html = client.get(dash(incident)).text
    assert "Tildelt: Glenn Hald" in html
    assert "&lt;b&gt;Ring&lt;/b&gt; efter 10" in html and "<b>Ring</b>" not in html


def test_decision_buttons_record_the_alternative(client, evacuation, staff_user):
    step = first_task(evacuation, "decision")
    client.force_login(staff_user)

    client.post(step_url(step, "done"), {"version": 1, "alternative": "1. scenarie"})

    assert IncidentStep.objects.get(pk=step.pk).chosen_alternative == "1. scenarie"
    assert "alternative--chosen" in client.get(dash(evacuation)).text


# --- escalate ------------------------------------------------------------------------------


def test_escalate_from_the_dashboard(client, incident, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("incidents:escalate", args=[incident.pk]), {"scenario": EVACUATION}, follow=True
    )
    assert "Evakuering af Dokk1" in response.text
    assert incident.scenarios.count() == 2
    again = client.post(
        reverse("incidents:escalate", args=[incident.pk]), {"scenario": EVACUATION}, follow=True
    )
    assert "Vælg et scenarie, som hændelsen ikke har endnu." in again.text


# --- log -----------------------------------------------------------------------------------


def log_url(incident):
    return reverse("incidents:log_write", args=[incident.pk])


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
    timer = incident.timers.get()
    response = client.post(
        reverse("incidents:timer", args=[incident.pk, timer.pk]), {"started_at": "2999-01-01T10:00"}
    )
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


@pytest.mark.parametrize(
    ("typed", "seconds"), [("3", 180), ("3:30", 210), ("3,5", 210), ("0.25", 15), ("0", 0)]
)
def test_wait_times_are_typed_as_staff_say_them(typed, seconds):
    from incidents.forms import FigureForm

    form = FigureForm({**GOOD, "longest_wait_seconds": typed, "average_wait_seconds": "0"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["longest_wait_seconds"] == seconds
