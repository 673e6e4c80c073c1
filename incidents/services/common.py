"""What every write to an incident shares: the row lock, the replay of a post sent
twice, the card snapshot the incident started from, the name a log entry gives a person,
and the system's log entry that records the change.
"""

from django.utils.translation import gettext as _

from cards.models import CardVersion
from cards.snapshots import CardSnapshot
from core.names import person_name
from incidents.log import (
    IncidentClosedError,
    incident_lock_running,
    incident_touch,
    log_entry_create,
)
from incidents.models import Incident, LogEntry

SYSTEM = LogEntry.Kind.SYSTEM


def user_label(user) -> str:
    return person_name(user) or _("ukendt")


def _replayed(obj):
    """Mark an object found by its idempotency key: the post was a replay, nothing was written."""
    obj.replayed = True
    return obj


def _replay_under_lock(model, *, incident: Incident, idempotency_key):
    """The object an earlier post with this key created, or None; then the closed check.

    Looked up with the incident row locked, so the look-up and the insert after it cannot
    interleave with a concurrent post of the same key. Before the closed check: a phone
    retrying a post that was saved just before the incident closed gets its saved object.
    """
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if idempotency_key is not None:
        existing = model.objects.filter(incident_id=locked.pk, idempotency_key=idempotency_key)
        if (found := existing.first()) is not None:
            return _replayed(found)
    if not locked.is_running:
        raise IncidentClosedError(locked)
    return None


_lock_running = incident_lock_running


def _snapshot(incident: Incident) -> CardSnapshot:
    return CardSnapshot(
        CardVersion.objects.values_list("snapshot", flat=True).get(pk=incident.card_version_id)
    )


def _system_entry(
    *,
    incident: Incident,
    user,
    event: str,
    data: dict,
    groups=(),
    **offline,
) -> LogEntry:
    """The system's log entry for a change ``user`` made, after marking the dashboard
    ``groups`` the change touched (none: the caller has marked them already). ``offline``:
    the ``idempotency_key`` and ``device_written_at`` of a change a phone queued offline.

    Call while holding the incident row: the revisions and the entry's sequence number
    are taken under the same lock as the change."""
    if groups:
        incident_touch(incident_id=incident.pk, groups=groups)
    return log_entry_create(
        incident=incident, author=user, kind=SYSTEM, event=event, data=data, **offline
    )
