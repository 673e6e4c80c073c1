"""Fixtures for notifications: incident rows on a card's version 1 (``incident_create``;
the ``bare_incident`` fixture is one on the seed card), a made-up card whose incidents have
recipients (``team_card``), the fake servers, and for the delivery tests a private Redis and
a real Celery worker (with embedded beat)."""

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.conftest import require
from tests.incidents.factories import IncidentFactory
from tests.notifications.fakes import (
    GatewayAPIServer,
    InternalServer,
    SMTPServer,
    TeamsWorkflowServer,
    free_port,
)
from tests.notifications.processes import Worker
from tests.prodserver import database_url

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def incident_create(card, *, interval=30, **fields):
    """A running incident on the card's version 1, updates every ``interval`` minutes."""
    return IncidentFactory(
        card=card,
        update_interval_minutes=interval,
        scenario__scenario_slug="stroemsvigt-dokk1",
        **fields,
    )


@pytest.fixture
def team_card(db):
    """A made-up published card with a log keeper and a crisis team of one (its recipients)."""
    from tests.cards.factories import card_with_crisis_team

    return card_with_crisis_team()


@pytest.fixture
def locmem_mail(settings):
    """Mail into ``django.core.mail.outbox`` and SMS to files: a delivery with no server."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "notifications.channels.FileSMSBackend"


def running(server):
    """``server`` started for the test and stopped after it: ``yield from`` in a fixture."""
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server():
    yield from running(SMTPServer())


@pytest.fixture
def sms_gateway():
    yield from running(GatewayAPIServer())


@pytest.fixture
def gatewayapi_settings(settings, sms_gateway):
    settings.SMS_BACKEND = "notifications.channels.GatewayAPISMSBackend"
    settings.GATEWAYAPI_URL = sms_gateway.url
    settings.GATEWAYAPI_TOKEN = sms_gateway.token
    return settings


@pytest.fixture(scope="session")
def teams_ca(tmp_path_factory):
    """The tests' own certificate authority; the client trusts it via WEBHOOK_CA_BUNDLE."""
    import trustme

    ca = trustme.CA(organization_name="Aktionskort test CA")
    bundle = tmp_path_factory.mktemp("teams-ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    ca.bundle_path = str(bundle)
    return ca


@pytest.fixture
def teams_server(teams_ca):
    yield from running(TeamsWorkflowServer(teams_ca))


@pytest.fixture
def teams_settings(settings, teams_server, teams_ca):
    """This process may post to the test's Teams server (and only there) on localhost."""
    settings.WEBHOOK_ALLOWED_HOSTS = [teams_server.allowed_host]
    settings.WEBHOOK_CA_BUNDLE = teams_ca.bundle_path
    settings.WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = True
    return settings


@pytest.fixture
def internal_server():
    yield from running(InternalServer())


# --- Real services --------------------------------------------------------------------------


class RedisServer:
    """Our own redis-server: the fault tests stop and restart it, never the shared one."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with __import__("socket").create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)
            self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


@pytest.fixture
def redis_server(tmp_path):
    require(os.path.exists(REDIS_SERVER), "redis-server is not installed")
    yield from running(RedisServer(tmp_path))


@pytest.fixture
def broker(redis_server):
    """Point this (web) process's Celery app at our Redis for the test."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options
    conf.broker_url = redis_server.url
    conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 1,
        "socket_timeout": 3,
    }
    # The app keeps its connection and producer pools: drop them, or a task sent here
    # (``.delay``) would still go to the broker an earlier test used.
    celery_app._after_fork()
    yield redis_server
    conf.broker_url, conf.broker_transport_options = saved
    celery_app._after_fork()


def postgres_required():
    require(
        connection.vendor == "postgresql",
        "a worker in another process needs PostgreSQL (set DATABASE_URL)",
    )


def worker_env(*, redis_url, smtp, gateway, **extra):
    env = dict(os.environ)
    env.update(
        {
            # The worker must see what the test writes: the same (test) database.
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": redis_url,
            "EMAIL_URL": smtp.url,
            "EMAIL_TIMEOUT": "5",
            "SMS_BACKEND": "notifications.channels.GatewayAPISMSBackend",
            "GATEWAYAPI_URL": gateway.url,
            "GATEWAYAPI_TOKEN": gateway.token,
            "SMS_TIMEOUT": "5",
            "NOTIFY_TICK_SECONDS": "5",
            "NOTIFY_SWEEP_SECONDS": "3",
            "NOTIFY_SWEEP_AFTER_SECONDS": "5",
            "NOTIFY_RETRY_BASE_SECONDS": "1",
            "NOTIFY_RETRY_TOTAL_SECONDS": "60",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "INFO",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            **extra,
        }
    )
    return env


@pytest.fixture
def postgres():
    postgres_required()


@pytest.fixture
def worker_factory(postgres, tmp_path, broker, smtp_server, sms_gateway):
    workers = []

    def make(**extra):
        env = worker_env(redis_url=broker.url, smtp=smtp_server, gateway=sms_gateway, **extra)
        worker = Worker(env, tmp_path / "worker.log", tmp_path / "beat-schedule")
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()


@pytest.fixture
def worker(worker_factory):
    w = worker_factory()
    w.start()
    return w


def wait_for(condition, *, timeout, interval=0.25, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")
