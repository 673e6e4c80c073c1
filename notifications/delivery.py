"""The delivery path of the outbox, in three short steps (services; the tasks call these).

1. **Claim** the row in its own committed transaction: state "sender", a new attempt id
   and a lease. A row whose lease ran out (its worker died) may be claimed again; that
   retry is marked as a possible duplicate, because the dead attempt may have been
   accepted by the server before it died.
2. **Send** with no database lock held. While a slow send runs, a lease keeper thread
   renews the lease, so a live attempt is never taken over; a dead one stops renewing.
3. **Confirm** "sendt" with one UPDATE of that row only, right after the server's 250.

Everything shared (the update's counts and its log line, the incident's revision) is
updated afterwards, outside the send path, and the sweep finishes it if a worker died in
between. Nothing in here sends while holding a lock on a row another sender needs.
"""

import datetime as dt
import logging
import threading
import uuid
from functools import partial

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from incidents.log import incident_touch, log_entry_create
from incidents.models import LogEntry
from notifications.channels import channel_for, delivery_error_for
from notifications.models import Channel, OutboxMessage, StatusUpdate, WorkerHeartbeat

logger = logging.getLogger(__name__)

# Retry delays never exceed this; the sweep, not a countdown, picks up a long backoff.
MAX_RETRY_DELAY_SECONDS = 600
# A retry this soon goes to the broker with a countdown; it must stay well below the
# Redis visibility_timeout (CELERY_BROKER_TRANSPORT_OPTIONS), or the broker would hand
# the waiting task to a second worker. Longer backoffs wait for the sweep.
MAX_COUNTDOWN_SECONDS = 30
WAITING = (OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING)


def outbox_enqueue(message_ids, *, countdown: float | None = None, queue: str | None = None) -> int:
    """Hand messages to Celery. Never raises: a broker outage leaves them to the sweep.

    ``queue="priority"`` is for the few messages a dead worker left half-sent: they go
    ahead of the backlog instead of behind it."""
    from config.celery import app as celery_app
    from notifications.tasks import outbox_message_deliver

    message_ids = list(message_ids)
    if not message_ids:
        return 0
    if countdown is not None:
        countdown = min(countdown, MAX_COUNTDOWN_SECONDS)
    sent = []
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            for pk in message_ids:
                outbox_message_deliver.apply_async(
                    (pk,), connection=connection, countdown=countdown, queue=queue
                )
                sent.append(pk)
    except Exception as exc:
        logger.warning(
            "Broker unavailable, %d outbox message(s) left for the sweep: %s",
            len(message_ids) - len(sent),
            exc,
        )
    if sent:
        # Recorded so the sweep does not enqueue the same backlog again at once.
        OutboxMessage.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent)


def enqueue_on_commit(message_ids, *, countdown=None) -> None:
    if message_ids:
        transaction.on_commit(partial(outbox_enqueue, list(message_ids), countdown=countdown))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)


def outbox_message_claim(*, message_id: int) -> tuple[OutboxMessage | None, str]:
    """Step 1: take the row for one attempt, committed before anything is sent."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("update", "recipient", "update__incident")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return None, "busy"
        if message.status == OutboxMessage.Status.SENDING:
            if message.lease_until and message.lease_until > now:
                return None, "leased"
            # The attempt that held it died after it may have handed the message over.
            message.possible_duplicate = True
        elif message.status != OutboxMessage.Status.QUEUED:
            return None, "done"
        elif message.next_attempt_at > now + dt.timedelta(seconds=1):
            return None, "not-due"
        message.status = OutboxMessage.Status.SENDING
        message.attempt_id = uuid.uuid4()
        message.lease_until = now + _lease()
        message.attempts += 1
        message.last_attempt_at = now
        if message.first_attempt_at is None:
            message.first_attempt_at = now
        message.save(
            update_fields=[
                "status", "attempt_id", "lease_until", "attempts", "last_attempt_at",
                "first_attempt_at", "possible_duplicate",
            ]
        )  # fmt: skip
    return message, "claimed"


class _LeaseKeeper(threading.Thread):
    """Renews a live attempt's lease every third of it; dies with its process."""

    def __init__(self, *, message_id: int, attempt_id):
        super().__init__(daemon=True, name=f"lease-{message_id}")
        self.message_id = message_id
        self.attempt_id = attempt_id
        self.finished = threading.Event()

    def run(self):
        period = settings.NOTIFY_LEASE_SECONDS / 3
        try:
            while not self.finished.wait(period):
                OutboxMessage.objects.filter(
                    pk=self.message_id,
                    attempt_id=self.attempt_id,
                    status=OutboxMessage.Status.SENDING,
                ).update(lease_until=timezone.now() + _lease())
        except Exception:
            logger.exception("Could not renew the lease of outbox message %s", self.message_id)
        finally:
            # The thread's own database connection, opened only if it renewed.
            connections.close_all()

    def stop(self):
        self.finished.set()


