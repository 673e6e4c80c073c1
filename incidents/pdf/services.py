"""The rendered documents of a closed incident: the report (PDF/UA) and the archive
package (zip with the PDF/A report, the data and a manifest).

One mechanism for both: a document is *requested* (on close, and on every download whose
file is missing or stale), and a Celery task renders it in the worker — never in a web
request. The ``IncidentDocument`` row is the lock and the state: one render at a time per
incident (a document waits while its sibling renders, and is queued when that finishes);
a redelivered task or a second request while one is under way adds nothing; a file is
current when the fingerprint it was rendered from equals the fingerprint of the data now.
Files are written atomically, so a download is a whole file.
"""

import datetime as dt
import hashlib
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.tasks_by_name import task_enqueue_on_commit
from incidents.models import Incident
from incidents.pdf.models import IncidentDocument
from incidents.pdf.selectors import report_fingerprint
from printing.files import file_write_atomic

logger = logging.getLogger(__name__)

Kind = IncidentDocument.Kind
Status = IncidentDocument.Status
# A render that has not finished after this long died with its worker: claim it again.
RENDER_LEASE = dt.timedelta(minutes=10)
FILE_NAMES = {Kind.REPORT: "rapport.pdf", Kind.ARCHIVE: "arkiv.zip"}


def document_path_for(incident, kind: str = Kind.REPORT) -> Path:
    return Path(settings.MEDIA_ROOT) / "incidents" / str(incident.pk) / FILE_NAMES[kind]


def report_path_for(incident) -> Path:
    return document_path_for(incident, Kind.REPORT)


def document_fingerprint(*, incident, kind: str) -> str:
    base = report_fingerprint(incident=incident)
    if kind == Kind.REPORT:
        return base
    return hashlib.sha256(f"{kind}:{base}".encode()).hexdigest()


def document_build(*, incident, kind: str) -> bytes:
    """The bytes of a document, rendered now (worker, command)."""
    if incident.is_running:
        raise ValueError(f"Hændelse {incident.pk} er stadig i gang.")
    if kind == Kind.ARCHIVE:
        from incidents.pdf.archive import archive_build

        return archive_build(incident=incident)
    from incidents.pdf.documents import render_incident_report

    return render_incident_report(incident=incident)


def _locked_row(*, incident, kind) -> IncidentDocument:
    try:
        with transaction.atomic():
            IncidentDocument.objects.get_or_create(incident_id=incident.pk, kind=kind)
    except IntegrityError:  # a concurrent request created it first
        pass
    return IncidentDocument.objects.select_for_update().get(incident_id=incident.pk, kind=kind)


def _enqueue(document_id: int) -> None:
    # The row stays pending if the broker is down: the next download asks again.
    task_enqueue_on_commit(
        "incidents.tasks.incident_document_render",
        document_id,
        unsent="Kunne ikke sætte dokument %s i kø",
    )


def _render_is_alive(doc, now) -> bool:
    return doc.status == Status.RENDERING and doc.started_at and now - doc.started_at < RENDER_LEASE


@transaction.atomic
def incident_document_request(*, incident, kind: str = Kind.REPORT, retry: bool = False):
    """Make sure the current content of the document is on disk or on its way.

    Idempotent: a current file, a queued render of the same content or a live render
    answer as they are. A failed render stays failed (the page says so) until ``retry``.
    """
    now = timezone.now()
    fingerprint = document_fingerprint(incident=incident, kind=kind)
    doc = _locked_row(incident=incident, kind=kind)
    path = document_path_for(incident, kind)
    if doc.rendered_fingerprint == fingerprint and path.is_file():
        if doc.status != Status.READY or doc.fingerprint != fingerprint:
            doc.status, doc.fingerprint = Status.READY, fingerprint
            doc.save(update_fields=["status", "fingerprint"])
        return doc
    if _render_is_alive(doc, now):
        # The running render sees the new fingerprint when it finishes and goes again.
        if doc.fingerprint != fingerprint:
            doc.fingerprint = fingerprint
            doc.save(update_fields=["fingerprint"])
        return doc
    same = doc.fingerprint == fingerprint
    if same and doc.status == Status.PENDING and now - doc.requested_at < RENDER_LEASE:
        return doc
    if same and doc.status == Status.FAILED and not retry:
        return doc
    doc.fingerprint, doc.status, doc.requested_at, doc.error = fingerprint, Status.PENDING, now, ""
    doc.save(update_fields=["fingerprint", "status", "requested_at", "error"])
    _enqueue(doc.pk)
    return doc


