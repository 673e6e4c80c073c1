"""Property-based tests: hostile input to every form endpoint never causes a 500, never
comes back unescaped, and never redirects off the site.

Each endpoint lists its fields with a strategy; `test_every_form_endpoint_is_fuzzed`
fails when a POST endpoint of the permission matrix is missing here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.roles import COORDINATOR, STAFF
from tests.security.conftest import ANONYMOUS
from tests.security.strategies import (
    ESCAPED_SCRIPT,
    RAW_MARKERS,
    SCRIPT,
    nasty_choice,
    nasty_number,
    nasty_text,
)
from tests.security.test_permission_matrix import MATRIX, project_routes

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class FormEndpoint:
    url_name: str
    role: str
    fields: dict
    valid: dict = field(default_factory=dict)
    kwargs: Callable = field(default=lambda world: {})
    # Free-text fields that are shown back (in the answer or on the page redirected to).
    echoed: tuple = ()


ENDPOINTS = {
    "login/": FormEndpoint(
        "login",
        ANONYMOUS,
        {"username": nasty_text, "password": nasty_text, "next": nasty_text},
        valid={"username": "", "password": "forkert"},
        echoed=("username",),
    ),
    "i18n/setlang/": FormEndpoint(
        "set_language",
        STAFF,
        {"language": nasty_choice, "next": nasty_text},
        valid={"language": "da", "next": "/"},
    ),
    # Logging out takes no input; nothing to fuzz.
    "logout/": None,
    # notifications
    "notifikationer/haendelse/<int:incident_id>/modtagere/": FormEndpoint(
        "notifications:recipient-add",
        COORDINATOR,
        {
            "person": nasty_choice,
            "group": nasty_choice,
            "name": nasty_text,
            "email": nasty_text,
            "phone": nasty_number,
            "webhook_url": nasty_text,
            "sms_first": nasty_choice,
        },
        valid={"email": "testperson9@example.invalid"},
        kwargs=lambda w: {"incident_id": w["incident"].pk},
        echoed=("name",),
    ),
    # No input beyond the URL: the matrix covers them.
    "notifikationer/haendelse/<int:incident_id>/send/": None,
    "notifikationer/modtager/<int:recipient_id>/fjern/": None,
}


@pytest.fixture
def client_for(users):
    """One Client per test, logged in afresh for each example (a new Client would load
    the middleware again, and WhiteNoise scans every static file when it does)."""
    client = Client()

    def login(role):
        client.cookies.clear()
        if users[role] is not None:
            client.force_login(users[role])
        return client

    return login


def _assert_safe(response, sent):
    assert response.status_code < 500, (response.status_code, sent)
    body = response.content.decode("utf-8", "replace")
    for marker in RAW_MARKERS:
        assert marker not in body, f"unescaped {marker!r} in the answer to {sent!r}"
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers["Location"])
        assert target.netloc in ("", "testserver"), f"redirect off the site: {target}"


def test_every_form_endpoint_is_fuzzed():
    posted = {route for route, rule in MATRIX.items() if rule.method == "POST"}
    with_forms = {"login/"}  # GET pages that also take a POST

    assert sorted(posted | with_forms) == sorted(ENDPOINTS)
    assert set(ENDPOINTS) <= set(project_routes())


FUZZED = [route for route, endpoint in ENDPOINTS.items() if endpoint is not None]


@pytest.mark.django_db
@pytest.mark.parametrize("route", FUZZED)
@FUZZ
@given(data=st.data(), htmx=st.booleans())
def test_hostile_input_never_breaks_or_leaks(route, data, htmx, client_for, world):
    endpoint = ENDPOINTS[route]
    client = client_for(endpoint.role)
    sent = {name: data.draw(strategy, label=name) for name, strategy in endpoint.fields.items()}
    path = reverse(endpoint.url_name, kwargs=endpoint.kwargs(world))

    response = client.post(path, sent, headers={"HX-Request": "true"} if htmx else {})

    _assert_safe(response, sent)


ECHOED = [route for route, endpoint in ENDPOINTS.items() if endpoint and endpoint.echoed]


@pytest.mark.django_db
@pytest.mark.parametrize("route", ECHOED)
def test_free_text_comes_back_escaped(route, client_for, world):
    endpoint = ENDPOINTS[route]
    client = client_for(endpoint.role)
    sent = {**endpoint.valid, **dict.fromkeys(endpoint.echoed, f"Testperson {SCRIPT}")}
    path = reverse(endpoint.url_name, kwargs=endpoint.kwargs(world))

    response = client.post(path, sent, follow=True)

    _assert_safe(response, sent)
    assert ESCAPED_SCRIPT in response.text
