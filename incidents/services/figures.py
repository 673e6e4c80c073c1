"""Figure reports: staffing and wait times, from a person, the offline queue or the API."""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import FigureReport, Incident, LogEntry
from incidents.services.common import _replay_under_lock, _system_entry
from incidents.services.times import _device_time_check, incident_time_check


@transaction.atomic
def figure_report_create(
    *,
    incident: Incident,
    user=None,
    source: str = "",
    agents_on_duty: int,
    agents_available: int,
    calls_in_queue: int,
    longest_wait_seconds: int,
    average_wait_seconds: int,
    reported_at=None,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> FigureReport:
    """Store one figure report; a replay (same ``idempotency_key``) answers the stored one.

    ``reported_at`` is when the server got it; ``device_written_at`` the phone's time for
    figures entered offline (both are shown when they differ)."""
    replay = _replay_under_lock(FigureReport, incident=incident, idempotency_key=idempotency_key)
    if replay:
        return replay
    _device_time_check(incident, device_written_at)
    if reported_at is not None:
        incident_time_check(incident=incident, when=reported_at)
    if agents_available > agents_on_duty:
        raise ValidationError(_("Der kan ikke være flere ledige end medarbejdere på vagt."))
    # The five figures as the form, the model and the log entry's facts all name them.
    figures = {
        "agents_on_duty": agents_on_duty,
        "agents_available": agents_available,
        "calls_in_queue": calls_in_queue,
        "longest_wait_seconds": longest_wait_seconds,
        "average_wait_seconds": average_wait_seconds,
    }
    report = FigureReport(
        incident_id=incident.pk,
        reported_by=user,
        source=source,
        reported_at=reported_at or timezone.now(),
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
        **figures,
    )
    report.full_clean(exclude=["incident", "idempotency_key"])
    report.save()
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.FIGURES_REPORTED,
        groups=("figures",),
        data={"figure_id": report.pk, **figures, "source": source},
        device_written_at=device_written_at,
    )
    return report
