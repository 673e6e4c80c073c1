"""Issue 12 in a browser: typing survives other people's writes; the desk shows it all."""

import datetime as dt
import os
import time

from django.utils import timezone

from incidents import services
from tests.browser.conftest import DESK, PHONE
from tests.conftest import BROWSER_TEST, EVACUATION, POWER
from tests.incidents.browser_steps import dashboard
from tests.incidents.factories import add_figures, add_log_entries, add_steps

pytestmark = BROWSER_TEST
POLL_WAIT_MS = 8000  # one 5-s poll plus a round trip on a busy machine


def _focused(page):
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_typing_in_every_form_survives_other_peoples_writes(
    production_server, chromium, seeded_card, coordinator, staff_user
):
    incident = services.incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)
    someone_else_writes = _colleague(incident, staff_user)

    with dashboard(production_server.url, chromium, coordinator, incident, DESK) as page:
        page.wait_for_function("window.htmx !== undefined")

        _typing_a_log_entry(page, someone_else_writes)
        _typing_figures(page, someone_else_writes)
        _typing_a_timer_start(page, someone_else_writes, incident.timers.first())
        _choosing_an_escalation(page, someone_else_writes, incident, coordinator)
        _typing_a_recipient(page, incident)


def _colleague(incident, staff_user):
    """What a colleague does meanwhile: each call writes a log entry and ticks a step, and
    waits until ``page`` shows it."""
    steps = list(incident.steps.filter(kind="action").order_by("order"))
    writes = iter(range(100))

    def someone_else_writes(page):
        """A colleague writes a log entry and ticks a step; wait until this page shows it."""
        n = next(writes)
        text = f"Kollega skriver {n}"
        services.incident_log_write(incident=incident, text=text, author=staff_user)
        step = steps[n % len(steps)]
        step.refresh_from_db()
        if not step.is_done:
            services.step_complete(step=step, user=staff_user, version=step.version)
        page.wait_for_selector(f"#incident-log >> text=Kollega skriver {n}", timeout=POLL_WAIT_MS)

    return someone_else_writes


def _typing_a_log_entry(page, someone_else_writes):
    page.click("#id_text")
    page.keyboard.type("Halvt skrevet besked om TDC")
    someone_else_writes(page)
    assert page.input_value("#id_text") == "Halvt skrevet besked om TDC"
    assert _focused(page) == "id_text"
    caret = page.evaluate("document.activeElement.selectionStart")
    assert caret == len("Halvt skrevet besked om TDC")


def _typing_figures(page, someone_else_writes):
    page.click("#incident-figures-form summary")
    page.click("#id_calls_in_queue")
    page.keyboard.type("17")
    someone_else_writes(page)
    assert page.input_value("#id_calls_in_queue") == "17"
    assert _focused(page) == "id_calls_in_queue"


def _typing_a_timer_start(page, someone_else_writes, timer):
    page.click("#timer-forms summary")
    page.focus(f"#timer-{timer.pk}")
    page.fill(f"#timer-{timer.pk}", "2026-12-01T08:15")
    page.focus(f"#timer-{timer.pk}")
    someone_else_writes(page)
    assert page.input_value(f"#timer-{timer.pk}") == "2026-12-01T08:15"
    assert _focused(page) == f"timer-{timer.pk}"


def _choosing_an_escalation(page, someone_else_writes, incident, coordinator):
    """The escalation select, while another coordinator escalates (its options change)."""
    from cards.snapshots import CardSnapshot

    page.focus("#id_scenario")
    page.select_option("#id_scenario", EVACUATION)
    page.focus("#id_scenario")
    snapshot = CardSnapshot(incident.card_version.snapshot)
    other = next(s for s in snapshot.scenario_slugs() if s not in (POWER, EVACUATION))
    joined = services.incident_scenario_add(
        incident=incident, scenario_slug=other, user=coordinator
    )
    page.wait_for_selector(f"#incident-header >> text={joined.title}", timeout=POLL_WAIT_MS)
    someone_else_writes(page)
    assert page.input_value("#id_scenario") == EVACUATION
    assert _focused(page) == "id_scenario"


def _typing_a_recipient(page, incident):
    """Adding a recipient to the status updates, while deliveries change the panel."""
    from notifications import services as notification_services

    page.click("#notifications-panel details:has(#id_name) summary")
    page.click("#id_name")
    page.keyboard.type("Vagthavende presse")
    removed = incident.recipients.filter(is_active=True, receives_updates=True).first()
    notification_services.recipient_remove(recipient=removed)
    page.wait_for_selector(
        f"#notifications-status >> text=Fjern {removed.name}",
        state="detached",
        timeout=POLL_WAIT_MS,
    )
    assert page.input_value("#id_name") == "Vagthavende presse"
    assert _focused(page) == "id_name"


