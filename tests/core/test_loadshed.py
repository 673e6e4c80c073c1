"""core/loadshed.py: a request that waited for a gthread worker's thread marks it behind."""

import time

from core import loadshed


class FakeGthreadWorker:
    """The two methods of gunicorn's gthread worker that loadshed wraps, and its pool."""

    def __init__(self):
        self.tpool = object()
        self.queue = []
        self.waits = []

    def enqueue_req(self, conn):
        self.queue.append(conn)

    def handle(self, conn):
        self.waits.append(loadshed.waited())


class Conn:
    pass


def test_a_request_that_waited_marks_the_process_behind():
    loadshed.reset()
    worker = FakeGthreadWorker()
    loadshed.instrument(worker)

    quick = Conn()
    worker.enqueue_req(quick)
    worker.handle(worker.queue.pop())
    assert not loadshed.behind()

    slow = Conn()
    worker.enqueue_req(slow)
    time.sleep(loadshed.BEHIND_AFTER_SECONDS + 0.05)
    worker.handle(worker.queue.pop())

    assert worker.waits[1] > loadshed.BEHIND_AFTER_SECONDS
    assert loadshed.behind()
    loadshed.reset()
    assert not loadshed.behind()


def test_a_sync_worker_is_left_alone():
    class SyncWorker:
        def handle(self, listener, client, addr):
            return "handled"

    worker = SyncWorker()
    loadshed.instrument(worker)
    assert worker.handle(None, None, None) == "handled"
    assert not hasattr(worker, "ak_queued_at")


def test_a_queue_longer_than_the_threads_can_take_marks_the_process_behind():
    """The early signal: requests pile up before any of them has waited long."""
    loadshed.reset()
    worker = FakeGthreadWorker()
    loadshed.instrument(worker)
    limit = loadshed.QUEUED_PER_THREAD * 4  # the fake has no cfg: 4 threads, the default

    for _ in range(limit):
        worker.enqueue_req(Conn())
    assert loadshed.queued() == limit and not loadshed.behind()
    worker.enqueue_req(Conn())
    assert loadshed.behind()

    loadshed.reset()
    while worker.queue:
        worker.handle(worker.queue.pop())
    assert loadshed.queued() == 0 and not loadshed.behind()
