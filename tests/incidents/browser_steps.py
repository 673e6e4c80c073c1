"""Chromium on the incident pages, for the incidents' browser tests."""

from contextlib import contextmanager

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
def dashboard(base, browser, user, incident, viewport, **kwargs):
    """A page of ``browser`` (the ``chromium`` fixture) logged in as ``user`` on the
    incident's dashboard; its context closed afterwards."""
    page = login(browser, base, user, viewport, **kwargs)
    try:
        page.goto(f"{base}/haendelser/{incident.pk}/")
        yield page
    finally:
        page.context.close()
