"""How far behind this gunicorn process is: the time the current request waited for a thread.

``config/gunicorn.py`` stamps every connection when the gthread worker queues it and
notes, when a thread picks it up, how long it waited. A request that waited is the sign
of a process short of CPU or threads; the dashboard then sheds polls first (a 204 with
Retry-After, no work) and keeps serving writes and pages. No Django imports: gunicorn
loads this before the app.
"""

import threading
import time

# A request that waited longer than this for a thread means the process is behind.
BEHIND_AFTER_SECONDS = 0.25
# ... and it stays "behind" for a while, so that the polls of the next seconds back off too.
REMEMBER_SECONDS = 10.0

_local = threading.local()
_behind_until = 0.0


def request_started(waited: float) -> None:
    global _behind_until
    _local.waited = waited
    if waited > BEHIND_AFTER_SECONDS:
        _behind_until = time.monotonic() + REMEMBER_SECONDS


def waited() -> float:
    """Seconds the current request waited in the worker's queue (0 outside gthread)."""
    return getattr(_local, "waited", 0.0)


def behind() -> bool:
    return waited() > BEHIND_AFTER_SECONDS or time.monotonic() < _behind_until


def mark_behind(seconds: float = REMEMBER_SECONDS) -> None:
    """For tests and for a process that knows it is short of CPU."""
    global _behind_until
    _behind_until = time.monotonic() + seconds


def reset() -> None:
    global _behind_until
    _behind_until = 0.0
    _local.waited = 0.0


def instrument(worker) -> None:
    """Wrap a gthread worker's queue so that each request knows how long it waited."""
    if not hasattr(worker, "enqueue_req") or not hasattr(worker, "tpool"):
        return  # a sync worker: one request at a time, nothing waits inside the process
    enqueue, handle = worker.enqueue_req, worker.handle

    def stamped_enqueue(conn):
        conn.ak_queued_at = time.monotonic()
        return enqueue(conn)

    def timed_handle(conn):
        queued = getattr(conn, "ak_queued_at", None)
        request_started(time.monotonic() - queued if queued else 0.0)
        return handle(conn)

    worker.enqueue_req, worker.handle = stamped_enqueue, timed_handle
