"""Processes for the delivery fault suite: Celery workers without embedded beat (so
every child of a worker is a pool process we may kill) and one separate beat, as
docker-compose runs them; and the counting of every copy the servers received."""

import collections
import os
import signal
from pathlib import Path

from notifications.models import OutboxMessage
from tests.notifications import processes
from tests.notifications.processes import CELERY

# The production defaults (config/settings.py), spelled out: the suite measures them,
# not the faster values the other delivery tests use.
PRODUCTION_TIMING = {
    "NOTIFY_SWEEP_SECONDS": "2",
    "NOTIFY_SWEEP_AFTER_SECONDS": "8",
    "NOTIFY_LEASE_SECONDS": "6",
    "CELERY_VISIBILITY_TIMEOUT": "120",
}


class Proc(processes.Proc):
    """A worker or beat whose pool children the fault tests kill one by one."""

    def children(self) -> list[int]:
        """The pool processes: every direct child of the worker's main process."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            text = (task / "children").read_text().split()
            pids += [int(p) for p in text]
        return pids

    def kill_child(self, rng) -> int | None:
        children = self.children()
        if not children:
            return None
        pid = rng.choice(children)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return None
        return pid


def worker(env, tmp_path: Path, name: str, concurrency: int = 2) -> Proc:
    argv = [str(CELERY), "-A", "config", "worker", f"--concurrency={concurrency}",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-n", f"{name}-{os.getpid()}@%h"]  # fmt: skip
    return Proc(argv, env, tmp_path / f"{name}.log", b" ready.")


def beat(env, tmp_path: Path) -> Proc:
    argv = [str(CELERY), "-A", "config", "beat", "--loglevel=INFO",
            "-s", str(tmp_path / "beat-schedule")]  # fmt: skip
    return Proc(argv, env, tmp_path / "beat.log", b"beat: Starting")


def copies(smtp, gateway) -> collections.Counter:
    """Every copy the servers accepted, per (incident:slot, recipient id)."""
    keys = [m["X-Aktionskort-Key"] for _rcpt, m in smtp.messages]
    keys += [body["userref"] for _msisdn, body in gateway.messages]
    return collections.Counter(tuple(k.rsplit(":", 2)[:2]) for k in keys)


def expected(incident) -> dict:
    """(incident:slot, recipient id) → was any of its messages marked "mulig dublet"."""
    marked: dict = {}
    rows = OutboxMessage.objects.filter(update__incident=incident).values_list(
        "update__slot", "recipient_id", "possible_duplicate", "status"
    )
    for slot, recipient, possible, status in rows:
        if status == OutboxMessage.Status.SUPERSEDED:
            continue
        key = (f"{incident.pk}:{slot}", str(recipient))
        marked[key] = marked.get(key, False) or possible
    return marked


def all_settled(incident) -> bool:
    messages = OutboxMessage.objects.filter(update__incident=incident)
    return messages.exists() and not messages.filter(status__in=("queued", "sending")).exists()
