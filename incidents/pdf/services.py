"""The incident report on disk: ``MEDIA_ROOT/incidents/<id>/rapport.pdf``.

Rendered by a Celery task once the closing transaction commits, and written atomically
(like the printed card), so a download is a file, never a half-written PDF. Delivery
states of the final status update change after the close; a report older than the last
change is rendered again on its next download.
"""

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction

from cards.pdf.services import _write_atomically
from incidents.pdf.documents import render_incident_report
from incidents.pdf.selectors import delivery_changed_at

logger = logging.getLogger(__name__)


def report_path_for(incident) -> Path:
    return Path(settings.MEDIA_ROOT) / "incidents" / str(incident.pk) / "rapport.pdf"


def incident_report_write(*, incident) -> Path:
    """Render the report of a closed ``incident`` and (re)write its file."""
    if incident.is_running:
        raise ValueError(f"Hændelse {incident.pk} er stadig i gang.")
    path = _write_atomically(report_path_for(incident), render_incident_report(incident=incident))
    logger.info("Hændelsesrapport skrevet: %s", path)
    return path


def report_is_current(*, incident, path: Path) -> bool:
    if not path.is_file():
        return False
    changed = delivery_changed_at(incident=incident)
    if changed is None:
        return True
    written = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return written >= changed


def ensure_incident_report(*, incident) -> Path:
    """The report file, rendered only if it is missing or older than a delivery change."""
    path = report_path_for(incident)
    if report_is_current(incident=incident, path=path):
        return path
    return incident_report_write(incident=incident)


def incident_report_schedule(*, incident) -> None:
    """Render the report in the background once the closing transaction commits.

    If the broker is down the close still succeeds; the first download renders instead.
    """
    from incidents.tasks import incident_report_render

    def enqueue():
        try:
            incident_report_render.delay(incident.pk)
        except Exception:
            logger.exception("Kunne ikke sætte rapport-opgaven i kø for hændelse %s", incident.pk)

    transaction.on_commit(enqueue)
