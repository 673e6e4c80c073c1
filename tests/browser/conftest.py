"""Chromium on a phone-sized screen, driven through Playwright's sync API."""

import shutil
import time

import pytest
from django.db import connections
from django.urls import NoReverseMatch, reverse

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, require
from tests.factories import PASSWORD

PHONE = {"width": 360, "height": 740}


def url_exists(name, *args):
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


@pytest.fixture(autouse=True)
def allow_orm_next_to_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    bodies are still synchronous and safe. A fixture, not a module-level assignment, so
    another module's teardown cannot take it away."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(production_server):
    """Chromium for one test, against the production-like server (tests/prodserver.py).

    Asks for the server first, so that the browser (and its polls) is gone before the
    test's data is flushed.

    Not session-scoped: while Playwright's sync API is running, the thread looks like it
    has an event loop, so Django keeps the database connection per context instead of
    per thread. A browser left running across tests would then hide the test database's
    serialized contents from the next test's setup, which would silently start without
    the role groups. Closing it at the end of each test avoids that.
    """
    require(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # ORM calls made meanwhile used a connection of their own (see above): close it,
        # or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()


def phone_context(browser, viewport=PHONE):
    """A fresh browser profile on a phone: no service worker, no caches, no cookies."""
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="da-DK",
        timezone_id="Europe/Copenhagen",
        service_workers="allow",
    )
    context.set_default_timeout(15_000)
    return context


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
