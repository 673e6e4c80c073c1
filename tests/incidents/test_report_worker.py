"""The report rendered by a real Celery worker on a real Redis broker (issue 13, part 5)."""

import io
import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from incidents import services, tasks
from incidents.pdf.models import IncidentDocument
from tests.incidents.factories import LogEntryFactory, incident_close_ticked
from tests.notifications.conftest import broker, postgres_required, redis_server  # noqa: F401
from tests.prodserver import database_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DECIDED = "Testbeslutning: vi lukker skranken kl. 12."


@pytest.fixture
def report_worker(broker, tmp_path, settings):  # noqa: F811
    postgres_required()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": broker.url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log = tmp_path / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--loglevel=INFO", "--without-gossip", "--without-mingle"]
    command += ["-n", f"report-test-{os.getpid()}@%h"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while b" ready." not in log.read_bytes():
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)
    yield log
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(30)


def _wait_ready(incident, log=None, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = IncidentDocument.objects.filter(incident=incident, kind="report").first()
        if doc and doc.status in ("ready", "failed"):
            return doc
        time.sleep(0.3)
    raise AssertionError(
        "the worker did not render the report in time:\n" + (log.read_text()[-3000:] if log else "")
    )


def test_the_worker_renders_the_report_on_close_once(report_worker, card, coordinator, client):
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    LogEntryFactory(incident=incident, author=coordinator, decision=True, text=DECIDED)
    incident_close_ticked(incident=incident, user=coordinator, summary="Testopsummering")

    doc = _wait_ready(incident, report_worker)
    assert doc.status == "ready", (doc.error, report_worker.read_text()[-3000:])
    tasks.incident_document_render.delay(doc.pk)  # a duplicate enqueue: nothing twice
    time.sleep(3)
    client.force_login(coordinator)
    response = client.get(reverse("incidents:report", args=[incident.pk]))

    doc.refresh_from_db()
    assert doc.attempts == 1
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response.streaming_content)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert DECIDED in " ".join(text.split())
    assert doc.size == len(pdf)
