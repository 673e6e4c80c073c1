"""The card on a phone with no network (issue 7), in Debian's Chromium."""

import re
import shutil
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cards.snapshots import CardSnapshot
from tests.browser.conftest import (
    cache_names,
    log_in,
    wait_for_precache,
    wait_for_service_worker,
    wait_until,
)
from tests.conftest import BROWSER_TEST, CHROMIUM, require, url_exists

pytestmark = BROWSER_TEST

SAVED_COPY = re.compile(
    r"Du er offline\. Dette er en gemt kopi fra kl\. \d\d:\d\d \(for (under 1|\d+) min siden\)\."
)


def stored_copy_contains(text):
    """JS: does the service worker's stored copy of this page contain ``text``?"""
    return (
        "caches.match(location.href, {ignoreVary: true})"
        f".then(r => r ? r.text() : '').then(t => t.includes({text!r}))"
    )


def assert_saved_copy_banner(page):
    banner = page.locator(".offline-banner")
    assert banner.is_visible()
    assert SAVED_COPY.search(banner.inner_text()), banner.inner_text()
    assert page.evaluate("Number(document.body.dataset.pwaSavedAt) > 0")


def test_home_offline_is_the_saved_copy_with_its_age(
    phone, production_server, staff_user, seeded_card
):
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)

    phone.set_offline(True)
    page.reload()

    expect(page.locator("main")).to_contain_text("Evakuering af Dokk1")
    banner = page.locator(".offline-banner")
    assert banner.is_visible()
    assert "Du er offline. Dette er en gemt kopi fra kl." in banner.inner_text()
    print(banner.inner_text())
    print(cache_names(page))


def test_logout_then_offline_shows_nothing(phone, production_server, staff_user, seeded_card):
    from playwright.sync_api import Error

    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)
    assert any(n.startswith("ak-pages-") for n in cache_names(page))

    with page.expect_navigation():
        page.click(".site-nav form button[type=submit]")
    assert page.url.endswith(reverse("login"))
    wait_for_service_worker(page)
    assert not [n for n in cache_names(page) if n.startswith("ak-pages-")]

    phone.set_offline(True)
    with pytest.raises(Error, match=r"net::ERR_"):
        page.goto(f"{production_server.url}{reverse('home')}")
    # The browser's own error page (still loading when goto gives up), not the card.
    page.wait_for_load_state()
    expect(page.locator("body")).not_to_contain_text("Evakuering af Dokk1")
    assert not page.url.startswith(production_server.url) or page.locator("#main").count() == 0


def test_never_opened_scenario_and_the_contact_list_are_there_offline(
    phone, production_server, staff_user, seeded_card
):
    require(
        url_exists("cards:scenario", "telefoni", "x") and url_exists("contacts:list"),
        "the staff pages (cards:scenario, contacts:list) are not merged yet",
    )
    snapshot = CardSnapshot(seeded_card.versions.latest().snapshot)
    scenario = snapshot.scenario(snapshot.scenario_slugs()[-1])
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)

    phone.set_offline(True)
    scenario_path = reverse("cards:scenario", args=["telefoni", scenario.slug])
    page.goto(f"{production_server.url}{scenario_path}")

    assert scenario.title in page.locator("h1").inner_text()
    assert_saved_copy_banner(page)
    # The stylesheet came from the cache too: the banner is styled, not raw text.
    assert page.locator(".offline-banner").evaluate("e => getComputedStyle(e).position") == (
        "sticky"
    )

    page.goto(f"{production_server.url}{reverse('contacts:list')}")

    assert page.locator("a[href^='tel:']").count() > 0
    assert_saved_copy_banner(page)


def test_incident_dashboard_offline_shows_its_last_state_and_age(
    phone, production_server, coordinator, card
):
    from incidents import services

    require(
        url_exists("incidents:dashboard", 1) and hasattr(services, "incident_start"),
        "the incident dashboard (incidents:dashboard) is not merged yet",
    )
    incident = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator
    )
    dashboard = f"{production_server.url}{reverse('incidents:dashboard', args=[incident.pk])}"
    page = phone.new_page()
    log_in(page, production_server.url, coordinator)
    wait_for_precache(page)
    page.goto(dashboard)
    wait_for_service_worker(page)

    # Written by a colleague after the page was loaded: it reaches this page by polling,
    # and the stored copy must follow.
    services.log_entry_create(incident=incident, text="Testperson 3 har ringet til TDC.")
    page.locator("text=Testperson 3 har ringet til TDC.").wait_for(timeout=20_000)
    wait_until(page, stored_copy_contains("Testperson 3 har ringet til TDC."), timeout=15)
    # Written on this phone (an htmx POST, which the service worker leaves alone).
    page.fill("#incident-log-form textarea", "Testperson 4 har slået infobeskeden til.")
    page.click("#incident-log-form button[type=submit]")
    page.locator("#incident-log", has_text="Testperson 4 har slået infobeskeden til.").wait_for()
    wait_until(page, stored_copy_contains("Testperson 4 har slået infobeskeden til."), timeout=15)

    phone.set_offline(True)
    page.reload()

    expect(page.locator("#incident-log")).to_contain_text("Testperson 3 har ringet til TDC.")
    expect(page.locator("#incident-log")).to_contain_text(
        "Testperson 4 har slået infobeskeden til."
    )
    assert_saved_copy_banner(page)
    # The stored copy does not claim to update itself (issue 11 §7).
    expect(page.get_by_text("Siden opdateres af sig selv.")).to_be_hidden()
    # Ticking a step, the log and figures are queued on the phone (issue 15,
    # tests/browser/test_offline_writes.py); every other form cannot be sent now, and the
    # page says which is which.
    banner = page.locator(".offline-banner")
    assert "Log, flueben og tal gemmes på telefonen" in banner.inner_text()
    queued = page.locator("form[data-offline-queue] button[type=submit]")
    assert queued.count() > 0
    assert all(queued.nth(i).is_enabled() for i in range(queued.count()))
    other_buttons = page.locator("form[hx-post]:not([data-offline-queue]) button[type=submit]")
    assert other_buttons.count() > 0
    assert all(other_buttons.nth(i).is_disabled() for i in range(other_buttons.count()))
    log_url = reverse("incidents:log_write", args=[incident.pk])
    page.evaluate(f"htmx.ajax('POST', '{log_url}', {{source: '#main', swap: 'none'}})")
    assert "det blev ikke sendt" in banner.inner_text()


