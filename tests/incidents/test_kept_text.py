"""Nothing a person typed is lost (issue 11 §4): every refusal — a stale step, a closed
incident, a validation error, a text over the limit — hands the typed text back."""

import html as html_lib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import FigureReport, Incident, IncidentStep, LogEntry
from tests.incidents.pages import FIGURES

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
NOTE = "Ring til Miralix-supporten igen kl. 11 – de lovede en løsning"
REASON = "Vi var for hurtige; infobeskeden kører stadig ikke på hovednummeret"


def step_url(step, action):
    return reverse("incidents:step_update", args=[step.incident_id, step.pk, action])


def first_task(incident):
    return incident.steps.filter(kind="action").order_by("order").first()


def textarea_value(page, name):
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    return html_lib.unescape(match[1]) if match else None


def unsaved_value(page, field_id):
    match = re.search(rf'<textarea id="{field_id}"[^>]*readonly>(.*?)</textarea>', page, re.S)
    return html_lib.unescape(match[1]) if match else None


def close(incident, user):
    services.incident_close(
        incident=incident, user=user, announcements_off=True, crisis_team_informed=True,
        yammer_posted=True, summary="Slut",
    )  # fmt: skip


# --- stale steps ---------------------------------------------------------------------------


def test_stale_note_comes_back_with_the_other_persons_change_beside_it(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_complete(step=step, user=coordinator, version=1)
    at = timezone.localtime(IncidentStep.objects.get(pk=step.pk).changed_at).strftime("%H:%M")
    client.force_login(staff_user)

    response = client.post(step_url(step, "note"), {"version": 1, "note": NOTE})

    assert response.status_code == 409
    page = response.text
    assert textarea_value(page, "note") == NOTE
    conflict = page[page.index('id="step-conflict"') :]
    who = coordinator.get_full_name()
    assert f"markeret som udført af {who} kl. {at}" in conflict
    assert "står stadig i feltet" in conflict
    assert 'name="version" value="2"' in page  # saving again is a deliberate choice
    assert IncidentStep.objects.get(pk=step.pk).note == ""


def test_stale_note_with_htmx_answers_the_step_panel_with_the_text(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_note_set(step=step, user=coordinator, version=1, note="Ringer til TDC")
    client.force_login(staff_user)

    response = client.post(
        step_url(step, "note"), {"version": 1, "note": NOTE}, HTTP_HX_TARGET="step-panel", **HX
    )

    assert response.status_code == 200  # htmx swaps only 2xx
    assert response.text.lstrip().startswith('<div id="step-panel"')
    assert textarea_value(response.text, "note") == NOTE
    assert "fik en note af" in response.text and "Ringer til TDC" in response.text


def test_stale_reopen_reason_survives_when_someone_else_reopened_first(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_complete(step=step, user=staff_user, version=1)
    services.step_reopen(step=step, user=coordinator, version=2, reason="Fejlklik")
    client.force_login(staff_user)

    response = client.post(step_url(step, "reopen"), {"version": 2, "reason": REASON})

    assert response.status_code == 409
    assert unsaved_value(response.text, "unsaved-reason") == REASON
    assert f"genåbnet af {coordinator.get_full_name()}" in response.text


def test_a_reopen_reason_on_a_closed_incident_comes_back_to_copy(
    client, incident, staff_user, coordinator
):
    step = first_task(incident)
    services.step_complete(step=step, user=staff_user, version=1)
    close(incident, coordinator)
    client.force_login(staff_user)

    response = client.post(step_url(step, "reopen"), {"version": 2, "reason": REASON})

    assert response.status_code == 409
    assert "kan ikke længere ændres" in response.text
    assert unsaved_value(response.text, "unsaved-reason") == REASON


def test_tick_buttons_still_answer_the_fresh_dashboard(client, incident, staff_user, coordinator):
    """The done button has no words to keep: its refusal stays the dashboard's fragments."""
    step = first_task(incident)
    services.step_complete(step=step, user=coordinator, version=1)
    client.force_login(staff_user)

    response = client.post(step_url(step, "done"), {"version": 1}, **HX)

    assert response.status_code == 200 and 'id="incident-steps"' in response.text


# --- log -----------------------------------------------------------------------------------


def test_a_log_entry_written_as_the_incident_closed_comes_back(
    client, incident, staff_user, coordinator
):
    client.force_login(staff_user)
    url = reverse("incidents:log_write", args=[incident.pk])
    client.get(reverse("incidents:dashboard", args=[incident.pk]))
    close(incident, coordinator)
    text = "Sidste status: 4 i kø, alle linjer kører normalt igen"

    plain = client.post(url, {"text": text})
    htmx = client.post(url, {"text": text}, **HX)

    assert plain.status_code == 409 and "kan ikke længere ændres" in plain.text
    assert unsaved_value(plain.text, "unsaved-log-text") == text
    assert 'id="incident-log-form" hx-swap-oob="true"' in htmx.text
    assert unsaved_value(htmx.text, "unsaved-log-text") == text
    assert not LogEntry.objects.filter(text=text).exists()


def test_a_too_long_log_entry_comes_back_whole_with_a_danish_message(client, incident, staff_user):
    client.force_login(staff_user)
    text = "Borgere i kø. " * 150  # 2,100 characters, 100 over the limit
    url = reverse("incidents:log_write", args=[incident.pk])

    page = client.get(reverse("incidents:dashboard", args=[incident.pk])).text
    response = client.post(url, {"text": text})
    htmx = client.post(url, {"text": text}, **HX)

    form = page[page.index('id="incident-log-form"') :]
    form = form[: form.index("</form>")]
    assert 'data-maxlength="2000"' in form and "maxlength=" not in form.replace("data-max", "")
    assert "/static/js/char-counter.js" in page
    for answer in (response, htmx):
        assert "Teksten er for lang: højst 2000 tegn (du skrev 2099)" in answer.text
        assert textarea_value(answer.text, "text") == text  # not a character cut
    assert not LogEntry.objects.filter(text__startswith="Borgere i kø").exists()


def test_line_breaks_count_as_one_character_like_the_counter(client, incident, staff_user):
    client.force_login(staff_user)
    text = "\r\n".join(["x" * 99] * 20)  # 1,999 characters with \n, 2,018 with \r\n

    response = client.post(reverse("incidents:log_write", args=[incident.pk]), {"text": text})

    assert response.status_code == 302
    assert LogEntry.objects.get(incident=incident, kind="manual").text == text.replace("\r\n", "\n")


def test_a_log_correction_refused_by_a_closed_incident_comes_back(
    client, incident, staff_user, coordinator
):
    entry = services.incident_log_write(incident=incident, text="Ring til Glen", author=staff_user)
    close(incident, coordinator)
    client.force_login(staff_user)
    url = reverse("incidents:log_correct", args=[incident.pk, entry.sequence])

    response = client.post(url, {"text": "Ring til Glenn Hald"})

    assert response.status_code == 409 and "kan ikke længere ændres" in response.text
    assert textarea_value(response.text, "text") == "Ring til Glenn Hald"
    assert "Skriv rettelsen i loggen</button>" not in response.text


# --- figures, timers, close ----------------------------------------------------------------


def test_figures_typed_as_the_incident_closed_come_back(client, incident, staff_user, coordinator):
    close(incident, coordinator)
    client.force_login(staff_user)

    response = client.post(reverse("incidents:figures", args=[incident.pk]), FIGURES)

    assert response.status_code == 409
    typed = unsaved_value(response.text, "unsaved-figures")
    assert "Opkald i kø: 17" in typed and "Længste ventetid (min eller min:sek): 3:30" in typed


def test_figures_the_service_refuses_stay_in_the_form(client, incident, staff_user, monkeypatch):
    """A check only the service makes (e.g. a time bound) must not empty the form."""
    from django.core.exceptions import ValidationError

    def refuse(**kwargs):
        raise ValidationError("Tidspunktet ligger uden for hændelsen.")

    monkeypatch.setattr(services, "figure_report_create", refuse)
    client.force_login(staff_user)

    response = client.post(reverse("incidents:figures", args=[incident.pk]), FIGURES)

    assert response.status_code == 400
    assert "Tidspunktet ligger uden for hændelsen." in response.text
    assert 'name="calls_in_queue" value="17"' in response.text
    assert not FigureReport.objects.exists()


def test_a_closing_summary_survives_someone_else_closing_first(
    client, incident, coordinator, django_user_model
):
    client.force_login(coordinator)
    url = reverse("incidents:close", args=[incident.pk])
    close(incident, coordinator)
    summary = "Strømmen kom tilbage kl. 10.40; ingen borgere blev afvist."

    response = client.post(
        url,
        {
            "announcements_off": "on",
            "crisis_team_informed": "on",
            "yammer_posted": "on",
            "summary": summary,
        },
    )

    assert response.status_code == 409 and "kan ikke længere ændres" in response.text
    assert unsaved_value(response.text, "unsaved-summary") == summary
    assert Incident.objects.get(pk=incident.pk).summary == "Slut"
