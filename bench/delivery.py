"""`make bench`: delivery under random kills (issue 18).

One status update to N made-up e-mail recipients, delivered by a real Celery worker and a
separate beat (the production sweep, lease and visibility timeout) to a real SMTP server
(aiosmtpd) in this process, while SIGKILL strikes at seeded random moments: mostly one
pool child, every third time the whole worker (then restarted, as docker's restart policy
does). Reports, counted at the SMTP server: duplicates per 1,000 messages, missing mails,
duplicates the app did not mark "mulig dublet", and the recovery time after a kill (from
the kill until every message that was being sent at that moment is sent).

Called by bench/run.py in a fresh process (``delivery_under_kills()``), or alone:
``DATABASE_URL=… REDIS_URL=… python -m bench.delivery``.
"""

import collections
import io
import logging
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from bench.procs import CELERY, celery_worker_argv, free_port

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_TIMING = {
    "NOTIFY_SWEEP_SECONDS": "2",
    "NOTIFY_SWEEP_AFTER_SECONDS": "8",
    "NOTIFY_LEASE_SECONDS": "6",
    "CELERY_VISIBILITY_TIMEOUT": "120",
    "NOTIFY_TICK_SECONDS": "60",
}


class _Counter:
    """Every copy the SMTP server accepted, by the message's stable key."""

    def __init__(self):
        self.lock = threading.Lock()
        self.copies = collections.Counter()

    async def handle_DATA(self, server, session, envelope):
        text = envelope.content.decode("utf-8", errors="replace")
        key = next(
            (line.split(":", 1)[1].strip() for line in text.splitlines()
             if line.lower().startswith("x-aktionskort-key:")),
            "",
        )  # fmt: skip
        with self.lock:
            self.copies[key] += 1
        return "250 OK"


