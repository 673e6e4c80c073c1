"""The status updates' outbox: what its delivery claims, sends and confirms with the
shared loop in core/outbox.py (the steps and their reasoning are there), and what a
failure means here: a backoff within NOTIFY_RETRY_TOTAL_SECONDS, then the recipient's
next channel or a failed log line.

Everything shared (the update's counts and its log line, the incident's revision) is
updated afterwards, outside the send path, and the sweep finishes it if a worker died in
between. Nothing in here sends while holding a lock on a row another sender needs.
"""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.tasks_by_name import task_named
from incidents.log import incident_touch, log_entry_create
from incidents.models import LogEntry
from notifications.channels import channel_for, delivery_error_for
from notifications.models import Channel, OutboxMessage, StatusUpdate, WorkerHeartbeat

logger = logging.getLogger(__name__)

# A retry this soon goes to the broker with a countdown; it must stay well below the
# Redis visibility_timeout (CELERY_BROKER_TRANSPORT_OPTIONS), or the broker would hand
# the waiting task to a second worker. Longer backoffs wait for the sweep.
MAX_COUNTDOWN_SECONDS = 30
WAITING = (OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING)
MESSAGES = outbox.Outbox(
    model=OutboxMessage,
    lease_seconds=lambda: settings.NOTIFY_LEASE_SECONDS,
    related=("update", "recipient", "update__incident"),
)


def outbox_enqueue(message_ids, *, countdown: float | None = None, queue: str | None = None) -> int:
    """Hand messages to Celery. Never raises: a broker outage leaves them to the sweep.

    ``queue="priority"`` is for the few messages a dead worker left half-sent: they go
    ahead of the backlog instead of behind it."""
    outbox_message_deliver = task_named("notifications.tasks.outbox_message_deliver")

    if countdown is not None:
        countdown = min(countdown, MAX_COUNTDOWN_SECONDS)
    return outbox.outbox_rows_enqueue(
        MESSAGES,
        message_ids,
        task=outbox_message_deliver,
        what="outbox message(s)",
        countdown=countdown,
        queue=queue,
    )


def enqueue_on_commit(message_ids, *, countdown=None) -> None:
    if message_ids:
        transaction.on_commit(partial(outbox_enqueue, list(message_ids), countdown=countdown))


def outbox_message_claim(*, message_id: int) -> tuple[OutboxMessage | None, str]:
    """Step 1: take the row for one attempt, committed before anything is sent."""
    return outbox.outbox_row_claim(MESSAGES, pk=message_id)


def _give_up(*, message: OutboxMessage, error: str, error_class: str) -> int | None:
    """Use the recipient's next channel, or mark the message failed and log it."""
    recipient = message.recipient
    next_channel = recipient.next_channel(message.channel)
    message.last_error = error[:2000]
    message.error_class = error_class[:100]
    message.lease_until = None
    if next_channel:
        message.status = OutboxMessage.Status.SUPERSEDED
        message.save()
        fallback, _created = OutboxMessage.objects.get_or_create(
            idempotency_key=OutboxMessage.key_for(
                update=message.update, recipient=recipient, channel=next_channel
            ),
            defaults={
                "update": message.update,
                "recipient": recipient,
                "channel": next_channel,
                "address": recipient.address_for(next_channel),
            },
        )
        return fallback.pk
    message.status = OutboxMessage.Status.FAILED
    message.save()
    log_entry_create(
        incident=message.update.incident,
        kind=LogEntry.Kind.SYSTEM,
        event=LogEntry.Event.UPDATE_FAILED,
        data={
            "update_id": message.update_id,
            "kind": message.update.kind,
            "channel": message.channel,
            "recipient": recipient.name,
            "address": message.address_display,
            "error_class": error_class[:100],
            "error": error[:1500],
        },
    )
    return None


