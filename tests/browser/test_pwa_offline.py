"""The card on a phone with no network (issue 7), in Debian's Chromium."""

import pytest
from django.urls import reverse

from tests.browser.conftest import (
    cache_names,
    log_in,
    wait_for_precache,
    wait_for_service_worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_offline_is_the_saved_copy_with_its_age(phone, live_server, staff_user, seeded_card):
    page = phone.new_page()
    log_in(page, live_server.url, staff_user)
    wait_for_precache(page)

    phone.set_offline(True)
    page.reload()

    assert "Evakuering af Dokk1" in page.content()
    banner = page.locator(".offline-banner")
    assert banner.is_visible()
    assert "Du er offline. Dette er en gemt kopi fra kl." in banner.inner_text()
    print(banner.inner_text())
    print(cache_names(page))


def test_logout_then_offline_shows_nothing(phone, live_server, staff_user, seeded_card):
    from playwright.sync_api import Error

    page = phone.new_page()
    log_in(page, live_server.url, staff_user)
    wait_for_precache(page)
    assert any(n.startswith("ak-pages-") for n in cache_names(page))

    with page.expect_navigation():
        page.click(".site-nav form button[type=submit]")
    assert page.url.endswith(reverse("login"))
    wait_for_service_worker(page)
    assert not [n for n in cache_names(page) if n.startswith("ak-pages-")]

    phone.set_offline(True)
    with pytest.raises(Error, match=r"net::ERR_"):
        page.goto(f"{live_server.url}{reverse('home')}")
    assert "Evakuering af Dokk1" not in page.content()
