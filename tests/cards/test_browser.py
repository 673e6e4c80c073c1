"""The staff pages on a 360-px phone in Chromium: nothing wider than the screen.

serialized_rollback: a transactional test flushes the roles that migrations created.
"""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def phone_page(production_server, chromium, coordinator, seeded_card):
    client = Client()
    client.force_login(coordinator)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = chromium.new_context(viewport={"width": 360, "height": 740})
    base = production_server.url
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base}])
    yield context.new_page(), base
    context.close()


@pytest.mark.parametrize(
    "path",
    [
        reverse("home"),
        reverse("cards:card", args=["telefoni"]),
        reverse("cards:scenario", args=["telefoni", "evakuering-dokk1"]),
        reverse("cards:scenario", args=["telefoni", "systemnedbrud-miralix"]),
        reverse("cards:search") + "?q=Miralix",
        reverse("contacts:list"),
    ],
)
def test_page_fits_a_360px_phone(phone_page, path):
    page, base = phone_page

    page.goto(base + path)

    assert page.title().endswith("Borgerservice Aarhus")
    assert page.locator("main").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
