import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from incidents import services
from incidents.models import Incident, IncidentStep
from tests.conftest import EVACUATION, POWER
from tests.incidents.pages import HX, dash, first_task, step_url

pytestmark = pytest.mark.django_db


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


def test_start_asks_for_confirmation_first(client, card, coordinator):
    client.force_login(coordinator)
    data = {"card": card.slug, "scenario": card.scenarios.get().slug, "is_exercise": "on"}

    confirm = client.post(reverse("incidents:start"), data)
    assert confirm.status_code == 200
    assert "Ja, start hændelsen nu" in confirm.text
    assert Incident.objects.count() == 0

    started = client.post(reverse("incidents:start"), {**data, "confirm": "1"})
    incident = Incident.objects.get()
    assert started.status_code == 302 and started.url == dash(incident)
    assert incident.is_exercise


def test_start_form_template_has_a_no_js_confirmation(rf_user_request, card):
    html = Template(
        '{% include "incidents/_start_form.html" with card=card scenario_slug=scenario.slug %}'
    ).render(Context({"card": card, "scenario": card.scenarios.get(), **rf_user_request}))
    assert 'action="/haendelser/start/"' in html
    assert "<details>" in html and 'name="confirm" value="1"' in html
    assert 'name="is_exercise"' in html and 'name="update_interval_minutes"' in html


@pytest.fixture
def rf_user_request(coordinator):
    from django.contrib.auth.context_processors import PermWrapper

    request = RequestFactory().get("/")
    request.user = coordinator
    return {"perms": PermWrapper(coordinator), "request": request, "csrf_token": "t"}


def test_running_banner_works_on_any_page(incident, card, coordinator):
    exercise = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator, is_exercise=True
    )
    html = Template('{% include "incidents/_running_banner.html" %}').render(Context({}))
    assert dash(incident) in html and dash(exercise) in html
    assert "2 hændelser i gang" in html
    assert html.count("badge--exercise") == 1


def test_exercise_is_marked_on_every_page(client, card, coordinator):
    incident = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator, is_exercise=True
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
