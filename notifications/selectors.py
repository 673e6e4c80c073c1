"""Reads for notifications: what the incident's notification panel shows."""

import datetime as dt

from django.utils import timezone

from incidents.models import Incident
from notifications.models import OutboxMessage, ScheduleFailure, StatusUpdate


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
        update.possible_duplicates = sum(1 for m in update.message_list if m.possible_duplicate)
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
        "updates": incident_recent_updates(incident=incident),
        "next_update_at": incident_next_update_at(incident=incident),
        "failed_count": OutboxMessage.objects.filter(
            update__incident=incident, status=OutboxMessage.Status.FAILED
        ).count(),
        "schedule_failure": ScheduleFailure.objects.filter(incident=incident).first()
        if incident.is_running
        else None,
    }


def delivery_backlog(*, now=None) -> dict:
    """The background path as the outbox sees it: how long the oldest due message has
    waited, and how long ago a worker last swept (beat + broker + worker all working).

    Two indexed queries; the dashboard caches the result (``delivery_stuck_warning``)."""
    from django.conf import settings
    from django.db.models import Max, Min

    from notifications.models import WorkerHeartbeat

    now = now or timezone.now()
    oldest = OutboxMessage.objects.filter(
        status__in=(OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING),
        next_attempt_at__lte=now,
    ).aggregate(oldest=Min("next_attempt_at"))["oldest"]
    seen = WorkerHeartbeat.objects.aggregate(seen=Max("seen_at"))["seen"]
    waited = max(0, int((now - oldest).total_seconds())) if oldest else 0
    heartbeat_age = int((now - seen).total_seconds()) if seen else None
    heartbeat_ok = heartbeat_age is not None and (
        heartbeat_age <= settings.NOTIFY_HEARTBEAT_STALE_SECONDS
    )
    return {
        "oldest_waiting_seconds": waited,
        "heartbeat_age_seconds": heartbeat_age,
        "heartbeat_ok": heartbeat_ok,
        "stuck": waited > settings.NOTIFY_STUCK_AFTER_SECONDS,
    }
