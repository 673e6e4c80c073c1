"""Chromium on a phone-sized screen, driven through Playwright's sync API."""

import time

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

PHONE = {"width": 360, "height": 740}
TALL_PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


@pytest.fixture(autouse=True)
def _orm_next_to_playwright(allow_orm_next_to_playwright):
    """In every browser test, also in those that start Playwright themselves."""


@pytest.fixture
def browser(production_server, chromium):
    """Chromium for one test (see ``chromium`` in tests/conftest.py), against the
    production-like server (tests/prodserver.py).

    Asks for the server first, so that the browser (and its polls) is gone before the
    test's data is flushed.
    """
    return chromium


def danish_context(browser, *, timeout_ms=15_000, **options):
    """A fresh browser profile (no service worker, caches or cookies) in Danish and in
    Denmark's time zone, as the app's users have it."""
    context = browser.new_context(locale="da-DK", timezone_id="Europe/Copenhagen", **options)
    context.set_default_timeout(timeout_ms)
    return context


def phone_context(browser, viewport=PHONE, **options):
    """A fresh browser profile on a phone: a 2× screen and service workers allowed, unless
    ``options`` say otherwise."""
    options = {"device_scale_factor": 2, "service_workers": "allow", **options}
    return danish_context(browser, viewport=viewport, is_mobile=True, has_touch=True, **options)


@pytest.fixture
def phone(browser):
    """A fresh browser profile: no service worker, no caches, no cookies."""
    context = phone_context(browser)
    yield context
    context.close()


def log_in(page, base_url, user):
    page.goto(f"{base_url}{reverse('login')}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form.panel button[type=submit]")


def wait_until(page, expression, timeout=15.0):
    """Poll ``expression`` in the page until it is truthy.

    Not ``page.wait_for_function``: its polling evaluates strings inside the page, which
    the app's CSP (script-src 'self', no 'unsafe-eval') rightly blocks. ``evaluate``
    goes through the DevTools protocol, and the tests keep the real CSP on.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for: {expression}")
        time.sleep(0.1)


def wait_for_service_worker(page):
    wait_until(page, "navigator.serviceWorker.controller !== null")


def wait_for_precache(page):
    """Until the service worker controls the page and has stored the whole card."""
    wait_for_service_worker(page)
    state = wait_until(
        page,
        "['done', 'partial', 'failed'].includes(document.body.dataset.pwaPrecacheState) "
        "&& document.body.dataset.pwaPrecacheState",
    )
    assert state == "done", f"precache ended {state!r}"


def cache_names(page):
    return page.evaluate("caches.keys()")
