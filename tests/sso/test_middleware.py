"""A session ends SESSION_MAX_AGE_HOURS after its login, however much it is used."""

import time

import pytest
from django.urls import reverse

from sso.middleware import LOGIN_AT_KEY
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _age_session(client, hours):
    session = client.session
    session[LOGIN_AT_KEY] = int(time.time() - hours * 3600)
    session.save()


def test_a_login_stamps_the_session_and_it_ends_after_the_maximum(client, staff_user, settings):
    settings.SESSION_MAX_AGE_HOURS = 14
    client.post(reverse("login"), {"username": staff_user.username, "password": PASSWORD})
    stamped = client.session[LOGIN_AT_KEY]
    assert abs(stamped - time.time()) < 5
    assert client.get(reverse("incidents:list")).status_code == 200

    _age_session(client, 13.9)
    assert client.get(reverse("incidents:list")).status_code == 200
    # Used all along (and saved): the login time does not move.
    assert client.session[LOGIN_AT_KEY] < time.time() - 13 * 3600

    _age_session(client, 14.1)
    response = client.get(reverse("incidents:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


def test_a_new_login_starts_a_new_lifetime(client, staff_user):
    client.post(reverse("login"), {"username": staff_user.username, "password": PASSWORD})
    _age_session(client, 10)
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": staff_user.username, "password": PASSWORD})
    assert client.session[LOGIN_AT_KEY] > time.time() - 60


def test_the_cookie_lasts_no_longer_than_the_session(settings):
    from django.conf import settings as live

    assert live.SESSION_COOKIE_AGE == live.SESSION_MAX_AGE_HOURS * 3600
