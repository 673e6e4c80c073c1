"""The archive package of a closed incident, for aktindsigt and filing in the ESDH.

One zip:

- ``rapport.pdf``  the report as PDF/A-3a (fonts embedded, XMP metadata, tagged);
- ``haendelser.json`` / ``haendelser.csv``  every log entry with its event type and data;
- ``tal.csv``  every figure report;
- ``manifest.json``  the incident, the card version it ran on (with the SHA-256 of that
  version's snapshot) and the SHA-256 and size of every file above.

The JSON holds the facts exactly as stored (``event`` + ``data``), so the package can be
read back and compared with the database (the tests do); the CSV is for a spreadsheet.
"""

import csv
import hashlib
import io
import json
import zipfile

from django.utils import timezone

from incidents.models import Incident
from incidents.pdf.documents import ARCHIVAL, render_incident_report

FORMAT = "aktionskort-arkiv/1"
EVENT_FIELDS = (
    "sequence",
    "created_at",
    "device_written_at",
    "author",
    "kind",
    "event",
    "category",
    "text",
    "data",
    "corrects",
)
FIGURE_FIELDS = (
    "reported_at",
    "device_written_at",
    "reported_by",
    "source",
    "agents_on_duty",
    "agents_available",
    "calls_in_queue",
    "longest_wait_seconds",
    "average_wait_seconds",
)
# A fixed time inside the zip: the same data gives the same bytes.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _iso(value):
    return value.isoformat() if value else None


def _username(user):
    return user.get_username() if user else None


def archive_events(*, incident: Incident) -> list[dict]:
    """Every log entry as stored, oldest first (``corrects`` is the corrected sequence)."""
    entries = incident.log_entries.select_related("author", "corrects").order_by("sequence")
    return [
        {
            "sequence": e.sequence,
            "created_at": _iso(e.created_at),
            "device_written_at": _iso(e.device_written_at),
            "author": _username(e.author),
            "kind": e.kind,
            "event": e.event,
            "category": e.category,
            "text": e.text,
            "data": e.data,
            "corrects": e.corrects.sequence if e.corrects_id else None,
        }
        for e in entries.iterator(chunk_size=1000)
    ]


def archive_figures(*, incident: Incident) -> list[dict]:
    figures = incident.figures.select_related("reported_by").order_by("reported_at", "pk")
    return [
        {
            "reported_at": _iso(f.reported_at),
            "device_written_at": _iso(f.device_written_at),
            "reported_by": _username(f.reported_by),
            "source": f.source,
            "agents_on_duty": f.agents_on_duty,
            "agents_available": f.agents_available,
            "calls_in_queue": f.calls_in_queue,
            "longest_wait_seconds": f.longest_wait_seconds,
            "average_wait_seconds": f.average_wait_seconds,
        }
        for f in figures
    ]


def _csv(rows: list[dict], fields) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v
                for k, v in row.items()
            }
        )
    # With a BOM: Excel (what a caseworker opens it with) then reads æøå right.
    return out.getvalue().encode("utf-8-sig")


def snapshot_sha256(version) -> str:
    """The digest of a card version's snapshot, canonical JSON (sorted keys, UTF-8)."""
    blob = json.dumps(version.snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def _manifest(incident, files: dict[str, bytes]) -> bytes:
    version = incident.card_version
    manifest = {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "incident": {
            "id": incident.pk,
            "title": incident.title,
            "is_exercise": incident.is_exercise,
            "started_at": _iso(incident.started_at),
            "closed_at": _iso(incident.closed_at),
            "summary": incident.summary,
        },
        "card_version": {
            "card": version.card.slug,
            "title": version.card.title,
            "number": version.number,
            "published_at": _iso(version.published_at),
            "snapshot_sha256": snapshot_sha256(version),
        },
        "files": {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in files.items()
        },
        "pdf": "PDF/A-3a",
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2).encode()


def archive_build(*, incident: Incident) -> bytes:
    """The zip of a closed incident, as bytes."""
    incident = Incident.objects.select_related("card_version__card").get(pk=incident.pk)
    if incident.is_running:
        raise ValueError(f"Hændelse {incident.pk} er stadig i gang.")
    events = archive_events(incident=incident)
    figures = archive_figures(incident=incident)
    payload = {"incident": incident.pk, "events": events}
    files = {
        "rapport.pdf": render_incident_report(incident=incident, variant=ARCHIVAL),
        "haendelser.json": json.dumps(payload, ensure_ascii=False, indent=1).encode(),
        "haendelser.csv": _csv(events, EVENT_FIELDS),
        "tal.csv": _csv(figures, FIGURE_FIELDS),
    }
    files["manifest.json"] = _manifest(incident, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
