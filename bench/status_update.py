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
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from bench.procs import celery_worker_start, free_port


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


def status_update_end_to_end_ms(
    *, recipients: int = 200, concurrency: int = 2, timeout: float = 300
) -> float:
    """Milliseconds from commit to the last of ``recipients`` mails at the SMTP server."""
    from aiosmtpd.controller import Controller

    from bench.seed import exercise_incident
    from notifications.services import recipient_add_adhoc, status_update_create

    # aiosmtpd logs every SMTP command at INFO: that would measure the logging.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("load_seed", stdout=io.StringIO())
    handler = _CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    workdir = Path(tempfile.mkdtemp(prefix="ak-bench-"))
    worker = celery_worker_start(
        name="bench",
        env_extra={
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "SMS_BACKEND": "notifications.channels.ConsoleSMSBackend",
        },
        log_path=workdir / "worker.log",
        concurrency=concurrency,
    )
    incident = None
    try:
        incident = exercise_incident(title="Benchmark af statusopdateringer")
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


if __name__ == "__main__":  # pragma: no cover - `python -m bench.status_update [N]`
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    ms = status_update_end_to_end_ms(recipients=count)
    print(f"status update to {count} recipients: {ms:.0f} ms")
