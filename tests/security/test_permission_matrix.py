"""Every URL of the project × every role → the status it must answer.

A new URL fails `test_every_url_is_in_the_matrix` until it gets a row here: access
rules are decided on purpose, never by default. Each request runs in a savepoint that
is rolled back, so one row's POST never changes what the next row sees.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.roles import COORDINATOR, EDITOR, STAFF
from tests.security.conftest import ANONYMOUS, NO_ROLE, ROLES, SUPERUSER, url_patterns

LOGIN = "→ login"  # 302 to the login page
ADMIN_LOGIN = "→ admin login"  # 302 to the admin's login page (or the site's, when anonymous)
FORBIDDEN = 403


@dataclass(frozen=True)
class Rule:
    expect: dict
    method: str = "GET"
    kwargs: Callable = field(default=lambda world: {})
    data: Callable = field(default=lambda world: {})
    headers: dict = field(default_factory=dict)


def by_role(anonymous, no_role, staff, coordinator, editor, superuser):
    return {
        ANONYMOUS: anonymous,
        NO_ROLE: no_role,
        STAFF: staff,
        COORDINATOR: coordinator,
        EDITOR: editor,
        SUPERUSER: superuser,
    }


EVERYONE = by_role(200, 200, 200, 200, 200, 200)
# Read an incident: every role; without a role 403.
INCIDENT_READ = by_role(LOGIN, FORBIDDEN, 200, 200, 200, 200)
# Coordinate an incident (start, escalate, close, send updates, recipients): Koordinator.
COORDINATE_POST = by_role(LOGIN, FORBIDDEN, FORBIDDEN, 302, FORBIDDEN, 302)
COORDINATE_GET = by_role(LOGIN, FORBIDDEN, FORBIDDEN, 200, FORBIDDEN, 200)
# Work an incident (tick steps, write the log, enter figures): Medarbejder, Koordinator.
WORK_POST = by_role(LOGIN, FORBIDDEN, 302, 302, FORBIDDEN, 302)
WORK_GET = by_role(LOGIN, FORBIDDEN, 200, 200, FORBIDDEN, 200)
# Write exercise scripts, decide on proposed card changes: Redaktør.
EDIT_POST = by_role(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 302, 302)
# Download the card as PDF: every role that reads it (a Medarbejder evacuated with a
# phone needs it too); without a role the no-role page (403, as everywhere).
PRINT = by_role(LOGIN, FORBIDDEN, 200, 200, 200, 200)


def _pk(w):
    return {"pk": w["incident"].pk}


def _local(when):
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


# Every role reads; without a role the no-role page, 403 like every other page (issue 17:
# the card pages answered it with 200).
ANY_ROLE = by_role(LOGIN, FORBIDDEN, 200, 200, 200, 200)
LOGGED_IN_REDIRECT = by_role(200, 302, 302, 302, 302, 302)
POST_REDIRECT = by_role(LOGIN, 302, 302, 302, 302, 302)

# Route (as written in the URLconf, prefixes included) → rule. Admin is one prefix rule.
MATRIX: dict[str, Rule] = {
    "healthz": Rule(by_role(*[(200, 503)] * 6)),  # 503 while a service is down
    "readyz": Rule(by_role(*[(200, 503)] * 6)),  # 503 while the background path is down
    "login/": Rule(LOGGED_IN_REDIRECT),
    "logout/": Rule(POST_REDIRECT, method="POST"),
    # Sign-in with the municipality's account (sso/): open before login, like the login
    # page. Without a provider configured (as here) both lead back to the login page;
    # with one, tests/sso/test_oidc.py drives them against a real provider.
    "sso/oidc/login/": Rule(by_role(*[302] * 6)),
    "sso/oidc/callback/": Rule(by_role(*[302] * 6)),
    # Open before login too: the login page has the language switch.
    "i18n/setlang/": Rule(by_role(*[302] * 6), method="POST", data=lambda w: {"language": "en"}),
    # The installable app: browsers fetch these without cookies.
    "manifest.webmanifest": Rule(EVERYONE),
    "sw.js": Rule(EVERYONE),
    "offline/precache.json": Rule(INCIDENT_READ),
    "": Rule(ANY_ROLE),
    # cards and contacts: every role reads; history is for Redaktører
    "kort/<slug:card_slug>/": Rule(ANY_ROLE, kwargs=lambda w: {"card_slug": w["card"].slug}),
    "kort/<slug:card_slug>/<slug:scenario_slug>/": Rule(
        ANY_ROLE,
        kwargs=lambda w: {"card_slug": w["card"].slug, "scenario_slug": w["scenario"].slug},
    ),
    # The serverless HTML copy of the card: every reader.
    "kort/<slug:card_slug>/kopi.html": Rule(
        ANY_ROLE, kwargs=lambda w: {"card_slug": w["card"].slug}
    ),
    "soeg/": Rule(ANY_ROLE),
    "historik/<slug:card_slug>/": Rule(
        by_role(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 200, 200),
        kwargs=lambda w: {"card_slug": w["card"].slug},
    ),
    "kontakter/": Rule(ANY_ROLE),
    # incidents
    "haendelser/": Rule(INCIDENT_READ),
    "haendelser/start/": Rule(
        {**COORDINATE_POST, COORDINATOR: 200, SUPERUSER: 200},  # the confirmation page
        method="POST",
        data=lambda w: {"card": w["card"].slug, "scenario": w["scenario"].slug},
    ),
    "haendelser/skaerm/": Rule(INCIDENT_READ),
    "haendelser/<int:pk>/": Rule(INCIDENT_READ, kwargs=_pk),
    "haendelser/<int:pk>/scenarie/": Rule(
        COORDINATE_POST, method="POST", kwargs=_pk, data=lambda w: {"scenario": w["escalate_to"]}
    ),
    "haendelser/<int:pk>/afslut/": Rule(COORDINATE_GET, kwargs=_pk),
    "haendelser/<int:pk>/log/": Rule(INCIDENT_READ, kwargs=_pk),
    "haendelser/<int:pk>/log/skriv/": Rule(
        WORK_POST, method="POST", kwargs=_pk, data=lambda w: {"text": "Testnotat"}
    ),
    # A write from a phone's offline queue: JSON, 200 when accepted (issue 15).
    "haendelser/<int:pk>/offline/": Rule(
        by_role(LOGIN, FORBIDDEN, 200, 200, FORBIDDEN, 200),
        method="POST",
        kwargs=_pk,
        data=lambda w: {
            "kind": "log",
            "idempotency_key": "0f8e3a52-5d0c-4c55-9a8e-2c1b6a3f7d10",
            "device_written_at": timezone.now().isoformat(),
            "text": "Testnotat offline",
        },
    ),
    "haendelser/<int:pk>/log/<int:sequence>/ret/": Rule(
        WORK_GET, kwargs=lambda w: {**_pk(w), "sequence": w["log_entry"].sequence}
    ),
    "haendelser/<int:pk>/trin/<int:step_pk>/": Rule(
        INCIDENT_READ, kwargs=lambda w: {**_pk(w), "step_pk": w["step"].pk}
    ),
    "haendelser/<int:pk>/trin/<int:step_pk>/<slug:action>/": Rule(
        WORK_POST,
        method="POST",
        kwargs=lambda w: {**_pk(w), "step_pk": w["step"].pk, "action": "done"},
        data=lambda w: {"version": w["step"].version},
    ),
    "haendelser/<int:pk>/tal/": Rule(
        WORK_POST,
        method="POST",
        kwargs=_pk,
        data=lambda w: {
            "agents_on_duty": 12,
            "agents_available": 4,
            "calls_in_queue": 9,
            "longest_wait_seconds": "6:30",
            "average_wait_seconds": "2",
        },
    ),
    # The report of a closed incident: who prints (Redaktør, Koordinator).
    "haendelser/<int:pk>/rapport.pdf": Rule(
        by_role(LOGIN, FORBIDDEN, FORBIDDEN, 200, 200, 200),
        kwargs=lambda w: {"pk": w["closed_incident"].pk},
    ),
    # The archive package (aktindsigt, ESDH) of a closed incident: Koordinator only.
    "haendelser/<int:pk>/arkiv.zip": Rule(
        by_role(LOGIN, FORBIDDEN, FORBIDDEN, 200, FORBIDDEN, 200),
        kwargs=lambda w: {"pk": w["closed_incident"].pk},
    ),
    # Machine to machine: a bearer token, never a session, so every role gets 401.
    "haendelser/<int:pk>/tal/api/": Rule(by_role(*[401] * 6), method="POST", kwargs=_pk),
    "haendelser/<int:pk>/linjer/<int:line_pk>/": Rule(
        WORK_POST,
        method="POST",
        kwargs=lambda w: {**_pk(w), "line_pk": w["line"].pk},
        data=lambda w: {"announcement": ""},
    ),
    "haendelser/<int:pk>/timere/<int:timer_pk>/": Rule(
        WORK_POST,
        method="POST",
        kwargs=lambda w: {**_pk(w), "timer_pk": w["timer"].pk},
        data=lambda w: {"started_at": _local(timezone.now() - dt.timedelta(minutes=10))},
    ),
    # printed cards
    "pdf/<slug:card_slug>/": Rule(PRINT, kwargs=lambda w: {"card_slug": w["card"].slug}),
    "pdf/<slug:card_slug>/v<int:number>/": Rule(
        PRINT, kwargs=lambda w: {"card_slug": w["card"].slug, "number": w["version"].number}
    ),
    "pdf/<slug:card_slug>/scenarie/<slug:scenario_slug>/": Rule(
        PRINT,
        kwargs=lambda w: {"card_slug": w["card"].slug, "scenario_slug": w["scenario"].slug},
    ),
    "pdf/<slug:card_slug>/v<int:number>/<slug:scenario_slug>/": Rule(
        PRINT,
        kwargs=lambda w: {
            "card_slug": w["card"].slug,
            "number": w["version"].number,
            "scenario_slug": w["scenario"].slug,
        },
    ),
    # notifications
    "notifikationer/haendelse/<int:incident_id>/": Rule(
        INCIDENT_READ, kwargs=lambda w: {"incident_id": w["incident"].pk}
    ),
    "notifikationer/haendelse/<int:incident_id>/send/": Rule(
        COORDINATE_POST, method="POST", kwargs=lambda w: {"incident_id": w["incident"].pk}
    ),
    "notifikationer/haendelse/<int:incident_id>/modtagere/": Rule(
        {**COORDINATE_POST, COORDINATOR: 302, SUPERUSER: 302},
        method="POST",
        kwargs=lambda w: {"incident_id": w["incident"].pk},
        data=lambda w: {"name": "Testperson 2", "email": "testperson2@example.invalid"},
    ),
    "notifikationer/modtager/<int:recipient_id>/fjern/": Rule(
        COORDINATE_POST, method="POST", kwargs=lambda w: {"recipient_id": w["recipient"].pk}
    ),
    # SAML sign-in: open to everyone (the IdP posts without a session), and absent (404)
    # while SAML is not set up, as here; with SAML on: tests/sso/test_saml.py's matrix.
    "sso/saml/login/": Rule(by_role(*[404] * 6)),
    "sso/saml/acs/": Rule(by_role(*[404] * 6), method="POST"),
    "sso/saml/metadata/": Rule(by_role(*[404] * 6)),
    # The personal-data access log: administrators only.
    "adgangslog/": Rule(by_role(LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, 200)),
    # exercises: every role reads; Redaktør writes scripts and decides on proposed card
    # changes; Koordinator starts exercises and evaluates closed incidents
    "oevelser/": Rule(INCIDENT_READ),
    "oevelser/ny/": Rule(
        EDIT_POST,
        method="POST",
        data=lambda w: {"scenario": f"{w['card'].slug}/{w['scenario'].slug}", "title": "Test"},
    ),
    "oevelser/<int:pk>/": Rule(INCIDENT_READ, kwargs=lambda w: {"pk": w["script"].pk}),
    "oevelser/<int:pk>/deltager/": Rule(
        EDIT_POST,
        method="POST",
        kwargs=lambda w: {"pk": w["script"].pk},
        data=lambda w: {"name": "Testdeltager 9", "email": "testdeltager9@example.invalid"},
    ),
    "oevelser/<int:pk>/inject/": Rule(
        EDIT_POST,
        method="POST",
        kwargs=lambda w: {"pk": w["script"].pk},
        data=lambda w: {"offset_minutes": 5, "text": "Testinject"},
    ),
    "oevelser/<int:pk>/start/": Rule(
        COORDINATE_POST, method="POST", kwargs=lambda w: {"pk": w["script"].pk}
    ),
    "oevelser/inject/<int:inject_pk>/slet/": Rule(
        EDIT_POST, method="POST", kwargs=lambda w: {"inject_pk": w["inject"].pk}
    ),
    "oevelser/evaluering/<int:incident_id>/": Rule(
        INCIDENT_READ, kwargs=lambda w: {"incident_id": w["closed_incident"].pk}
    ),
    "oevelser/evaluering/<int:incident_id>/gem/": Rule(
        COORDINATE_POST,
        method="POST",
        kwargs=lambda w: {"incident_id": w["closed_incident"].pk},
        data=lambda w: {"worked": "Testevaluering"},
    ),
    "oevelser/evaluering/<int:incident_id>/fund/": Rule(
        COORDINATE_POST,
        method="POST",
        kwargs=lambda w: {"incident_id": w["closed_incident"].pk},
        data=lambda w: {"text": "Testfund"},
    ),
    "oevelser/fund/<int:finding_id>/forslag/": Rule(
        COORDINATE_POST,
        method="POST",
        kwargs=lambda w: {"finding_id": w["finding"].pk},
        data=lambda w: {"field": "title", "new_value": "Testtitel"},
    ),
    "oevelser/forslag/": Rule(INCIDENT_READ),
    "oevelser/forslag/<int:pk>/<slug:decision>/": Rule(
        EDIT_POST,
        method="POST",
        kwargs=lambda w: {"pk": w["proposed_change"].pk, "decision": "afvis"},
    ),
    "oevelser/statistik/": Rule(INCIDENT_READ),
    # alerts: the Koordinator sends and re-sends; the ack link is public by its token
    # (GET only shows the button); the push subscription is any role's own.
    "alarmer/haendelse/<int:incident_id>/": Rule(
        INCIDENT_READ, kwargs=lambda w: {"incident_id": w["incident"].pk}
    ),
    "alarmer/haendelse/<int:incident_id>/send/": Rule(
        COORDINATE_POST,
        method="POST",
        kwargs=lambda w: {"incident_id": w["incident"].pk},
        data=lambda w: {"text": "Testalarm"},
    ),
    "alarmer/<int:alert_id>/send-igen/": Rule(
        COORDINATE_POST, method="POST", kwargs=lambda w: {"alert_id": w["alert"].pk}
    ),
    "alarmer/kvitter/<str:token>/": Rule(EVERYONE, kwargs=lambda w: {"token": _ack_token(w)}),
    "alarmer/push/abonner/": Rule(by_role(LOGIN, FORBIDDEN, 400, 400, 400, 400), method="POST"),
    # smsin: GatewayAPI's webhook is public; a body that is not signed JSON changes nothing.
    "sms/gatewayapi/": Rule(by_role(*[400] * 6), method="POST"),
}


def _ack_token(world):
    from alerts.content import ack_token

    recipient = world["alert"].recipients.order_by("pk").first()
    return ack_token(alert_id=world["alert"].pk, user_id=recipient.user_id)


ADMIN_PREFIX = "admin/"
ADMIN_INDEX = by_role(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200)


def project_routes():
    return {route: name for route, name in url_patterns() if not route.startswith(ADMIN_PREFIX)}


def test_every_url_is_in_the_matrix():
    routes = project_routes()

    missing = sorted(set(routes) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes))

    assert not missing, f"URLs without a row in the permission matrix: {missing}"
    assert not stale, f"Rows for URLs that no longer exist: {stale}"


def test_admin_is_the_only_prefix_rule():
    admin_routes = [r for r, _ in url_patterns() if r.startswith(ADMIN_PREFIX)]

    assert admin_routes, "the admin is mounted under admin/"
    assert all(r.startswith(ADMIN_PREFIX) for r in admin_routes)


def _client(user, client=None):
    """A client logged in as ``user``. Reuse one per test: a new Client loads the whole
    middleware stack again (WhiteNoise scans every static file)."""
    client = client or Client()
    client.cookies.clear()
    if user is not None:
        client.force_login(user)
    return client


def _outcome(response, expected):
    if expected in (LOGIN, ADMIN_LOGIN):
        logins = [reverse("login")] + ([reverse("admin:login")] if expected == ADMIN_LOGIN else [])
        location = response.headers.get("Location", "")
        return response.status_code == 302 and location.startswith(tuple(logins))
    allowed = expected if isinstance(expected, tuple) else (expected,)
    return response.status_code in allowed


def _request(user, method, path, data, headers, client=None):
    # A savepoint per request: a POST that changes data is undone before the next row.
    with transaction.atomic():
        client = _client(user, client)
        response = getattr(client, method.lower())(path, data=data, headers=headers)
        transaction.set_rollback(True)
    return response


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(role, users, world):
    routes = project_routes()
    user = users[role]
    client = Client()
    failures = []
    for route, rule in MATRIX.items():
        name = routes.get(route)
        assert name, f"{route!r} has no URL name to reverse"
        path = reverse(name, kwargs=rule.kwargs(world))
        response = _request(user, rule.method, path, rule.data(world), rule.headers, client)
        expected = rule.expect[role]
        if not _outcome(response, expected):
            failures.append(
                f"{rule.method} {path}: expected {expected}, got {response.status_code} "
                f"{response.headers.get('Location', '')}"
            )

    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_admin_index(role, users):
    response = _request(users[role], "GET", reverse("admin:index"), {}, {})

    assert _outcome(response, ADMIN_INDEX[role]), (response.status_code, response.headers)


@pytest.mark.django_db
def test_superuser_opens_every_admin_list_and_add_form(users, world):
    """The prefix rule's promise for the superuser, checked on every registered model."""
    client = _client(users[SUPERUSER])
    request = RequestFactory().get("/")
    request.user = users[SUPERUSER]
    failures = []
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        # Read-only registrations (django-axes' logs) have no add form by design.
        views = ["changelist"] + (["add"] if model_admin.has_add_permission(request) else [])
        for view in views:
            path = reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}")
            status = client.get(path).status_code
            if status != 200:
                failures.append(f"{path}: {status}")

    assert not failures, failures


