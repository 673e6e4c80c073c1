"""Fixtures for alerts: employees with e-mail and mobile, and the local push service."""

import pytest

from core.roles import COORDINATOR, STAFF
from tests.notifications.fakes_push import PushServiceServer, vapid_keys
from tests.smsin.conftest import provider, sender_create, smsin_settings  # noqa: F401


@pytest.fixture(scope="session")
def vapid():
    return vapid_keys()


@pytest.fixture
def vapid_settings(settings, vapid):
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid
    settings.VAPID_SUBJECT = "mailto:test@example.invalid"
    return settings


@pytest.fixture
def push_server(vapid):
    server = PushServiceServer(vapid_public_key=vapid[1])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def employees(db):
    """Three Medarbejdere with e-mail and mobile, and a Koordinator."""
    staff = [sender_create(STAFF, n=2000 + i) for i in range(3)]
    return [*staff, sender_create(COORDINATOR, n=2100)]


# The real services of the notifications tests: our own Redis, a Celery worker (with
# beat), aiosmtpd and the GatewayAPI fake.
from tests.notifications.conftest import (  # noqa: E402, F401
    broker,
    gatewayapi_settings,
    postgres,
    redis_server,
    sms_gateway,
    smtp_server,
    worker_factory,
)


@pytest.fixture
def alert_worker(worker_factory, vapid, live_server):  # noqa: F811
    worker = worker_factory(
        VAPID_PRIVATE_KEY=vapid[0], VAPID_PUBLIC_KEY=vapid[1],
        VAPID_SUBJECT="mailto:test@example.invalid", SITE_URL=live_server.url,
        ALERTS_SWEEP_SECONDS="2", ALERTS_SWEEP_AFTER_SECONDS="4",
    )  # fmt: skip
    worker.start()
    return worker