class _Proc:
    def __init__(self, argv, env, log: Path, ready: bytes):
        self.argv, self.env, self.log, self.ready = argv, env, log, ready
        self.process = None

    def start(self, timeout=60):
        offset = self.log.stat().st_size if self.log.exists() else 0
        out = open(self.log, "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text()[-2000:])
            if self.ready in self.log.read_bytes()[offset:]:
                return
            time.sleep(0.1)
        raise RuntimeError(f"not ready: {self.argv}")

    def kill_child(self, rng) -> bool:
        children = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            children += [int(p) for p in (task / "children").read_text().split()]
        if not children:
            return False
        try:
            os.kill(rng.choice(children), signal.SIGKILL)
        except ProcessLookupError:
            return False
        return True

    def kill9(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


def _processes(env: dict, workdir: Path) -> tuple[_Proc, _Proc]:
    """A beat and a worker, not started yet."""
    beat = _Proc(
        [CELERY, "-A", "config", "beat", "--loglevel=INFO", "-s", str(workdir / "schedule")],
        env, workdir / "beat.log", b"beat: Starting",
    )  # fmt: skip
    worker = _Proc(
        celery_worker_argv(name="bench-delivery", concurrency=2),
        env, workdir / "worker.log", b" ready.",
    )  # fmt: skip
    return beat, worker


def _incident_with_recipients(*, recipients: int):
    """An exercise whose only recipients are ``recipients`` made-up e-mail addresses."""
    from bench.seed import exercise_incident
    from notifications.models import Recipient

    incident = exercise_incident(title="Benchmark: levering under nedbrud")
    Recipient.objects.bulk_create(
        Recipient(
            incident=incident, key=f"bench:{n}", name=f"Testperson {n}",
            email=f"bench{n}@example.invalid", channels="email", source="adhoc",
        )
        for n in range(recipients)
    )  # fmt: skip
    return incident


def _update_send(incident):
    """One status update; its outbox messages."""
    from django.db import transaction

    from notifications.models import OutboxMessage
    from notifications.services import status_update_create

    with transaction.atomic():
        update = status_update_create(incident=incident, reason="manual")
    return OutboxMessage.objects.filter(update=update)


def _strike(worker: _Proc, messages, *, kills: int, rng) -> list[tuple]:
    """Kill ``kills`` times at random moments: (wall time, what, ids being sent, busy)."""
    from django.utils import timezone

    struck = []
    for n in range(kills):
        time.sleep(rng.uniform(0.4, 1.4))
        whole = n % 3 == 2
        if whole:
            worker.kill9()
        elif not worker.kill_child(rng):
            continue
        at = timezone.now()
        busy = messages.filter(status__in=("queued", "sending")).exists()
        in_flight = list(messages.filter(status="sending").values_list("pk", flat=True))
        struck.append((at, "worker" if whole else "pool child", in_flight, busy))
        if whole:
            worker.start()
    return struck


def _wait_until_sent(messages, *, timeout: float):
    from django.utils import timezone

    deadline = time.monotonic() + timeout
    while messages.filter(status__in=("queued", "sending")).exists():
        if time.monotonic() > deadline:
            raise TimeoutError("not every message was sent in time")
        time.sleep(0.2)
    return timezone.now()


def _tally(messages, copies_by_key, struck, finished) -> dict:
    """What the SMTP server received, against the outbox rows and the kills."""
    rows = {m.idempotency_key: m for m in messages}
    copies = {key: copies_by_key[key] for key in rows}
    duplicates = {key: n - 1 for key, n in copies.items() if n > 1}
    recoveries = []
    for at, _what, ids, _busy in struck:
        sent = [m.sent_at for m in messages.filter(pk__in=ids) if m.sent_at]
        recoveries.append(round((max(sent) - at).total_seconds(), 1) if sent else 0.0)
    last = struck[-1][0] if struck else finished
    return {
        "messages": len(rows),
        "kills": len(struck),
        "worker_kills": sum(1 for kill in struck if kill[1] == "worker"),
        # Kills that struck while messages were still waiting: the ones that count.
        "kills_during_send": sum(1 for kill in struck if kill[3]),
        "missing": sum(1 for n in copies.values() if n == 0),
        "duplicates": sum(duplicates.values()),
        "duplicates_per_1000": round(sum(duplicates.values()) * 1000 / max(1, len(rows)), 2),
        "unmarked_duplicates": sum(1 for key in duplicates if not rows[key].possible_duplicate),
        "marked_possible_duplicates": sum(1 for m in rows.values() if m.possible_duplicate),
        "recovery_max_s": max(recoveries, default=0.0),
        "recoveries_s": recoveries,
        "complete_after_last_kill_s": round(max(0.0, (finished - last).total_seconds()), 1),
    }


def delivery_under_kills(
    *, recipients: int = 1000, kills: int = 10, seed: int = 18, timeout: float = 70
) -> dict:
    from aiosmtpd.controller import Controller
    from django.core.management import call_command

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    rng = random.Random(seed)
    call_command("load_seed", stdout=io.StringIO())
    counter = _Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    env = {
        **os.environ,
        **PRODUCTION_TIMING,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "SMS_BACKEND": "notifications.channels.ConsoleSMSBackend",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
    }
    beat, worker = _processes(env, Path(tempfile.mkdtemp(prefix="ak-bench-delivery-")))
    incident = None
    try:
        beat.start()
        worker.start()
        incident = _incident_with_recipients(recipients=recipients)
        began = time.monotonic()
        messages = _update_send(incident)
        struck = _strike(worker, messages, kills=kills, rng=rng)
        finished = _wait_until_sent(messages, timeout=timeout)
        total_s = time.monotonic() - began
        time.sleep(3)  # a late copy (a second sweep, a redelivered task) shows up here
        result = _tally(messages, counter.copies, struck, finished)
        return {**result, "total_s": round(total_s, 1), "seed": seed}
    finally:
        worker.kill9()
        beat.kill9()
        controller.stop()
        if incident is not None:
            incident.delete()


if __name__ == "__main__":
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(delivery_under_kills(), indent=2, default=str))
