"""Writes to incidents. Every write bumps ``Incident.revision`` (the dashboard's ETag)."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from incidents.models import Incident, LogEntry


def incident_touch(*, incident_id: int) -> None:
    """Mark the incident as changed so every open dashboard refreshes on its next poll."""
    Incident.objects.filter(pk=incident_id).update(
        revision=F("revision") + 1, changed_at=timezone.now()
    )


@transaction.atomic
def log_entry_create(
    *,
    incident: Incident,
    text: str,
    author=None,
    kind: str = LogEntry.Kind.MANUAL,
    corrects: LogEntry | None = None,
) -> LogEntry:
    """Append to the logbook with the next sequence number of the incident.

    The incident row is locked while the number is taken, so concurrent writers get
    1, 2, 3 … with no gaps and no duplicates.
    """
    locked = Incident.objects.select_for_update().only("pk").get(pk=incident.pk)
    Incident.objects.filter(pk=locked.pk).update(
        last_log_sequence=F("last_log_sequence") + 1,
        revision=F("revision") + 1,
        changed_at=timezone.now(),
    )
    sequence = Incident.objects.values_list("last_log_sequence", flat=True).get(pk=locked.pk)
    return LogEntry.objects.create(
        incident=locked, sequence=sequence, text=text, author=author, kind=kind, corrects=corrects
    )
