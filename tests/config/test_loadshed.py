"""config/loadshed.py: a request that waited for a gthread worker's thread marks it behind."""

import time

from config import loadshed


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
