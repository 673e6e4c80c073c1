"""Benchmark helper for `make bench`: end-to-end time of one status update to N recipients.

Starts a real SMTP server (aiosmtpd, a dev dependency) in this process and a real Celery
worker in a subprocess on the configured database and broker (DATABASE_URL, REDIS_URL;
the embedded defaults work too), creates an exercise incident with N made-up recipients,
and measures from the commit of ``status_update_create`` until the SMTP server has
received every mail. The incident is deleted afterwards.
"""

import io
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

BASE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _CountingHandler:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.expected = 0

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
            if self.count >= self.expected:
                self.done.set()
        return "250 OK"


def _start_worker(*, smtp_port: int, log_path: Path, concurrency: int):
    env = dict(os.environ)
    env.update(
        {
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SMS_BACKEND": "notifications.channels.ConsoleSMSBackend",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    log = open(log_path, "wb")  # noqa: SIM115 - owned by the worker process
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker",
         f"--concurrency={concurrency}", "--loglevel=INFO", "--without-gossip",
         "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None or b" ready." in log_path.read_bytes():
            break
        time.sleep(0.2)
    if process.poll() is not None or b" ready." not in log_path.read_bytes():
        process.kill()
        raise RuntimeError(f"Celery worker did not start:\n{log_path.read_text()[-3000:]}")
    return process


def status_update_end_to_end_ms(
    *, recipients: int = 200, concurrency: int = 2, timeout: float = 300
) -> float:
    """Milliseconds from commit to the last of ``recipients`` mails at the SMTP server."""
    from aiosmtpd.controller import Controller

    from cards.models import ActionCard
    from cards.selectors import published_version
    from incidents.models import Incident
    from notifications.services import (
        recipient_add_adhoc,
        recipients_ensure_defaults,
        status_update_create,
    )

    # aiosmtpd logs every SMTP command at INFO: that would measure the logging.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("load_seed", stdout=io.StringIO())
    card = ActionCard.objects.get(slug="telefoni")
    handler = _CountingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    workdir = Path(tempfile.mkdtemp(prefix="ak-bench-"))
    worker = _start_worker(smtp_port=port, log_path=workdir / "worker.log", concurrency=concurrency)
    incident = None
    try:
        incident = Incident.objects.create(
            card_version=published_version(card=card),
            title="Benchmark af statusopdateringer",
            is_exercise=True,
        )
        # Only the bench's made-up recipients get mail, not the card's crisis team.
        recipients_ensure_defaults(incident=incident)
        incident.recipients.update(is_active=False)
        for n in range(recipients):
            recipient_add_adhoc(
                incident=incident, name=f"Testperson {n}", email=f"bench{n}@example.invalid"
            )
        handler.expected = recipients
        began = time.perf_counter()
        with transaction.atomic():
            status_update_create(incident=incident, reason="manual")
        if not handler.done.wait(timeout):
            raise TimeoutError(
                f"only {handler.count} of {recipients} mails arrived within {timeout} s"
            )
        return (time.perf_counter() - began) * 1000
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        controller.stop()
        if incident is not None:
            incident.delete()
