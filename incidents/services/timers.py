"""The incident's timers: moving a timer's start back to when the trouble began."""

import datetime as dt

from django.db import transaction

from incidents.models import Incident, IncidentTimer, LogEntry
from incidents.services.common import _lock_running, _system_entry
from incidents.services.times import incident_time_check


def timer_start_validate(*, incident: Incident, started_at: dt.datetime) -> None:
    incident_time_check(incident=incident, when=started_at, what="timer")


@transaction.atomic
def timer_start_set(*, timer: IncidentTimer, user, started_at: dt.datetime) -> IncidentTimer:
    """Move a timer's start back to when the trouble actually began."""
    incident = _lock_running(timer.incident_id)
    timer_start_validate(incident=incident, started_at=started_at)
    timer = IncidentTimer.objects.select_for_update().get(pk=timer.pk)
    before = timer.started_at
    timer.started_at = started_at
    timer.changed_by = user
    timer.save()
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.TIMER_MOVED,
        groups=("timers",),
        data={
            "timer_id": timer.pk,
            "timer_name": timer.name,
            "from_started_at": before.isoformat(),
            "to_started_at": started_at.isoformat(),
        },
    )
    return timer
