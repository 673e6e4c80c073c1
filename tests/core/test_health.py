"""/healthz is liveness (web process + database; the compose healthcheck), /readyz the
readiness of the background path (broker, a worker's sweep, the oldest due message).
Anonymous callers get the status only (issue 11 §6); signed-in staff get the details."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from notifications.models import WorkerHeartbeat


@pytest.fixture
def dead_broker():
    original = celery_app.conf.broker_url
    # A real connection attempt to a port where nothing listens.
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    celery_app.conf.broker_url = original


@pytest.fixture
def swept(db):
    WorkerHeartbeat.objects.create(name="celery@test", seen_at=timezone.now())


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client, staff_user, swept):
    client.force_login(staff_user)
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    ready = client.get(reverse("readyz"))
    assert ready.status_code == 200, ready.json()
    assert ready.json()["broker"]["ok"] is True
    assert ready.json()["worker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_does_not_answer(client, staff_user, swept, dead_broker):
    client.force_login(staff_user)
    response = client.get(reverse("readyz"))

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


@pytest.mark.django_db
def test_liveness_stays_200_while_only_the_broker_is_down(client, dead_broker):
    """The pages work without Redis: a 503 here would get a working web container
    marked unhealthy (issue 18 §4)."""
    assert client.get(reverse("healthz")).status_code == 200


@pytest.mark.django_db
def test_anonymous_callers_get_the_status_only(client, swept, dead_broker):
    for name in ("healthz", "readyz"):
        response = client.get(reverse(name))
        assert set(response.json()) == {"status"}, name
        assert b"127.0.0.1" not in response.content and b"redis" not in response.content


@pytest.mark.django_db
def test_readiness_fails_without_a_recent_sweep(client, staff_user, settings):
    client.force_login(staff_user)
    assert client.get(reverse("readyz")).json()["worker"]["ok"] is False
    WorkerHeartbeat.objects.create(
        name="celery@gone",
        seen_at=timezone.now() - dt.timedelta(seconds=settings.NOTIFY_HEARTBEAT_STALE_SECONDS + 5),
    )
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False


def test_healthz_needs_no_login(client, db):
    assert client.get(reverse("healthz")).status_code in (200, 503)
    assert client.get(reverse("readyz")).status_code in (200, 503)
