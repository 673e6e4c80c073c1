"""Chromium on the incident pages, for the incidents' browser tests."""

from contextlib import contextmanager

from tests.conftest import CHROMIUM_ARGS
from tests.factories import PASSWORD


def login(browser, base, user, viewport, **kwargs):
    """A new browser context of ``viewport``, logged in as ``user``; its page back."""
    context = browser.new_context(viewport=viewport, **kwargs)
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


@contextmanager
def dashboard(base, chromium_path, user, incident, viewport, **kwargs):
    """Chromium logged in as ``user`` on the incident's dashboard; closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = login(browser, base, user, viewport, **kwargs)
            page.goto(f"{base}/haendelser/{incident.pk}/")
            yield page
        finally:
            browser.close()
