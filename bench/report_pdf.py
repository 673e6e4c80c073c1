"""`make bench`: the incident report of a big closed incident, rendered by a real Celery
worker — 3,000 log entries and 300 figure reports (issue 13: < 20 s, < 300 MB).

The incident is written with bulk inserts in the shapes the services write (events with
data, figures, a status update with its outbox messages), closed, and its report is
requested through ``incident_report_request`` as a download would. A Celery worker
(``--pool=solo``, so the render runs in the process we measure) renders it; the figure
is the wall time from the request to the stored file, and the worker's peak resident
memory (``VmHWM`` of ``/proc/<pid>/status``) — the whole worker, Django included.

Runs in a fresh process of its own (``bench.run.run_helper``), after ``django.setup()``.
"""

import datetime as dt
import os
import random
import subprocess
import sys
import time
from pathlib import Path

LOG_ENTRIES = 3000
FIGURE_REPORTS = 300
RECIPIENTS = 40
ROOT = Path(__file__).resolve().parents[1]


def _step_data(step) -> dict:
    return {"step_id": step.pk, "step_key": step.key, "step_text": step.text}


def _figure_data(figure) -> dict:
    return {
        "figure_id": figure.pk,
        "agents_on_duty": figure.agents_on_duty,
        "agents_available": figure.agents_available,
        "calls_in_queue": figure.calls_in_queue,
        "longest_wait_seconds": figure.longest_wait_seconds,
        "average_wait_seconds": figure.average_wait_seconds,
        "source": figure.source,
    }


def _system_event(i, *, step, line, figures, rng):
    """Event and data of the ``i``-th entry when it is not a note (``i % 10 >= 4``)."""
    from incidents.models import LogEntry

    E = LogEntry.Event
    pick = i % 10
    if pick == 4:
        alternative = rng.choice(["", "", "1. scenarie", "2. scenarie"])
        return E.STEP_DONE, {
            **_step_data(step),
            "alternative": alternative.replace(". ", "-").replace(" ", "-"),
            "alternative_label": alternative,
        }
    if pick == 5:
        return E.STEP_REOPENED, {**_step_data(step), "reason": f"Genåbnet i benchmarken ({i})"}
    if pick == 6 and figures:
        return E.FIGURES_REPORTED, _figure_data(figures[i % len(figures)])
    if pick == 7:
        on = (i // 10) % 2 == 0
        return E.LINE_SWITCHED, {
            "line_slug": line.line_slug,
            "line_name": line.name,
            "from_announcement": "" if on else "nedbrud",
            "to_announcement": "nedbrud" if on else "",
            "to_announcement_title": "Nedbrud" if on else "",
        }
    return E.STEP_NOTE, {**_step_data(step), "note": f"Note {i} til trinnet."}


def _log_rows(incident, *, users, steps, lines, figures, n, rng):
    """``n`` log entries: notes of every category and the system events, as data."""
    from incidents.models import LogEntry

    C = LogEntry.Category
    rows = []
    for i in range(n):
        author = users[i % len(users)]
        if i % 10 < 4:
            kind, event, data = "manual", LogEntry.Event.NOTE, {}
            category = (C.INFORMATION, C.ACTION, C.DECISION, C.OMISSION)[i % 10]
            text = f"Logindlæg {i}: kø og bemanding noteret af {author.first_name}."
        else:
            kind, category, text = "system", C.INFORMATION, ""
            event, data = _system_event(
                i, step=steps[i % len(steps)], line=lines[i % len(lines)], figures=figures, rng=rng
            )
        rows.append(
            LogEntry(
                incident=incident,
                sequence=i + 1,
                created_at=incident.started_at + dt.timedelta(seconds=5 * i),
                author=author,
                kind=kind,
                event=event,
                category=category,
                text=text,
                data=data,
            )
        )
    return rows


def _figure_reports(incident, *, users, n, rng):
    from incidents.models import FigureReport

    return FigureReport.objects.bulk_create(
        FigureReport(
            incident=incident,
            reported_at=incident.started_at + dt.timedelta(minutes=k),
            reported_by=users[k % len(users)],
            agents_on_duty=(on := rng.randint(10, 40)),
            agents_available=rng.randint(0, on),
            calls_in_queue=rng.randint(0, 120),
            longest_wait_seconds=(longest := rng.randint(30, 3600)),
            average_wait_seconds=rng.randint(0, longest),
        )
        for k in range(n)
    )


def _delivered_update(incident):
    """A status update sent to ``RECIPIENTS`` e-mail recipients, every 20th marked a
    possible duplicate."""
    from django.utils import timezone

    from notifications.models import OutboxMessage, Recipient, StatusUpdate

    update = StatusUpdate.objects.create(
        incident=incident,
        slot="bench:1",
        reason="manual",
        subject="Benchmark",
        body_text="",
        body_html="",
        sms_text="",
    )
    recipients = Recipient.objects.bulk_create(
        Recipient(
            incident=incident,
            key=f"bench-{i}",
            name=f"Modtager {i}",
            source="adhoc",
            email=f"modtager{i}@example.invalid",
            channels="email",
        )
        for i in range(RECIPIENTS)
    )
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            update=update,
            recipient=r,
            channel="email",
            address=r.email,
            idempotency_key=f"bench:{incident.pk}:{r.pk}",
            status="sent",
            attempts=1,
            sent_at=timezone.now(),
            possible_duplicate=(i % 20 == 0),
        )
        for i, r in enumerate(recipients)
    )


