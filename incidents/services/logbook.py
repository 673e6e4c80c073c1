"""The logbook entries a person writes (the system's entries are written by each service)."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents.log import log_entry_create
from incidents.models import Incident, LogEntry
from incidents.services.common import _replay_under_lock
from incidents.services.times import _device_time_check


@transaction.atomic
def incident_log_write(
    *,
    incident: Incident,
    text: str,
    author,
    category: str | None = None,
    corrects: LogEntry | None = None,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> LogEntry:
    """A log entry written by a person; a correction points at the entry it corrects.

    ``category`` is the logfører's kind (information, beslutning, handling, undladelse):
    Information when not given; a correction keeps the kind of the entry it corrects
    unless one is given explicitly. A replay of the same form (same ``idempotency_key``)
    answers the entry it wrote. ``device_written_at``: the phone's time, for an entry
    queued offline and sent later.
    """
    if replay := _replay_under_lock(LogEntry, incident=incident, idempotency_key=idempotency_key):
        return replay
    _device_time_check(incident, device_written_at)
    text = text.strip()
    if not text:
        raise ValidationError(_("Skriv en tekst til loggen."))
    if corrects is not None and corrects.incident_id != incident.pk:
        raise ValidationError(_("Rettelsen skal høre til samme hændelse."))
    if not category:
        category = corrects.category if corrects is not None else LogEntry.Category.INFORMATION
    if category not in LogEntry.Category.values:
        raise ValidationError(_("Vælg en art for indlægget."))
    return log_entry_create(
        incident=incident,
        text=text,
        author=author,
        category=category,
        corrects=corrects,
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
    )
