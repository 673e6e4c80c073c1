"""PostgreSQL restarts under a running gunicorn: the app recovers by itself.

CONN_MAX_AGE keeps connections open between requests and CONN_HEALTH_CHECKS makes
Django test a reused connection before the first query of a request, so a worker whose
connection died with the old server reconnects instead of failing until it is restarted.
"""

import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

pytestmark = [pytest.mark.services, pytest.mark.timeout(150)]


def _get(url, session_key):
    request = urllib.request.Request(
        url, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def _workers(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return sorted(children)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_app_recovers_from_a_postgresql_restart_by_itself(
    private_postgres, gunicorn_factory, card, staff_user
):
    client = Client()
    client.force_login(staff_user)  # the session row goes along with the copy
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    private_postgres.copy_database(connection.settings_dict, "ak_faults")
    web = gunicorn_factory(
        DATABASE_URL=private_postgres.url("ak_faults"), CONN_MAX_AGE="600", REDIS_URL=""
    )
    web.start()
    status, body = _get(web.url_of("/"), session_key)
    assert (status, card.title in body) == (200, True), web.log()
    workers = _workers(web.process.pid)

    private_postgres.restart()
    first = _get(web.url_of("/"), session_key)[0]
    after = [_get(web.url_of("/"), session_key) for _ in range(3)]

    # With CONN_HEALTH_CHECKS the worker pings its old connection before the first query
    # and reconnects, so even the first request succeeds (without them it is a 500, and
    # the worker only recovers after that request failed).
    assert first == 200, web.log()
    assert [s for s, _ in after] == [200, 200, 200], web.log()
    assert all(card.title in b for _, b in after)
    # Recovered by reconnecting, not by gunicorn replacing a crashed worker.
    assert _workers(web.process.pid) == workers
