"""Beat during a Redis outage (issue 18 §5): an interval update that fell due while the
broker was down goes out within one tick after Redis returns, and exactly once — the
ticks beat could not send are not replayed, and the slot makes a repeated tick harmless.
"""

import datetime as dt
import re
import time

import pytest
from django.utils import timezone

from notifications.models import StatusUpdate
from tests.faults import delivery_procs as procs
from tests.faults.test_delivery_kills import background  # noqa: F401 - the fixture
from tests.notifications.conftest import incident_create

pytestmark = [
    pytest.mark.services,
    pytest.mark.timeout(120),
    # As the other fault tests: a transactional test flushes the roles migrations made.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TICK_SECONDS = 10
PUBLISHED = re.compile(r"card_bundle_render\[[^\]]+\] (succeeded|raised|retry)")


def _wait_for_the_publish_tasks(worker, timeout=60):
    """The seed card's publish queued its PDF bundle (seconds to render). A worker that
    loses Redis while it holds that task is test_worker_redis_loss's subject; this test is
    about beat's ticks during an outage, so the outage starts once the worker is idle."""
    deadline = time.monotonic() + timeout
    while not PUBLISHED.search(worker.log_path.read_text(errors="replace")):
        assert time.monotonic() < deadline, "the card's PDF bundle was never rendered"
        time.sleep(0.2)


def test_update_due_during_a_redis_outage_goes_out_once_within_a_tick_after(
    background,  # noqa: F811
    broker,
    seeded_card,
    smtp_server,
    sms_gateway,
):
    env = {"NOTIFY_TICK_SECONDS": str(TICK_SECONDS)}
    background.beat(**env)
    worker = background.worker(**env)
    _wait_for_the_publish_tasks(worker)
    # Due 12 s from now; the outage covers the due moment and at least one tick after it.
    due = timezone.now() + dt.timedelta(seconds=12)
    incident = incident_create(seeded_card, interval=1, started_at=due - dt.timedelta(minutes=1))
    time.sleep(2)
    broker.stop()
    while timezone.now() < due + dt.timedelta(seconds=TICK_SECONDS + 2):
        time.sleep(0.5)
    assert not StatusUpdate.objects.filter(incident=incident, slot="interval:1:1").exists()

    broker.start()
    back = time.monotonic()

    def arrived():
        return [
            m for m in smtp_server.to("per@aarhus.dk") if ":interval:1:1:" in m["X-Aktionskort-Key"]
        ]

    while not arrived() and time.monotonic() - back < 40:
        time.sleep(0.2)
    late = time.monotonic() - back
    assert arrived(), "the update that fell due during the outage never came"
    # One tick after Redis is back (the worker retries the broker every ≤ 3 s), plus
    # the delivery itself.
    assert late <= TICK_SECONDS + 3, f"{late:.1f} s after Redis returned"
    time.sleep(3)
    assert len(arrived()) == 1
    assert StatusUpdate.objects.filter(incident=incident, kind="update").count() == 1
    received = procs.copies(smtp_server, sms_gateway)
    assert {key: n for key, n in received.items() if n != 1} == {}
