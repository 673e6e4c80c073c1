"""The permission matrix: every URL of the project × every role → the status it must
answer, and the requests that check it (each in a savepoint that is rolled back)."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.roles import COORDINATOR, EDITOR, STAFF
from tests.security.conftest import ANONYMOUS, NO_ROLE, SUPERUSER, url_patterns

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
