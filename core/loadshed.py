"""How far behind this gunicorn process is: how long requests wait for a thread, and how
many are waiting.

``config/gunicorn.py`` stamps every connection when the gthread worker queues it and
notes, when a thread picks it up, how long it waited; it also counts the requests queued
and not yet picked up. A request that waited, or a queue longer than a few rounds of the
threads, is the sign of a process short of CPU or threads; the dashboard then sheds polls
first (a 204 with Retry-After, no work) and keeps serving writes and pages. The queue
length is the early signal: it grows the moment arrivals outpace the threads, before any
request has waited long. No Django imports: gunicorn loads this before the app.
"""

import threading
import time

# A request that waited longer than this for a thread means the process is behind ...
BEHIND_AFTER_SECONDS = 0.2
# ... and so does a queue of more than this many requests per thread (set by instrument).
QUEUED_PER_THREAD = 2
# It stays "behind" for a while, so that the polls of the next seconds back off too.
REMEMBER_SECONDS = 5.0

_local = threading.local()
_behind_until = 0.0
_queue = {"waiting": 0, "limit": 0}
_lock = threading.Lock()


def request_started(waited: float) -> None:
    global _behind_until
    _local.waited = waited
    if waited > BEHIND_AFTER_SECONDS:
        _behind_until = time.monotonic() + REMEMBER_SECONDS


def request_queued() -> None:
    """A request is waiting for a thread; too many waiting marks the process behind."""
    global _behind_until
    with _lock:
        _queue["waiting"] += 1
        waiting = _queue["waiting"]
    if _queue["limit"] and waiting > _queue["limit"]:
        _behind_until = time.monotonic() + REMEMBER_SECONDS


def request_dequeued() -> None:
    with _lock:
        _queue["waiting"] = max(0, _queue["waiting"] - 1)


def queued() -> int:
    return _queue["waiting"]


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
    _queue["waiting"] = 0


def instrument(worker) -> None:
    """Wrap a gthread worker's queue so that each request knows how long it waited."""
    if not hasattr(worker, "enqueue_req") or not hasattr(worker, "tpool"):
        return  # a sync worker: one request at a time, nothing waits inside the process
    enqueue, handle = worker.enqueue_req, worker.handle
    threads = getattr(getattr(worker, "cfg", None), "threads", 0) or 4
    _queue["limit"] = QUEUED_PER_THREAD * threads

    def stamped_enqueue(conn):
        conn.ak_queued_at = time.monotonic()
        request_queued()
        return enqueue(conn)

    def timed_handle(conn):
        queued_at = getattr(conn, "ak_queued_at", None)
        if queued_at is not None:
            request_dequeued()
        request_started(time.monotonic() - queued_at if queued_at else 0.0)
        return handle(conn)

    worker.enqueue_req, worker.handle = stamped_enqueue, timed_handle
