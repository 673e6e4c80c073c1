import pytest
from django.urls import reverse

from config.celery import app as celery_app


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_does_not_answer(client):
    original = celery_app.conf.broker_url
    # A real connection attempt to a port where nothing listens.
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get(reverse("healthz"))
    finally:
        celery_app.conf.broker_url = original

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False


def test_healthz_needs_no_login(client, db):
    assert client.get(reverse("healthz")).status_code in (200, 503)
