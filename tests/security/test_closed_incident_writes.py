"""A closed incident is read-only for every role: the matrix's write rows, pointed at the
incident after it was closed, change nothing."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.roles import COORDINATOR
from tests.security.conftest import ANONYMOUS, ROLES
from tests.security.matrix import (
    LOGIN,
    MATRIX,
    _client,
    _outcome,
    project_routes,
)

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
