"""Delivery under crashes (issue 18), on real services: our own redis-server, Celery
workers and a separate beat as in production, PostgreSQL, aiosmtpd and the GatewayAPI
fake. SIGKILL strikes at seeded random moments across the whole send (claim, SMTP or
HTTP conversation, confirm, aggregates), a pool child or the whole worker; then every
copy each recipient got is counted at the servers:

- nothing is missing;
- every recipient who got a copy twice has a message the app marked "mulig dublet";
- everything is delivered ≤ 15 s after the kill, with the production sweep, lease and
  visibility timeout.
"""

import random
import time

import pytest

from notifications import services
from notifications.models import OutboxMessage
from tests.faults import delivery_procs as procs
from tests.notifications.conftest import incident_create, worker_env
from tests.notifications.test_delivery import add_recipients

pytestmark = [
    pytest.mark.services,
    pytest.mark.timeout(120),
    # As the other fault tests: a transactional test flushes the roles migrations made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECOVERY_SECONDS = 15
# Time for a late copy (a redelivered task, a second sweep) to show up before counting.
SETTLE_SECONDS = 2


@pytest.fixture
def background(postgres, broker, smtp_server, sms_gateway, tmp_path):
    """Start workers and one beat on demand; stop them all afterwards."""
    started = []

    class Background:
        env = worker_env(
            redis_url=broker.url, smtp=smtp_server, gateway=sms_gateway,
            NOTIFY_TICK_SECONDS="60", **procs.PRODUCTION_TIMING,
        )  # fmt: skip

        def worker(self, name="worker", **env):
            proc = procs.worker({**self.env, **env}, tmp_path, name)
            proc.start()
            started.append(proc)
            return proc

        def beat(self, **env):
            proc = procs.beat({**self.env, **env}, tmp_path)
            proc.start()
            started.append(proc)
            return proc

    yield Background()
    for proc in started:
        if proc.process and proc.process.poll() is None:
            proc.kill9()  # nothing to finish cleanly, and a warm shutdown takes seconds


def wait_settled(incident, *, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.all_settled(incident):
            return time.monotonic()
        time.sleep(0.1)
    raise AssertionError("not every message was sent or failed in time")


def assert_nothing_lost_every_duplicate_marked(incident, smtp, gateway):
    time.sleep(SETTLE_SECONDS)
    received = procs.copies(smtp, gateway)
    marked = procs.expected(incident)
    duplicates = {key: n for key, n in received.items() if n > 1}
    assert set(marked) - set(received) == set(), "missing at the servers"
    assert set(received) - set(marked) == set(), "a copy nobody queued"
    assert [key for key in duplicates if not marked[key]] == [], (duplicates, marked)
    assert gateway.invalid == []
    # Every SMS carried its message's stable identity as GatewayAPI's userref.
    keys = set(
        OutboxMessage.objects.filter(update__incident=incident, channel="sms").values_list(
            "idempotency_key", flat=True
        )
    )
    assert set(gateway.copies_by_userref()) <= keys
    return duplicates


def another_update(incident, n):
    return services.status_update_create(
        incident=incident, reason="manual", slot=f"manual:fault-{n}"
    )


@pytest.mark.parametrize("seed", [1801, 1802])
def test_pool_children_killed_at_random_moments(seed, background, card, smtp_server, sms_gateway):
    rng = random.Random(seed)
    smtp_server.handler.rcpt_delay = 0.02  # a realistic server: the send takes a while
    background.beat()
    worker = background.worker()
    incident = incident_create(card, interval=30)
    add_recipients(incident, 45)
    services.status_update_create(incident=incident, reason="started")

    kills, rounds, last_kill = 0, 0, None
    while kills < 9:
        if procs.all_settled(incident):
            rounds += 1  # keep the worker busy: the kills must land during sends
            another_update(incident, rounds)
        time.sleep(rng.uniform(0.1, 0.6))
        if worker.kill_child(rng):
            kills += 1
            last_kill = time.monotonic()

    recovered = wait_settled(incident, timeout=40) - last_kill
    duplicates = assert_nothing_lost_every_duplicate_marked(incident, smtp_server, sms_gateway)
    print(f"seed {seed}: {kills} pool kills, {len(duplicates)} duplicates, {recovered:.1f} s")
    assert recovered <= RECOVERY_SECONDS, f"{recovered:.1f} s after the last kill"


def test_whole_worker_killed_at_random_moments_and_restarted(
    background, card, smtp_server, sms_gateway
):
    rng = random.Random(1803)
    smtp_server.handler.rcpt_delay = 0.02
    background.beat()
    worker = background.worker()
    incident = incident_create(card, interval=30)
    add_recipients(incident, 30)
    services.status_update_create(incident=incident, reason="started")
    recoveries = []

    for n in range(3):
        time.sleep(rng.uniform(0.2, 1.5))
        worker.kill9()
        killed = time.monotonic()
        worker.start()  # as docker's restart policy does
        recoveries.append(wait_settled(incident, timeout=40) - killed)
        another_update(incident, n + 1)

    wait_settled(incident, timeout=40)
    duplicates = assert_nothing_lost_every_duplicate_marked(incident, smtp_server, sms_gateway)
    print(f"3 worker kills, {len(duplicates)} duplicates, recoveries {recoveries}")
    assert max(recoveries) <= RECOVERY_SECONDS, recoveries


def test_two_workers_one_killed(background, card, smtp_server, sms_gateway):
    rng = random.Random(1804)
    smtp_server.handler.rcpt_delay = 0.02
    background.beat()
    doomed = background.worker("doomed")
    background.worker("survivor")
    incident = incident_create(card, interval=30)
    add_recipients(incident, 60)
    services.status_update_create(incident=incident, reason="started")

    time.sleep(rng.uniform(0.3, 1.0))
    doomed.kill9()  # not restarted: the other worker and the sweep take over
    killed = time.monotonic()

    recovered = wait_settled(incident, timeout=40) - killed
    assert_nothing_lost_every_duplicate_marked(incident, smtp_server, sms_gateway)
    assert recovered <= RECOVERY_SECONDS, f"{recovered:.1f} s after the kill"


def test_smtp_down_then_back(background, card, smtp_server, sms_gateway):
    background.beat()
    background.worker()
    incident = incident_create(card, interval=30)
    add_recipients(incident, 12)
    smtp_server.stop()
    services.status_update_create(incident=incident, reason="started")
    time.sleep(6)
    assert smtp_server.messages == []

    smtp_server.start()
    back = time.monotonic()

    recovered = wait_settled(incident, timeout=40) - back
    duplicates = assert_nothing_lost_every_duplicate_marked(incident, smtp_server, sms_gateway)
    # A refused connection is a clean failure: nothing was accepted, nothing is doubtful.
    assert duplicates == {}
    assert not incident.status_updates.get().messages.filter(possible_duplicate=True).exists()
    assert not incident.status_updates.get().messages.filter(status="superseded").exists()
    assert recovered <= RECOVERY_SECONDS, f"{recovered:.1f} s after SMTP returned"