def _message_confirm(*, message: OutboxMessage, reference: str) -> None:
    """Step 3: one UPDATE of this row, nothing else, straight after the server said yes.

    Not filtered on the attempt id: if a second attempt took over a slow first one, both
    really sent, and whichever confirms first records it."""
    OutboxMessage.objects.filter(pk=message.pk, status=OutboxMessage.Status.SENDING).update(
        status=OutboxMessage.Status.SENT,
        sent_at=timezone.now(),
        provider_reference=(reference or "")[:200],
        last_error="",
        error_class="",
        lease_until=None,
    )


def _accepted(reference: str, *, message: OutboxMessage, keeper) -> None:
    keeper.stop()
    # From here on the server has the mail: a failure below must not count as a failed
    # send (that would retry it unmarked); the lease runs out instead and the retry is
    # marked as a possible duplicate.
    message.accepted = True
    _message_confirm(message=message, reference=reference)


def _retry_delay(attempts: int) -> float:
    return min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS)


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


def _attempt_failed(*, message: OutboxMessage, exc: Exception) -> str:
    error = delivery_error_for(exc)
    now = timezone.now()
    with transaction.atomic():
        current = (
            OutboxMessage.objects.select_for_update(of=("self",))
            .select_related("update", "recipient", "update__incident")
            .get(pk=message.pk)
        )
        taken_over = current.attempt_id != message.attempt_id
        if current.status != OutboxMessage.Status.SENDING or taken_over:
            return "taken-over"  # A later attempt owns the row now; it decides.
        text = str(error)
        delay = _retry_delay(current.attempts)
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


def outbox_message_deliver(*, message_id: int) -> str:
    """Deliver one outbox message; safe to call any number of times for the same row."""
    message, outcome = outbox_message_claim(message_id=message_id)
    if message is None:
        return outcome
    keeper = _LeaseKeeper(message_id=message.pk, attempt_id=message.attempt_id)
    keeper.start()
    extra = {}
    if message.channel == Channel.EMAIL:
        # Confirmed straight after the 250, before the QUIT round trip.
        extra["on_accepted"] = partial(_accepted, message=message, keeper=keeper)
    try:
        reference = channel_for(message.channel).send(
            update=message.update,
            address=message.address,
            reference=message.idempotency_key,
            **extra,
        )
    except Exception as exc:
        keeper.stop()
        if getattr(message, "accepted", False):
            raise
        outcome = _attempt_failed(message=message, exc=exc)
    else:
        keeper.stop()
        _message_confirm(message=message, reference=reference)
        outcome = "sent"
    if outcome != "retry":
        _after_attempt(message=message)
    return outcome


def outbox_messages_due(*, older_than_seconds: int) -> tuple[list[int], list[int]]:
    """What the sweep hands to the broker again: rows whose lease ran out (their worker
    died: few, and urgent), and queued rows that have been due a while with no recent
    enqueue (lost in a broker outage, reserved by a dead worker, or after a long
    backoff: these take their turn in the default queue)."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    expired = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING, lease_until__lt=now
    ).values_list("pk", flat=True)[:1000]
    queued = (
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=cutoff
        )
        .exclude(enqueued_at__gt=cutoff)
        .values_list("pk", flat=True)[:2000]
    )
    return list(expired), list(queued)


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
