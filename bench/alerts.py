"""`make bench`: one alert to N employees by SMS + e-mail, end to end (issue 15 §3).

A real Celery worker delivers to a real SMTP server (aiosmtpd) and to the GatewayAPI fake
of the tests (tests/notifications/fakes.py, which checks every /rest/mtsms request), both
in this process. N made-up Medarbejdere (user + contact person with e-mail and mobile)
are created, the alert is sent in one transaction, and the clock runs from its commit
until both servers have every message. Everything made is deleted afterwards.

Called by bench/run.py in a fresh process (``alert_end_to_end()``), or alone:
``DATABASE_URL=… REDIS_URL=… python -m bench.alerts``.
"""

import io
import logging
import os
import tempfile
import threading
import time
from pathlib import Path

from django.core.management import call_command
from django.db import transaction

from bench.procs import celery_worker_start, free_port

BENCH_PREFIX = "alarmbench"
TEXT = "Evakuering af Dokk1: arbejd efter 2. scenarie - Miralix Go"


class _Mails:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 OK"


def _employees(n: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from contacts.models import Person
    from core.roles import STAFF

    group = Group.objects.get(name=STAFF)
    users = []
    for i in range(n):
        email = f"{BENCH_PREFIX}{i}@example.invalid"
        user = get_user_model().objects.create_user(f"{BENCH_PREFIX}{i}", email=email,
                                                    first_name=f"Testbruger {i}")  # fmt: skip
        user.groups.add(group)
        Person.objects.create(slug=f"{BENCH_PREFIX}-{i}", name=f"Testperson {i}", email=email,
                              phone=f"0000{i:04d}")  # fmt: skip
        users.append(user)
    return users, group


def _cleanup():
    from django.contrib.auth import get_user_model

    from contacts.models import Person

    get_user_model().objects.filter(username__startswith=BENCH_PREFIX).delete()
    Person.objects.filter(slug__startswith=BENCH_PREFIX).delete()


def alert_end_to_end(*, employees: int = 100, concurrency: int = 2, timeout: float = 120) -> dict:
    """Milliseconds from the commit of ``alert_send`` to the last of 2 × N messages."""
    from aiosmtpd.controller import Controller

    from alerts.services import alert_send
    from cards.models import ActionCard
    from cards.selectors import published_version
    from incidents.models import Incident
    from tests.notifications.fakes import GatewayAPIServer

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    call_command("load_seed", stdout=io.StringIO())
    card = ActionCard.objects.get(slug="telefoni")
    load_before = os.getloadavg()
    mails, port = _Mails(), free_port()
    controller = Controller(mails, hostname="127.0.0.1", port=port)
    controller.start()
    gateway = GatewayAPIServer()
    gateway.start()
    workdir = Path(tempfile.mkdtemp(prefix="ak-bench-alerts-"))
    worker = celery_worker_start(
        name="bench-alerts",
        env_extra={"EMAIL_URL": f"smtp://127.0.0.1:{port}",
                   "SMS_BACKEND": "notifications.channels.GatewayAPISMSBackend",
                   "GATEWAYAPI_URL": gateway.url, "GATEWAYAPI_TOKEN": gateway.token},
        log_path=workdir / "worker.log", concurrency=concurrency,
    )  # fmt: skip
    incident = None
    try:
        _cleanup()
        _users, group = _employees(employees)
        incident = Incident.objects.create(
            card_version=published_version(card=card),
            title="Benchmark af alarmer", is_exercise=True,
        )  # fmt: skip
        began = time.perf_counter()
        with transaction.atomic():
            alert_send(incident=incident, user=None, group=group, text=TEXT)
        deadline = time.monotonic() + timeout
        while mails.count < employees or len(gateway.messages) < employees:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{mails.count} mails and {len(gateway.messages)} SMS of"
                                   f" {employees} each within {timeout} s")  # fmt: skip
            time.sleep(0.02)
        elapsed = (time.perf_counter() - began) * 1000
        return {"ms": round(elapsed, 1), "employees": employees, "mails": mails.count,
                "sms": len(gateway.messages), "invalid_sms": len(gateway.invalid),
                "load_before": [round(x, 2) for x in load_before],
                "load_after": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    finally:
        os.killpg(worker.pid, 15)
        worker.wait(30)
        controller.stop()
        gateway.stop()
        if incident is not None:
            incident.delete()
        _cleanup()


if __name__ == "__main__":
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(alert_end_to_end(), indent=2))
