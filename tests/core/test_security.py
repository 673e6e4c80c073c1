"""Login throttling, Content Security Policy and CSRF."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import PASSWORD


def _login(client, username, password, ip="198.51.100.7"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_lockout_after_failures_by_username_and_ip(client, staff_user, coordinator):
    for _ in range(3):
        _login(client, staff_user.username, "forkert")

    locked = _login(client, staff_user.username, PASSWORD)
    assert locked.status_code == 429
    assert "midlertidigt spærret" in locked.text

    # Same shared IP, another colleague: not locked out.
    colleague = _login(Client(), coordinator.username, PASSWORD)
    assert colleague.status_code == 302
    # Same user from another address: not locked out either.
    elsewhere = _login(Client(), staff_user.username, PASSWORD, ip="198.51.100.99")
    assert elsewhere.status_code == 302


@pytest.mark.django_db
def test_lockout_ends_after_the_cool_off(client, staff_user):
    with override_settings(
        AXES_ENABLED=True, AXES_FAILURE_LIMIT=2, AXES_COOLOFF_TIME=dt.timedelta(minutes=15)
    ):
        for _ in range(2):
            _login(client, staff_user.username, "forkert")
        assert _login(client, staff_user.username, PASSWORD).status_code == 429

        from axes.models import AccessAttempt

        # Move the failures back past the cool-off instead of sleeping.
        AccessAttempt.objects.update(
            attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)
        )
        assert _login(client, staff_user.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_content_security_policy_forbids_inline_code(client):
    response = client.get(reverse("login"))

    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_pages_carry_no_inline_script_or_style(client, staff_user, card):
    client.force_login(staff_user)

    html = client.get(reverse("home")).text

    assert "<script>" not in html
    assert " style=" not in html
    assert '"allowEval":false' in html
    assert '"includeIndicatorStyles":false' in html


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(staff_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)

    response = client.post(reverse("logout"))

    assert response.status_code == 403


@pytest.mark.django_db
def test_pages_are_compressed_for_slow_links(client, staff_user, card):
    client.force_login(staff_user)

    response = client.get(reverse("home"), HTTP_ACCEPT_ENCODING="gzip")

    assert response.headers["Content-Encoding"] == "gzip"