def _attempt_failed(message: OutboxMessage, exc: Exception) -> str:
    error = delivery_error_for(exc)
    now = timezone.now()
    with transaction.atomic():
        current = outbox.outbox_row_current(MESSAGES, row=message, related=MESSAGES.related)
        if current is None:
            return "taken-over"  # A later attempt owns the row now; it decides.
        text = str(error)
        delay = outbox.retry_delay(current.attempts, base=settings.NOTIFY_RETRY_BASE_SECONDS)
        deadline = current.first_attempt_at + dt.timedelta(
            seconds=settings.NOTIFY_RETRY_TOTAL_SECONDS
        )
        if error.permanent or now + dt.timedelta(seconds=delay) > deadline:
            if error.permanent:
                # Permanent: the same on every attempt, so no 30 minutes of retries.
                logger.warning(
                    "Permanent %s failure (%s) for outbox message %s: %s",
                    current.channel, error.error_class, current.pk, text,
                )  # fmt: skip
            else:
                text = f"{text} (opgivet efter {current.attempts} forsøg)"
            fallback = _give_up(message=current, error=text, error_class=error.error_class)
            enqueue_on_commit([fallback] if fallback else [])
            return "fallback" if fallback else "failed"
        current.status = OutboxMessage.Status.QUEUED
        current.last_error = text[:2000]
        current.error_class = error.error_class[:100]
        current.next_attempt_at = now + dt.timedelta(seconds=delay)
        current.lease_until = None
        current.enqueued_at = None
        current.save()
        if delay <= MAX_COUNTDOWN_SECONDS:
            enqueue_on_commit([current.pk], countdown=delay)
    return "retry"


def status_update_complete(*, update_id: int) -> bool:
    """Log the update once, when its last message has been sent or has failed.

    Called after a confirm and by the sweep: never inside a send."""
    if OutboxMessage.objects.filter(update_id=update_id, status__in=WAITING).exists():
        return False
    with transaction.atomic():
        update = StatusUpdate.objects.select_for_update().get(pk=update_id)
        if update.completed_at or update.messages.filter(status__in=WAITING).exists():
            return False
        update.completed_at = timezone.now()
        update.save(update_fields=["completed_at"])
        messages = list(update.messages.all())
        sent = [m for m in messages if m.status == OutboxMessage.Status.SENT]
        reached = {m.recipient_id for m in sent}
        total = {m.recipient_id for m in messages}
        doubtful = {m.recipient_id for m in sent if m.possible_duplicate}
        channels = sorted({m.channel for m in sent})
        log_entry_create(
            incident=update.incident,
            kind=LogEntry.Kind.SYSTEM,
            event=LogEntry.Event.UPDATE_SENT,
            data={
                "update_id": update.pk,
                "kind": update.kind,
                "reason": update.reason,
                "channel": channels[0] if channels else "",
                "channels": channels,
                "recipients": len(reached),
                "total": len(total),
                "possible_duplicates": len(doubtful),
            },
        )
    return True


def _after_attempt(*, message: OutboxMessage) -> None:
    """The shared state, after the row is committed: the dashboards' revision and, when
    this was the update's last message, its log line. A crash here loses nothing: the
    sweep completes the update."""
    incident_touch(incident_id=message.update.incident_id, groups=("notifications",))
    status_update_complete(update_id=message.update_id)


def _send(message: OutboxMessage, on_accepted) -> str:
    extra = {}
    if message.channel == Channel.EMAIL:
        # Confirmed straight after the 250, before the QUIT round trip.
        extra["on_accepted"] = on_accepted
    return channel_for(message.channel).send(
        update=message.update,
        address=message.address,
        reference=message.idempotency_key,
        **extra,
    )


def outbox_message_deliver(*, message_id: int) -> str:
    """Deliver one outbox message; safe to call any number of times for the same row.
    A slow send keeps its lease alive (a lease keeper thread)."""
    message, outcome = outbox.outbox_row_deliver(
        MESSAGES,
        pk=message_id,
        send=_send,
        failed=_attempt_failed,
        keep_lease=True,
    )
    if message is not None and outcome != "retry":
        _after_attempt(message=message)
    return outcome


def outbox_messages_due(*, older_than_seconds: int) -> tuple[list[int], list[int]]:
    """What the sweep hands to the broker again: rows whose lease ran out (their worker
    died: few, and urgent), and queued rows that have been due a while with no recent
    enqueue (lost in a broker outage, reserved by a dead worker, or after a long
    backoff: these take their turn in the default queue)."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    expired = outbox.outbox_rows_expired(MESSAGES, now=now).values_list("pk", flat=True)
    queued = outbox.outbox_rows_waiting(MESSAGES, cutoff=cutoff).values_list("pk", flat=True)
    return list(expired[:1000]), list(queued[:2000])


def status_updates_unfinished_complete() -> int:
    """Log the updates whose last message was confirmed by a worker that died before it
    could log them."""
    ids = (
        StatusUpdate.objects.filter(completed_at__isnull=True, messages__isnull=False)
        .exclude(messages__status__in=WAITING)
        .values_list("pk", flat=True)
        .distinct()[:100]
    )
    return sum(status_update_complete(update_id=pk) for pk in ids)


def worker_heartbeat_record(*, name: str) -> None:
    WorkerHeartbeat.objects.update_or_create(name=name[:200], defaults={"seen_at": timezone.now()})