@pytest.mark.django_db
def test_roles_without_staff_never_reach_an_admin_page(users, world):
    """Non-staff roles are sent to the admin login from every admin list, not just the
    index."""
    model = next(iter(admin.site._registry))
    path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    client = Client()
    for role in (ANONYMOUS, NO_ROLE, STAFF, COORDINATOR):
        response = _request(users[role], "GET", path, {}, {}, client)
        assert _outcome(response, ADMIN_LOGIN), (role, response.status_code)


# --- Incident state: a closed incident is read-only for every role ----------------------------

# The routes that change an incident (or show a form that would): on a closed incident
# every role is refused. Start, login, logout and the language switch concern no incident.
CLOSED_WRITES = sorted(
    route
    for route, rule in MATRIX.items()
    if route.startswith(("haendelser/<int:pk>/", "notifikationer/"))
    and (rule.method == "POST" or route.endswith(("/afslut/", "/ret/")))
)


def _incident_state(incident):
    """What any write to the incident changes: every write bumps the revision, and the
    recipients and updates are counted on their own to be sure."""
    incident.refresh_from_db()
    return (
        incident.status,
        incident.revision,
        incident.last_log_sequence,
        sorted(incident.recipients.values_list("pk", "is_active")),
        incident.status_updates.count(),
        incident.figures.count(),
    )


