"""A worker that loses Redis while it holds an unacknowledged task stays up (core/broker.py).

With Celery 5.7's stock Redis transport it died: "Unrecoverable error: AttributeError("'NoneType'
object has no attribute 'hostname'")" from kombu's restore_unacked, seen in CI twice. Here the
worker holds the seed card's PDF bundle (seconds to render) when Redis stops; it must still be
running when Redis returns and carry out the next task it is sent.
"""

import re
import time

import pytest

from cards.models import CardVersion
from cards.tasks import card_bundle_render
from tests.faults import delivery_procs as procs
from tests.faults.test_delivery_kills import background  # noqa: F401 - the fixture

pytestmark = [
    pytest.mark.services,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

RECEIVED = re.compile(r"card_bundle_render\[[^\]]+\] received")
DONE = re.compile(r"card_bundle_render\[[^\]]+\] succeeded")


def _log(worker) -> str:
    return worker.log_path.read_text(errors="replace")


def _wait(worker, pattern, *, count, timeout, message):
    deadline = time.monotonic() + timeout
    while len(pattern.findall(_log(worker))) < count:
        assert worker.process.poll() is None, f"the worker died:\n{_log(worker)[-3000:]}"
        assert time.monotonic() < deadline, message
        time.sleep(0.05)


@pytest.fixture
def worker(background, tmp_path):  # noqa: F811
    """A worker with room for more tasks than it holds, so that it is waiting on Redis for the
    next one while it renders (the crash needs both), and its own media folder, so that the
    bundle is really rendered (seconds) rather than found on disk."""
    env = {**background.env, "MEDIA_ROOT": str(tmp_path / "media")}
    proc = procs.worker(env, tmp_path, "holder", concurrency=4)
    proc.start()
    yield proc
    if proc.process.poll() is None:
        proc.kill9()


def test_a_worker_holding_a_task_survives_redis_going_away_and_works_after(
    broker, seeded_card, worker
):
    _wait(worker, RECEIVED, count=1, timeout=60, message="the bundle task never arrived")
    broker.stop()
    # The outage must begin while the task is still unacknowledged, or this test proves nothing.
    assert not DONE.search(_log(worker)), "the bundle was done before Redis stopped"

    time.sleep(5)  # the worker notices, closes its connection and starts retrying
    assert worker.process.poll() is None, f"the worker died:\n{_log(worker)[-3000:]}"
    assert "Unrecoverable error" not in _log(worker)

    broker.start()
    version = CardVersion.objects.filter(card=seeded_card).latest("number")
    # Sent after Redis is back: the worker must reconnect and carry it out.
    card_bundle_render.delay(version.pk)
    _wait(worker, DONE, count=2, timeout=60, message="the worker did no work after Redis returned")
    assert worker.process.poll() is None
    assert "Unrecoverable error" not in _log(worker)
