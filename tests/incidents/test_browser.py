"""Two phones on the same incident: each sees the other's change without reloading."""

import time

import pytest

from incidents import services
from tests.incidents.browser_steps import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE = {"width": 360, "height": 740}
# The dashboard polls every 5 s; a change shows on the next poll plus one round trip.
POLL_SECONDS = 5
ROUND_TRIP_SLACK = 1.5


def _login(browser, base, user):
    return login(browser, base, user, PHONE, has_touch=True, is_mobile=True)


def _seen_within(page, selector, **kwargs):
    start = time.monotonic()
    page.wait_for_selector(selector, timeout=(POLL_SECONDS + ROUND_TRIP_SLACK) * 1000, **kwargs)
    return time.monotonic() - start


def test_two_phones_see_each_others_tick_and_log_entry(
    production_server, chromium, card, coordinator, staff_user
):
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    step = incident.steps.filter(kind="action").order_by("order").first()
    url = f"{production_server.url}/haendelser/{incident.pk}/"

    coordinator_page = _login(chromium, production_server.url, coordinator)
    staff_page = _login(chromium, production_server.url, staff_user)
    for page in (coordinator_page, staff_page):
        page.goto(url)
        page.wait_for_function("window.htmx !== undefined")

    # The coordinator ticks a step with one thumb …
    coordinator_page.click(f"#step-{step.pk} button:has-text('Udført')")
    coordinator_page.wait_for_selector(f"#step-{step.pk}.step--done", timeout=3000)
    tick_seen = _seen_within(staff_page, f"#step-{step.pk}.step--done")

    # … and the staff member writes in the log.
    staff_page.fill("#id_text", "Miralix Go virker på min telefon")
    staff_page.click("#incident-log-form button[type=submit]")
    staff_page.wait_for_selector("#incident-log >> text=Miralix Go virker", timeout=3000)
    log_seen = _seen_within(coordinator_page, "#incident-log >> text=Miralix Go virker")

    assert staff_page.url == url and coordinator_page.url == url  # never reloaded
    assert staff_page.input_value("#id_text") == ""  # the form was reset after posting
    width = staff_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "no sideways scrolling on a 360-px phone"
    print(f"tick seen after {tick_seen:.1f} s, log entry after {log_seen:.1f} s")
