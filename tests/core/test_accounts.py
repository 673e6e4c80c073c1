"""Who may be logged in: a deactivated user's sessions end, and the admin's own login
lets in the roles that may use the admin (issue 11 §6)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory, change_form_data

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
User = get_user_model()


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


def _watching(user, incident):
    """A client with the dashboard open: its poll token, and an unchanged poll is 204."""
    client = Client()
    client.force_login(user)
    url = reverse("incidents:dashboard", args=[incident.pk])
    token = re.search(r'\?rev=([\d.]+)"', client.get(url).text).group(1)
    assert client.get(url, {"rev": token}, **HX).status_code == 204
    return client, url, token


def _assert_logged_out(client, url, token):
    poll = client.get(url, {"rev": token}, **HX)
    assert poll.status_code == 200, poll.status_code
    assert poll["HX-Redirect"].startswith(reverse("login"))
    page = client.get(url)
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def _change_form_data(user, **changes):
    fields = ["username", "first_name", "last_name", "email", "is_active", "is_staff", "groups"]
    day, time = user.date_joined.strftime("%Y-%m-%d"), user.date_joined.strftime("%H:%M:%S")
    joined = {"date_joined_0": day, "date_joined_1": time}
    joined |= {"initial-date_joined_0": day, "initial-date_joined_1": time}
    return change_form_data(user, fields, **joined, **changes)


def test_unticking_active_in_the_admin_ends_the_users_sessions(incident, staff_user, superuser):
    client, url, token = _watching(staff_user, incident)
    admin = Client()
    admin.force_login(superuser)

    response = admin.post(
        reverse("admin:auth_user_change", args=[staff_user.pk]),
        _change_form_data(staff_user, is_active=False),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    staff_user.refresh_from_db()
    assert not staff_user.is_active
    assert Session.objects.count() == 1  # only the admin's own
    _assert_logged_out(client, url, token)


def test_the_deactivate_action_ends_the_sessions_of_every_chosen_user(
    incident, staff_user, coordinator, superuser
):
    watchers = [_watching(user, incident) for user in (staff_user, coordinator)]
    admin = Client()
    admin.force_login(superuser)

    admin.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [staff_user.pk, coordinator.pk]},
    )

    assert not User.objects.filter(pk__in=[staff_user.pk, coordinator.pk], is_active=True).exists()
    for client, url, token in watchers:
        _assert_logged_out(client, url, token)
    # The admin's own session is untouched.
    assert Session.objects.count() == 1
    assert admin.get(reverse("admin:index")).status_code == 200


def test_an_unchanged_poll_checks_the_viewer_is_still_active(incident, staff_user):
    """Deactivated behind the admin's back (a shell, a script): the session survives, but
    the poll's one query also asks whether the viewer is active."""
    client, url, token = _watching(staff_user, incident)

    User.objects.filter(pk=staff_user.pk).update(is_active=False)

    _assert_logged_out(client, url, token)


def test_a_redaktor_without_staff_flag_logs_in_at_the_admin_login(editor):
    assert not editor.is_staff
    client = Client()

    response = client.post(
        reverse("admin:login"),
        {"username": editor.username, "password": PASSWORD, "next": reverse("admin:index")},
    )

    assert response.status_code == 302, response.text
    assert response["Location"] == reverse("admin:index")
    assert client.get(reverse("admin:index")).status_code == 200


def test_a_medarbejder_at_the_admin_login_is_told_where_to_log_in(staff_user):
    client = Client()

    response = client.post(
        reverse("admin:login"), {"username": staff_user.username, "password": PASSWORD}
    )

    assert response.status_code == 200
    assert "staff account" not in response.text
    assert "Administrationen er for redaktører" in response.text
    assert client.get(reverse("admin:index")).status_code == 302
