"""Redis (the Celery broker) stopped: the web app keeps working; /healthz says so.

What the web process does with Celery while the broker is down must neither fail a
request nor make it wait for long (CELERY_BROKER_CONNECTION_TIMEOUT, no publish retry).
"""

import time

import pytest
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]

# A request may spend one broker connection timeout (2 s) finding Redis gone, no more.
SLOW = 5.0


@pytest.fixture
def broker(private_redis):
    """This process's Celery app on our own Redis, for the length of the test."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options
    conf.broker_url = private_redis.url()
    conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 3,
    }
    celery_app.pool.force_close_all()
    yield private_redis
    conf.broker_url, conf.broker_transport_options = saved
    celery_app.pool.force_close_all()


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_keep_working_while_redis_is_down(client, broker, seeded_card, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("healthz")).json()["broker"]["ok"] is True

    broker.stop()
    pages = [reverse("home"), reverse("login")]
    answers = {path: _timed(lambda p=path: client.get(p, follow=True)) for path in pages}
    health = client.get(reverse("healthz"))

    for path, (response, seconds) in answers.items():
        assert response.status_code == 200, path
        assert seconds < SLOW, f"{path} took {seconds:.1f} s with Redis down"
    assert seeded_card.title in answers[reverse("home")][0].text
    assert health.status_code == 503
    assert health.json()["broker"]["ok"] is False
    assert health.json()["database"]["ok"] is True

    broker.start()
    assert client.get(reverse("healthz")).json()["broker"]["ok"] is True
