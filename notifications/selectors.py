"""Reads for notifications: what the incident's notification panel shows."""

import datetime as dt

from django.utils import timezone

from incidents.models import Incident
from notifications.models import OutboxMessage, Recipient, ScheduleFailure, StatusUpdate


def update_schedule(*, incident: Incident, now) -> tuple[int, dt.datetime] | None:
    """(index of the current interval since start, when the next update is due)."""
    if not incident.update_interval_minutes:
        return None
    interval = dt.timedelta(minutes=incident.update_interval_minutes)
    index = max(0, int((now - incident.started_at) / interval))
    return index, incident.started_at + (index + 1) * interval


def incident_recipients(*, incident: Incident):
    return incident.recipients.filter(is_active=True).order_by("added_at", "pk")


def incident_recent_updates(*, incident: Incident, limit: int = 5) -> list[StatusUpdate]:
    updates = list(incident.status_updates.order_by("-created_at", "-pk")[:limit])
    messages = (
        OutboxMessage.objects.filter(update__in=updates)
        .select_related("recipient")
        .order_by("recipient__name", "created_at", "pk")
    )
    by_update: dict[int, list[OutboxMessage]] = {}
    for message in messages:
        by_update.setdefault(message.update_id, []).append(message)
    for update in updates:
        update.message_list = by_update.get(update.pk, [])
        update.counts = {
            status: sum(1 for m in update.message_list if m.status == status)
            for status in OutboxMessage.Status.values
        }
    return updates


def incident_next_update_at(*, incident: Incident):
    if not incident.is_running:
        return None
    schedule = update_schedule(incident=incident, now=timezone.now())
    return schedule[1] if schedule else None


def incident_notification_panel(*, incident: Incident) -> dict:
    recipients = list(incident_recipients(incident=incident))
    return {
        "recipients": [r for r in recipients if r.receives_updates],
        "reminder_recipients": [r for r in recipients if r.receives_reminders],
        "unreachable": [r for r in recipients if not r.is_reachable],
        "updates": incident_recent_updates(incident=incident),
        "next_update_at": incident_next_update_at(incident=incident),
        "failed_count": OutboxMessage.objects.filter(
            update__incident=incident, status=OutboxMessage.Status.FAILED
        ).count(),
        "schedule_failure": ScheduleFailure.objects.filter(incident=incident).first()
        if incident.is_running
        else None,
    }


def recipient_get(*, pk: int) -> Recipient:
    return Recipient.objects.select_related("incident").get(pk=pk)