def _close(incident, *, by, last_log_sequence):
    from django.utils import timezone

    from incidents.models import Incident

    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.CLOSED,
        closed_at=timezone.now(),
        closed_by=by,
        last_log_sequence=last_log_sequence,
        summary="Benchmarkens hændelse.",
        closing_checklist={
            "announcements_off": True,
            "crisis_team_informed": True,
            "yammer_posted": True,
        },
    )
    incident.refresh_from_db()


def create_big_incident(*, log_entries=LOG_ENTRIES, figure_reports=FIGURE_REPORTS):
    """A closed incident from every scenario of the seed card, with ``log_entries`` log
    entries, ``figure_reports`` figure reports and a delivered status update."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from cards.models import ActionCard
    from incidents import services
    from incidents.models import Incident

    User = get_user_model()
    users = [
        User.objects.get_or_create(username=f"rapport-{i}", defaults={"first_name": f"R {i}"})[0]
        for i in range(10)
    ]
    card = ActionCard.objects.get(slug="telefoni")
    slugs = list(card.scenarios.order_by("order", "pk").values_list("slug", flat=True))
    incident = services.incident_start(card=card, scenario_slug=slugs[0], user=users[0])
    for slug in slugs[1:]:
        services.incident_scenario_add(incident=incident, scenario_slug=slug, user=users[0])
    rng = random.Random(4711)
    start = timezone.now() - dt.timedelta(seconds=5 * log_entries + 60)
    Incident.objects.filter(pk=incident.pk).update(started_at=start)
    incident.refresh_from_db()
    figures = _figure_reports(incident, users=users, n=figure_reports, rng=rng)
    incident.log_entries.all().delete()
    rows = _log_rows(
        incident,
        users=users,
        steps=list(incident.steps.filter(kind__in=("action", "decision"))),
        lines=list(incident.phone_lines.all()),
        figures=figures,
        n=log_entries,
        rng=rng,
    )
    incident.log_entries.model.objects.bulk_create(rows, batch_size=500)
    _delivered_update(incident)
    _close(incident, by=users[0], last_log_sequence=log_entries)
    return incident


QUEUE = "bench-report"
WORKER_TIMEOUT = 120


def _start_worker():
    """A Celery worker on a queue of its own, rendering in its main process (solo)."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["-Q", QUEUE, "-l", "info", "--without-gossip", "--without-mingle"]
    command += ["--without-heartbeat", "-n", f"bench-report-{os.getpid()}@%h"]
    worker = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    for line in worker.stderr:  # pragma: no branch - "ready" comes within seconds
        if " ready." in line or time.monotonic() > deadline:
            break
    return worker


def _memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process: steadier than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report_render_in_worker(*, log_entries=LOG_ENTRIES, figure_reports=FIGURE_REPORTS) -> dict:
    """Request the report of a big closed incident and wait for the worker's render.

    ``ms`` is from the request to the stored file; ``peak_rss_mb`` the worker's peak
    resident memory (VmHWM), ``idle_rss_mb`` the worker's memory before the render.
    """
    from django.db import transaction

    from incidents import tasks
    from incidents.pdf.models import IncidentDocument
    from incidents.pdf.services import incident_document_request

    incident = create_big_incident(log_entries=log_entries, figure_reports=figure_reports)
    IncidentDocument.objects.filter(incident=incident).delete()
    worker = _start_worker()
    try:
        idle_kb = _memory_kb(worker.pid, "VmRSS")
        idle_cpu = _cpu_seconds(worker.pid)
        start = time.perf_counter()
        with transaction.atomic():
            # Also queued on the default queue, as a download does; whoever takes that
            # copy later finds the render claimed or done (nothing twice).
            doc = incident_document_request(incident=incident)
            # The download's request, sent to the bench worker's own queue.
            transaction.on_commit(
                lambda: tasks.incident_document_render.apply_async((doc.pk,), queue=QUEUE)
            )
        doc_id, deadline = doc.pk, time.monotonic() + WORKER_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            status = IncidentDocument.objects.values_list("status", flat=True).get(pk=doc_id)
            if status in ("ready", "failed"):
                break
            time.sleep(0.1)
        ms = (time.perf_counter() - start) * 1000
        peak_kb = _memory_kb(worker.pid, "VmHWM")
        cpu_ms = (_cpu_seconds(worker.pid) - idle_cpu) * 1000
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    row = IncidentDocument.objects.get(pk=doc_id)
    return {
        "status": status,
        "ms": round(ms, 1),
        "cpu_ms": round(cpu_ms),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "idle_rss_mb": round(idle_kb / 1024, 1),
        "bytes": row.size,
        "log_entries": log_entries,
        "figure_reports": figure_reports,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "error": row.error,
    }


if __name__ == "__main__":  # pragma: no cover - `python -m bench.report_pdf`
    import json

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps(report_render_in_worker()))