def test_dashboard_does_not_say_it_updates_itself_while_offline(
    phone, production_server, coordinator, card
):
    """Issue 11 §7: under the offline banner the page said "Siden opdateres af sig selv."."""
    from incidents import services

    incident = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator
    )
    page = phone.new_page()
    log_in(page, production_server.url, coordinator)
    page.goto(f"{production_server.url}{reverse('incidents:dashboard', args=[incident.pk])}")
    live = page.get_by_text("Siden opdateres af sig selv.")
    expect(live).to_be_visible()

    phone.set_offline(True)
    wait_until(page, "!navigator.onLine")

    expect(page.locator(".offline-banner")).to_contain_text("opdateres ikke")
    expect(live).to_be_hidden()

    phone.set_offline(False)
    wait_until(page, "navigator.onLine")

    expect(live).to_be_visible()


def test_slow3g_benchmark_measures_a_throttled_first_load(production_server, coordinator, card):
    """Not a budget (that is `make bench`): the function works and the link is slow."""
    from incidents import services
    from tests.browser.bench_slow3g import SLOW_3G, slow3g_load
    from tests.factories import PASSWORD

    require(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    incident = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator
    )
    result = slow3g_load(
        base_url=production_server.url,
        path=reverse("incidents:dashboard", args=[incident.pk]),
        username=coordinator.username,
        password=PASSWORD,
    )
    print(f"slow 3G first load of {result.url}: {result.ms:.0f} ms, {result.bytes} bytes")

    # Connection, request and the subresources: at least two emulated round trips, and
    # the bytes cannot arrive faster than the emulated throughput.
    assert result.ms >= 2 * SLOW_3G["latency"]
    assert result.ms >= 1000 * result.bytes / SLOW_3G["downloadThroughput"]
    assert result.requests >= 4, "the page, its CSS, htmx and pwa.js"
    assert result.html_bytes > 0


def test_forms_say_they_cannot_be_sent_offline(phone, production_server, staff_user, card):
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)
    language_button = page.locator(".site-footer form button[type=submit]")
    assert language_button.is_enabled()

    phone.set_offline(True)
    wait_until(page, "!navigator.onLine")

    banner = page.locator(".offline-banner")
    assert banner.is_visible()
    assert "Formularer kan ikke sendes, mens du er offline." in banner.inner_text()
    assert language_button.is_disabled()
    # Logging out stays possible: it is what a shared phone needs most.
    assert page.locator(".site-nav form button[type=submit]").is_enabled()
    # Pressing Enter in a form (or a script submitting it) is stopped with the message too.
    page.locator(".site-footer form").evaluate("form => form.requestSubmit()")
    assert "det blev ikke sendt" in banner.inner_text()
    assert page.url == f"{production_server.url}{reverse('home')}"

    phone.set_offline(False)
    wait_until(page, "navigator.onLine")

    assert language_button.is_enabled()
    assert banner.is_hidden()


def test_a_server_that_does_not_answer_in_3_s_gets_the_saved_copy(
    phone, production_server, staff_user, card
):
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)
    # Every gunicorn process stopped for 4.5 s: the reload's request waits in the kernel's
    # queue like one to a server that hangs, and is answered late.
    thaw = production_server.freeze(4.5)
    try:
        started = time.monotonic()
        page.reload()
        waited = time.monotonic() - started

        assert waited < 4.5, "the copy is shown without waiting for the server"
        assert page.evaluate("Number(document.body.dataset.pwaSavedAt) > 0"), "a saved copy"
        banner = page.locator(".offline-banner")
        assert "Serveren svarer ikke. Dette er en gemt kopi fra kl." in banner.inner_text()
        assert banner.locator("button", has_text="Hent nyeste").is_visible()
        # When the late answer arrives it is stored, and the page says so.
        banner.get_by_text("En nyere udgave af siden er hentet.").wait_for(timeout=10_000)
        assert page.evaluate(
            "caches.keys().then(names => caches.match(location.href, "
            "{cacheName: names.find(n => n.startsWith('ak-pages-'))}))"
            ".then(r => Number(r.headers.get('X-AK-Saved-At')))"
        ) > page.evaluate("Number(document.body.dataset.pwaSavedAt)")
    finally:
        thaw.cancel()
        production_server.thaw()


def test_next_login_on_the_same_phone_drops_the_previous_users_pages(
    phone, production_server, staff_user, coordinator, card
):
    page = phone.new_page()
    log_in(page, production_server.url, staff_user)
    wait_for_precache(page)
    first = page.evaluate("document.body.dataset.pwaSession")

    # The session ends without a logout (it expired, or the phone was handed over).
    phone.clear_cookies()
    log_in(page, production_server.url, coordinator)
    wait_for_precache(page)
    second = page.evaluate("document.body.dataset.pwaSession")

    pages_caches = [n for n in cache_names(page) if n.startswith("ak-pages-")]
    assert first != second
    assert len(pages_caches) == 1
    assert pages_caches[0].endswith(f"-{second}")
