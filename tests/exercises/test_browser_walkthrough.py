"""The exercise in Chromium on the production-like server: a Redaktør writes a short
script, a Koordinator runs it with a desk (1280×800) and a phone (390×844) open, both see
the inject arrive in the log, closes it, evaluates it and proposes a change to the card;
the Redaktør accepts the change.

gunicorn runs no Celery beat here: the test plays the beat tick by calling the same
service the periodic task calls (``injects_due_fire``); the beat itself is tested with a
real worker in test_tasks.py."""

from django.urls import reverse

from exercises import services
from exercises.models import ExerciseScript, ProposedChange
from incidents.models import Incident, LogEntry
from tests.browser.conftest import DESK, TALL_PHONE, browser, danish_context, log_in  # noqa: F401
from tests.conftest import BROWSER_TEST

pytestmark = BROWSER_TEST
POLL_WAIT_MS = 15_000  # a 5-s poll plus a round trip on a busy machine
INJECT = "Miralix ringer – serverne er nede"


def _page(browser, base, user, viewport, **extra):  # noqa: F811
    page = danish_context(browser, viewport=viewport, timeout_ms=20_000, **extra).new_page()
    log_in(page, base, user)
    return page


def test_write_run_on_phone_and_desk_close_evaluate_propose(
    browser,  # noqa: F811
    production_server,
    seeded_card,
    editor,
    coordinator,
):
    base = production_server.url

    desk_editor = _page(browser, base, editor, DESK)
    script = _editor_writes_the_script(desk_editor, base)
    desk, incident = _coordinator_runs_it_on_desk_and_phone(browser, base, coordinator, script)
    _close_through_the_checklist(desk, base, incident)
    _evaluate_and_propose(desk, base, incident)

    # The Redaktør accepts it; the card's draft has it.
    desk_editor.goto(f"{base}{reverse('exercises:proposals')}")
    with desk_editor.expect_navigation():
        desk_editor.click("#proposals-open .btn--primary")
    assert ProposedChange.objects.get().status == ProposedChange.Status.ACCEPTED
    assert seeded_card.scenarios.get(slug="stromsvigt-dokk1").title == (
        "Strømsvigt i Dokk1-bygningen"
    )


def _editor_writes_the_script(desk_editor, base):
    """The Redaktør writes the script: scenario, a participant, one inject at T+0."""
    desk_editor.goto(f"{base}{reverse('exercises:scripts')}")
    desk_editor.select_option("#id_scenario", "telefoni/stromsvigt-dokk1")
    desk_editor.fill("#id_title", "Strømsvigt-øvelse")
    with desk_editor.expect_navigation():
        desk_editor.click("#script-create button[type=submit]")
    script = ExerciseScript.objects.get()
    desk_editor.fill("#participant-add #id_name", "Testdeltager Et")
    desk_editor.fill("#participant-add #id_email", "testdeltager1@example.invalid")
    with desk_editor.expect_navigation():
        desk_editor.click("#participant-add button[type=submit]")
    desk_editor.fill("#id_offset_minutes", "0")
    desk_editor.fill("#inject-add #id_text", INJECT)
    desk_editor.check("#inject-add input[name=recipients]")
    with desk_editor.expect_navigation():
        desk_editor.click("#inject-add button[type=submit]")
    assert INJECT in desk_editor.inner_text("#injects")
    return script


def _coordinator_runs_it_on_desk_and_phone(browser, base, coordinator, script):  # noqa: F811
    """The Koordinator starts it at the desk and follows it on a phone too; both see the
    inject arrive."""
    desk = _page(browser, base, coordinator, DESK)
    desk.goto(f"{base}{reverse('exercises:script', args=[script.pk])}")
    with desk.expect_navigation():
        desk.click("#exercise-start button[type=submit]")
    incident = Incident.objects.get()
    assert incident.is_exercise
    phone = _page(browser, base, coordinator, TALL_PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{base}{reverse('incidents:dashboard', args=[incident.pk])}")
    assert "ØVELSE" in desk.inner_text("main") and "ØVELSE" in phone.inner_text("main")
    assert INJECT not in desk.inner_text("main")

    assert services.injects_due_fire() == 1  # the beat's tick
    assert LogEntry.objects.filter(incident=incident, event=LogEntry.Event.INJECT).exists()
    for page in (desk, phone):
        page.wait_for_function(
            "text => document.querySelector('#incident-log').innerText.includes(text)",
            arg=INJECT,
            timeout=POLL_WAIT_MS,
        )
    return desk, incident


def _close_through_the_checklist(desk, base, incident):
    desk.goto(f"{base}{reverse('incidents:close', args=[incident.pk])}")
    for name in ("announcements_off", "crisis_team_informed", "yammer_posted"):
        desk.check(f"input[name={name}]")
    with desk.expect_navigation():
        desk.click("button.btn--danger")
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED


def _evaluate_and_propose(desk, base, incident):
    """Evaluate: what worked, a finding on the scenario, a proposed change from it."""
    desk.goto(f"{base}{reverse('exercises:evaluation', args=[incident.pk])}")
    assert desk.locator("#response-metrics").is_visible()
    desk.fill("#id_worked", "Injectet kom frem på både skærm og telefon")
    desk.fill("#id_did_not_work", "Ingen sendte tal til teamet")
    with desk.expect_navigation():
        desk.click("#evaluation-form button[type=submit]")
    desk.fill("#finding-form textarea[name=text]", "Titlen siger ikke, at det gælder Dokk1")
    desk.select_option("#finding-form select[name=target]", "scenario:stromsvigt-dokk1")
    with desk.expect_navigation():
        desk.click("#finding-form button[type=submit]")
    desk.select_option(".proposal-form select[name=field]", "title")
    desk.fill(".proposal-form textarea[name=new_value]", "Strømsvigt i Dokk1-bygningen")
    with desk.expect_navigation():
        desk.click(".proposal-form button[type=submit]")
    assert desk.locator("[data-proposal=proposed]").count() == 1
