"""Shared fixtures. Tests that need a service or a browser call `require(...)`:
skipped with a reason on a developer's machine, a failure in CI (CI=true)."""

import io
import os
import shutil

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from core.roles import COORDINATOR, EDITOR, STAFF
from tests.factories import UserFactory

# The app as it ships (gunicorn, DEBUG=0, hashed static files, Redis): for every test dir.
from tests.prodserver import (  # noqa: F401
    _production_server_for_the_session,
    production_env_factory,
    production_server,
    production_static_root,
)

IN_CI = os.environ.get("CI") == "true"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# What makes a test a browser test: the `browser` mark, and a transactional database, since
# the server the browser talks to (gunicorn, or live_server's thread) reads only what is
# committed; the serialized rollback restores the role groups the flush after it removes.
BROWSER_TEST = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def require(condition: bool, reason: str):
    """Skip (or, in CI, fail) the calling test unless ``condition`` holds."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)


def url_exists(name, *args) -> bool:
    """Whether the URL ``name`` is there yet: for tests that skip what is not built."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI=true: {skipped} skipped test(s) count as failures.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: rendered fragments are keyed by primary keys,
    which the next test's database hands out again."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def danish_first():
    """Each test starts in Danish: a request in English (the language middleware activates
    it for the thread) must not leak into the next test, now that log lines are rendered in
    the active language (issue 13)."""
    from django.utils import translation

    translation.activate("da")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Printed cards and reports go to a folder of the test's own, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def seeded_card(db):
    """The Telefoni card from the seed, imported and published as version 1."""
    call_command("load_seed", stdout=io.StringIO())
    from cards.models import ActionCard

    return ActionCard.objects.get(slug="telefoni")


@pytest.fixture
def card(db):
    """A published card of made-up content (one scenario, one action step): for tests that
    need some card; ``seeded_card`` is for tests about the seed's own content."""
    from tests.cards.factories import ActionCardFactory

    return ActionCardFactory(scenarios=1, published=True)


# Two scenarios of the seed card: a power cut (it has the 2-hour mast timer) and an evacuation.
POWER = "stromsvigt-aarhus-kommune"
EVACUATION = "evakuering-dokk1"
# The seed card's scenarios as the paper card titles them, in its order.
SEED_SCENARIO_TITLES = [
    "Evakuering af Dokk1",
    "Strømsvigt på Dokk1",
    "Strømsvigt i Aarhus Kommune",
    "Systemnedbrud af Miralix kontaktcenterløsning",
    "Nedbrud af andre systemer, der har betydning for telefonien fx mobildata "
    "(TDC eller anden udbyder)",
    "Nedbrud af netværk på Dokk1",
    "Nedbrud af netværk i Aarhus Kommune",
]


@pytest.fixture
def incident(seeded_card, coordinator):
    """A running incident on the seed card's power-cut scenario, started as the app does
    (checklist, lines, timers, recipients and the first status update)."""
    from incidents.services import incident_start

    return incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)


@pytest.fixture
def evacuation(seeded_card, coordinator):
    from incidents.services import incident_start

    return incident_start(card=seeded_card, scenario_slug=EVACUATION, user=coordinator)


@pytest.fixture
def bare_incident(seeded_card):
    """A running incident row on the seed card's version 1, with no checklist, recipients
    or updates yet: for tests of what sends or reads updates, alerts and SMS."""
    from tests.incidents.factories import IncidentFactory

    return IncidentFactory(card=seeded_card, scenario__scenario_slug="stroemsvigt-dokk1")


def _user_with_role(role):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def editor(db):
    return _user_with_role(EDITOR)


@pytest.fixture
def coordinator(db):
    return _user_with_role(COORDINATOR)


@pytest.fixture
def staff_user(db):
    return _user_with_role(STAFF)


@pytest.fixture
def no_role_user(db):
    return UserFactory()


@pytest.fixture
def chromium_path():
    require(shutil.which(CHROMIUM) is not None, f"{CHROMIUM} is not installed")
    return CHROMIUM


@pytest.fixture
def allow_orm_next_to_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls in the test
    bodies are still synchronous and safe. A fixture, not a module-level assignment, so
    another module's teardown cannot take it away."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def chromium(chromium_path, allow_orm_next_to_playwright):
    """Debian's Chromium, driven through Playwright's sync API, for one test.

    Not session-scoped: while Playwright's sync API is running, the thread looks like it
    has an event loop, so Django keeps the database connection per context instead of
    per thread. A browser left running across tests would then hide the test database's
    serialized contents from the next test's setup, which would silently start without
    the role groups. Closing it at the end of each test avoids that.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # ORM calls made meanwhile used a connection of their own (see above): close it,
        # or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()
