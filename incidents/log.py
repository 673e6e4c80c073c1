"""The lowest layer of the incidents app: append to the logbook, mark dashboard groups as
changed, and lock a running incident. It imports only models, so every other layer and app
(notifications, alerts, exercises, SMS in) can write to the log without importing the
incidents' services (which call notifications: the other way round would be a circle).

Entries are facts: ``event`` + ``data`` (keys on ``LogEntry.Event``); ``text`` is only what
a person wrote. ``incidents.events.entry_text`` renders the sentence in the reader's language.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, LogEntry

# The dashboard's fragment groups with a revision column of their own; the log's revision
# is ``last_log_sequence``, bumped by ``log_entry_create``.
GROUP_FIELDS = {
    "header": "rev_header",
    "steps": "rev_steps",
    "figures": "rev_figures",
    "lines": "rev_lines",
    "timers": "rev_timers",
    "notifications": "rev_notifications",
    "contacts": "rev_contacts",
}
ALL_GROUPS = tuple(GROUP_FIELDS)


class IncidentClosedError(ValidationError):
    """A write to an incident that has been closed: a ValidationError, so every caller that
    shows a service's refusal shows this one too (a closed incident is read-only)."""

    def __init__(self, incident: Incident):
        self.incident = incident
        when = timezone.localtime(incident.closed_at) if incident.closed_at else None
        if when is None:
            message = _("Hændelsen er afsluttet og kan ikke længere ændres.")
        else:
            message = _("Hændelsen blev afsluttet %(when)s og kan ikke længere ændres.") % {
                "when": when.strftime("%d.%m.%Y kl. %H:%M")
            }
        super().__init__(message, code="incident_closed")

    def __str__(self):
        return self.message


def incident_lock_running(incident_id: int) -> Incident:
    """Lock the incident row; refuse (IncidentClosedError) once it is closed.

    Every write to an incident or its notifications goes through here, so no write can
    slip in after (or concurrently with) ``incident_close``. Call inside a transaction.
    """
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if not incident.is_running:
        raise IncidentClosedError(incident)
    return incident


def incident_touch(*, incident_id: int, groups=ALL_GROUPS) -> None:
    """Mark ``groups`` of the incident's dashboard as changed: the next poll of every open
    dashboard brings those fragments, and only those. Unknown names are ignored."""
    bumps = {GROUP_FIELDS[g]: F(GROUP_FIELDS[g]) + 1 for g in groups if g in GROUP_FIELDS}
    Incident.objects.filter(pk=incident_id).update(revision=F("revision") + 1, **bumps)


@transaction.atomic
def log_entry_create(
    *,
    incident: Incident,
    text: str = "",
    author=None,
    kind: str = LogEntry.Kind.MANUAL,
    event: str = LogEntry.Event.NOTE,
    data: dict | None = None,
    category: str = LogEntry.Category.INFORMATION,
    corrects: LogEntry | None = None,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> LogEntry:
    """Append to the logbook with the next sequence number of the incident.

    The incident row is locked while the number is taken, so concurrent writers get
    1, 2, 3 … with no gaps and no duplicates.
    """
    locked = Incident.objects.select_for_update().only("pk").get(pk=incident.pk)
    Incident.objects.filter(pk=locked.pk).update(
        last_log_sequence=F("last_log_sequence") + 1,
        revision=F("revision") + 1,
    )
    sequence = Incident.objects.values_list("last_log_sequence", flat=True).get(pk=locked.pk)
    return LogEntry.objects.create(
        incident=locked,
        sequence=sequence,
        text=text,
        author=author,
        kind=kind,
        event=event,
        data=data or {},
        category=category,
        corrects=corrects,
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
    )
