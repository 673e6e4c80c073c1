"""Every URL of the project × every role → the status it must answer.

A new URL fails `test_every_url_is_in_the_matrix` until it gets a row in matrix.py: access
rules are decided on purpose, never by default. Each request runs in a savepoint that
is rolled back, so one row's POST never changes what the next row sees.
"""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from core.roles import COORDINATOR, STAFF
from tests.security.conftest import ANONYMOUS, NO_ROLE, ROLES, SUPERUSER, url_patterns
from tests.security.matrix import (
    ADMIN_INDEX,
    ADMIN_LOGIN,
    ADMIN_PREFIX,
    MATRIX,
    _client,
    _outcome,
    _request,
    project_routes,
)


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