def _sibling_rendering(doc, now) -> bool:
    return (
        IncidentDocument.objects.filter(
            incident_id=doc.incident_id, status=Status.RENDERING, started_at__gt=now - RENDER_LEASE
        )
        .exclude(pk=doc.pk)
        .exists()
    )


def _wake_siblings(doc) -> None:
    """Queue the incident's other documents that waited for this render to finish."""
    waiting = IncidentDocument.objects.filter(incident_id=doc.incident_id, status=Status.PENDING)
    for sibling_id in waiting.exclude(pk=doc.pk).values_list("pk", flat=True):
        _enqueue(sibling_id)


def _claim(document_id: int):
    """Take the render (or find it is not needed). Returns (doc, claim) or (None, None)."""
    now = timezone.now()
    with transaction.atomic():
        doc = (
            IncidentDocument.objects.select_for_update()
            .select_related("incident")
            .filter(pk=document_id)
            .first()
        )
        if doc is None or doc.incident.is_running:
            return None, None
        if doc.status in (Status.READY, Status.FAILED) or _render_is_alive(doc, now):
            return None, None
        if _sibling_rendering(doc, now):
            return None, None  # one render per incident: the sibling wakes us when done
        doc.status, doc.started_at, doc.claim = Status.RENDERING, now, uuid.uuid4()
        doc.attempts += 1
        doc.save(update_fields=["status", "started_at", "claim", "attempts"])
        return doc, doc.claim


def _finish(doc, claim, **fields) -> IncidentDocument | None:
    with transaction.atomic():
        row = IncidentDocument.objects.select_for_update().get(pk=doc.pk)
        if row.claim != claim:
            return None  # taken over after our lease ran out: theirs counts
        for name, value in fields.items():
            setattr(row, name, value)
        row.claim = None
        row.finished_at = timezone.now()
        row.save()
        return row


def incident_document_render(*, document_id: int) -> IncidentDocument | None:
    """Render a requested document: called by the worker's task, never by a view."""
    doc, claim = _claim(document_id)
    if doc is None:
        return None
    incident = doc.incident
    # Read before the data: if anything changes during the render, the file is stale.
    fingerprint = document_fingerprint(incident=incident, kind=doc.kind)
    try:
        data = document_build(incident=incident, kind=doc.kind)
        file_write_atomic(path=document_path_for(incident, doc.kind), data=data)
    except Exception as exc:
        logger.exception("Dokument %s (%s) for hændelse %s fejlede", doc.pk, doc.kind, incident.pk)
        _finish(doc, claim, status=Status.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:300])
        _wake_siblings(doc)
        return None
    row = _finish(
        doc,
        claim,
        rendered_fingerprint=fingerprint,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        status=Status.READY,
    )
    logger.info("Dokument skrevet: %s (%s bytes)", document_path_for(incident, doc.kind), len(data))
    if row is not None and row.fingerprint != fingerprint:
        # Asked for newer content while we rendered: one more render, queued once.
        incident_document_request(incident=incident, kind=row.kind)
    _wake_siblings(doc)
    return row


def incident_document_current(*, incident, kind: str = Kind.REPORT):
    """(path, doc) when the file on disk shows the data as it is now, else (None, doc)."""
    doc = IncidentDocument.objects.filter(incident_id=incident.pk, kind=kind).first()
    path = document_path_for(incident, kind)
    if doc is None or not doc.rendered_fingerprint or not path.is_file():
        return None, doc
    if doc.rendered_fingerprint != document_fingerprint(incident=incident, kind=kind):
        return None, doc
    return path, doc


def incident_report_write(*, incident) -> Path:
    """Render the report now and (re)write its file (the management command)."""
    data = document_build(incident=incident, kind=Kind.REPORT)
    path = file_write_atomic(path=report_path_for(incident), data=data)
    logger.info("Hændelsesrapport skrevet: %s", path)
    return path


def incident_report_schedule(*, incident) -> None:
    """On close (called inside ``incident_close``'s transaction): request the report, so the
    worker renders it once the close commits. A broker that is down does not stop the
    close; the first download asks again."""
    if isinstance(incident, Incident) and not incident.is_running:
        incident_document_request(incident=incident, kind=Kind.REPORT)
