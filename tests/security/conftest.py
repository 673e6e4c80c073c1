"""Fixtures for the security tests: one user per role and the objects URLs point at."""

import pytest
from django.contrib.auth.models import Group
from django.urls import URLResolver, get_resolver

from core.roles import COORDINATOR, EDITOR, STAFF
from tests.factories import UserFactory

ANONYMOUS = "anonym"
NO_ROLE = "ingen rolle"
SUPERUSER = "superbruger"
ROLES = (ANONYMOUS, NO_ROLE, STAFF, COORDINATOR, EDITOR, SUPERUSER)


def url_patterns(resolver=None, prefix=""):
    """Every URL pattern of the project as its full route string, e.g.
    ``haendelser/<int:pk>/``, with its name (``incidents:dashboard``)."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for route, name in url_patterns(pattern, prefix + str(pattern.pattern)):
                yield route, (namespace + name) if name else None
        else:
            yield prefix + str(pattern.pattern), pattern.name


@pytest.fixture
def users(db):
    """{role: user or None}. The editor is staff, as editors work in the admin."""

    def with_group(name, **extra):
        user = UserFactory(**extra)
        user.groups.add(Group.objects.get(name=name))
        return user

    return {
        ANONYMOUS: None,
        NO_ROLE: UserFactory(),
        STAFF: with_group(STAFF),
        COORDINATOR: with_group(COORDINATOR),
        EDITOR: with_group(EDITOR, is_staff=True),
        SUPERUSER: UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The default PBKDF2 costs ~0.5 s per user on this machine; six users per test add up.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def incident_for(card, user):
    """A running incident on the seed card's first scenario, started as the app does."""
    from incidents.services import incident_start

    scenario = card.scenarios.order_by("order", "pk").first()
    return incident_start(card=card, scenario_slug=scenario.slug, user=user)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    # Printed cards rendered by the matrix go to one temporary folder for the session
    # (rendered once, not once per role), never into var/media.
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "security-media")


def _exercise_world(card, closed, coordinator):
    """An exercise script with an inject, and a finding with a proposed change on the
    closed incident."""
    from exercises import services

    closed.refresh_from_db()
    script = services.script_create(
        card=card, scenario_slug=card.scenarios.order_by("order", "pk").first().slug, title="Test"
    )
    inject = services.inject_add(script=script, offset_seconds=60, text="Testinject")

    def finding_add(text):
        return services.finding_add(
            incident=closed,
            text=text,
            target_type="scenario",
            target_key=script.scenario_slug,
            user=coordinator,
        )

    # The change is proposed on the first finding; the URLs that propose one get the second.
    change = services.proposed_change_create(
        finding=finding_add("Testfund"), field="title", new_value="Ny"
    )
    return script, inject, finding_add("Testfund 2"), change


@pytest.fixture
def world(seeded_card, users):
    """The objects that URL kwargs are built from: the seed card; a running incident with
    every scenario but the last (left for escalation), its steps, phone lines, timers, a
    log entry and a notification recipient; and a closed incident (its report)."""
    from incidents import services
    from notifications.services import recipient_add_adhoc
    from tests.incidents.factories import incident_close_ticked

    coordinator = users[COORDINATOR]
    incident = incident_for(seeded_card, coordinator)
    slugs = list(seeded_card.scenarios.order_by("order", "pk").values_list("slug", flat=True))
    for slug in slugs[1:-1]:
        services.incident_scenario_add(incident=incident, scenario_slug=slug, user=coordinator)
    entry = services.incident_log_write(incident=incident, text="Testindlæg", author=coordinator)
    recipient = recipient_add_adhoc(
        incident=incident, name="Testperson 1", email="testperson1@example.invalid"
    )
    from alerts.services import alert_send

    alert = alert_send(incident=incident, user=coordinator, text="Testalarm", group=None)
    closed = incident_for(seeded_card, coordinator)
    incident_close_ticked(incident=closed, user=coordinator)
    script, inject, finding, change = _exercise_world(seeded_card, closed, coordinator)
    return {
        "script": script,
        "inject": inject,
        "finding": finding,
        "proposed_change": change,
        "card": seeded_card,
        "version": seeded_card.versions.order_by("-number").first(),
        "scenario": seeded_card.scenarios.order_by("order", "pk").first(),
        "escalate_to": slugs[-1],
        "incident": incident,
        "step": incident.steps.order_by("pk").first(),
        "line": incident.phone_lines.order_by("pk").first(),
        "timer": incident.timers.order_by("pk").first(),
        "log_entry": entry,
        "recipient": recipient,
        "alert": alert,
        "closed_incident": closed,
    }