def _refused_on_closed(response, role, messages_text):
    if response.status_code in (401, 403):
        return True
    if role == ANONYMOUS:
        return _outcome(response, LOGIN)
    # A role that may write is told why: the closed-incident message, on the page or as
    # a flash message for the page it is sent back to.
    said = "afsluttet" in messages_text or "afsluttet" in response.content.decode()
    return response.status_code < 500 and said


def test_closed_writes_cover_every_incident_write():
    assert "notifikationer/haendelse/<int:incident_id>/modtagere/" in CLOSED_WRITES
    assert "notifikationer/modtager/<int:recipient_id>/fjern/" in CLOSED_WRITES
    assert "haendelser/<int:pk>/log/skriv/" in CLOSED_WRITES
    assert len(CLOSED_WRITES) >= 12, CLOSED_WRITES  # derived: new write URLs join by themselves


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_write_on_a_closed_incident_is_refused(role, users, world):
    """The same rows as the matrix, pointed at the running incident after it was closed
    (its steps, lines, timers, log entry and recipient included): nothing changes."""
    from django.contrib.messages import get_messages

    from incidents import services

    incident = world["incident"]
    services.incident_close(
        incident=incident,
        user=users[COORDINATOR],
        announcements_off=True,
        crisis_team_informed=True,
        yammer_posted=True,
    )
    before = _incident_state(incident)
    routes = project_routes()
    client = Client()
    failures = []
    for route in CLOSED_WRITES:
        rule = MATRIX[route]
        path = reverse(routes[route], kwargs=rule.kwargs(world))
        with transaction.atomic():
            client = _client(users[role], client)
            response = getattr(client, rule.method.lower())(
                path, data=rule.data(world), headers=rule.headers
            )
            told = " ".join(str(m) for m in get_messages(response.wsgi_request))
            after = _incident_state(incident)
            transaction.set_rollback(True)
        if after != before or not _refused_on_closed(response, role, told):
            failures.append(
                f"{rule.method} {path}: {response.status_code} "
                f"{response.headers.get('Location', '')} changed={after != before} {told!r}"
            )

    assert not failures, f"{role}:\n" + "\n".join(failures)


@pytest.mark.django_db
def test_the_figures_api_refuses_a_closed_incident_with_a_valid_token(users, world):
    """The matrix row has no token (401 for every role); with one, a closed incident is
    still read-only: 409 and nothing stored."""
    import json

    from incidents import services

    incident = world["closed_incident"]
    _token, raw = services.integration_token_create(name="Testtelefoni")
    before = _incident_state(incident)

    response = Client().post(
        reverse("incidents:figures_api", args=[incident.pk]),
        data=json.dumps(
            {
                "agents_on_duty": 12,
                "agents_available": 4,
                "calls_in_queue": 9,
                "longest_wait_seconds": 390,
                "average_wait_seconds": 120,
            }
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )

    assert response.status_code == 409, response.content
    assert "afsluttet" in response.json()["errors"]["__all__"][0]
    assert _incident_state(incident) == before