def test_desk_shows_the_situation_at_a_glance_at_1280x800(
    production_server, chromium, seeded_card, coordinator
):
    incident = services.incident_start(
        card=seeded_card, scenario_slug=POWER, user=coordinator, is_exercise=True
    )
    services.incident_scenario_add(incident=incident, scenario_slug=EVACUATION, user=coordinator)
    add_steps(incident, 200)
    add_log_entries(incident, 2000, author=coordinator)
    add_figures(incident, 5, user=coordinator)
    line = incident.phone_lines.order_by("order").first()
    services.phone_line_switch(line=line, user=coordinator, announcement_slug="nedbrud")
    timer = incident.timers.first()
    services.timer_start_set(
        timer=timer, user=coordinator, started_at=timezone.now() - dt.timedelta(minutes=20)
    )
    services.incident_log_write(incident=incident, text="Nyeste indlæg", author=coordinator)

    with dashboard(production_server.url, chromium, coordinator, incident, DESK) as page:
        if os.environ.get("DESK_SCREENSHOT"):  # to look at the layout by eye
            page.screenshot(path=os.environ["DESK_SCREENSHOT"])
        at_a_glance = {
            "exercise flag": "[data-glance=exercise]",
            "elapsed time": "[data-glance=elapsed]",
            "open steps": "[data-glance=open-steps]",
            "next status update due": "[data-glance=next-update]",
            "running timer with time left": "#incident-timers .timer",
            "latest figures": "#incident-figures .figures",
            "age of the figures": "[data-glance=figures-age]",
            "announcement on the line": "#incident-lines [data-glance=announcement]",
            "announcements on every line": "[data-glance=announcements]",
            "newest log entry": "#incident-log-list li:first-child",
        }
        outside = {}
        for what, selector in at_a_glance.items():
            box = page.locator(selector).first.bounding_box()
            assert box is not None, what
            if not (box["y"] >= 0 and box["y"] + box["height"] <= DESK["height"]):
                outside[what] = box
        assert outside == {}, f"below the first 1280x800 viewport: {outside}"
        assert "Nyeste indlæg" in page.inner_text("#incident-log-list li:first-child")
        steps = page.locator("#incident-steps").bounding_box()
        log = page.locator("#incident-log").bounding_box()
        assert steps["x"] + steps["width"] <= log["x"], "checklist and log side by side"
        assert page.evaluate("document.documentElement.scrollWidth") <= DESK["width"]
        assert page.locator("#incident-log-list > li").count() == 20
        assert page.locator("#incident-log >> text=Vis ældre").count() == 1
        assert page.locator("#incident-steps li.step").count() > 200


def test_phone_is_one_column_with_a_jump_bar_to_every_section(
    production_server, chromium, seeded_card, coordinator
):
    incident = services.incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)
    phone = {"has_touch": True, "is_mobile": True}
    with dashboard(production_server.url, chromium, coordinator, incident, PHONE, **phone) as page:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        links = page.locator(".jump-bar a")
        assert links.count() >= 7
        assert page.locator(".jump-bar >> text=Statusopdateringer").is_visible()
        for i in range(links.count()):
            target = links.nth(i).get_attribute("href")
            links.nth(i).click()
            time.sleep(0.2)
            box = page.locator(target).bounding_box()
            assert box is not None and box["y"] < PHONE["height"], target
        steps = page.locator("#incident-steps").bounding_box()
        log = page.locator("#incident-log").bounding_box()
        assert log["y"] >= steps["y"] + steps["height"] - 1, "one column on a phone"


def test_a_hidden_tab_pauses_and_retry_after_slows_the_polls(
    live_server, chromium, card, coordinator
):
    # Pytest-django's live_server, not the production-like one: the test marks the server
    # behind (core.loadshed, per process), which only a server in this process lets it do.
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    with dashboard(live_server.url, chromium, coordinator, incident, DESK) as page:
        page.wait_for_function("window.htmx !== undefined")
        polls = []
        page.on("request", lambda r: polls.append(r.url) if "rev=" in r.url else None)

        page.evaluate(
            "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"
        )
        polls.clear()
        page.wait_for_timeout(6500)
        assert polls == [], "a hidden tab does not poll"

        page.evaluate(
            "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
            "document.dispatchEvent(new Event('visibilitychange'))"
        )
        page.wait_for_timeout(1500)
        assert len(polls) >= 1, "visible again: it polls at once"

        # The server is behind (live_server runs in this process): polls get 204 with
        # Retry-After, and the page waits that long before it asks again.
        from core import loadshed

        loadshed.mark_behind(120)
        try:
            before = len(polls)
            page.wait_for_timeout(6000)
            assert len(polls) > before, "one poll got the Retry-After"
            polls.clear()
            page.wait_for_timeout(7000)
            assert polls == [], "no poll while the server asked to wait"
        finally:
            loadshed.reset()
