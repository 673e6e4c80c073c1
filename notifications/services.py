"""Writes for notifications. The incidents app calls ``status_update_create`` inside its
own transactions (start, scenario added, close); the beat tick and the views call the rest.

The outbox rows are written in the caller's transaction and enqueued only after it
commits; if the broker is down then, the rows wait for the sweep.
"""

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cards.snapshots import CardSnapshot

# A module import: incidents.services calls back into this module (status updates).
from incidents import services as incident_services
from incidents.models import FigureReport, Incident, LogEntry
from incidents.selectors import incident_status_summary
from notifications.channels import DeliveryError, PermanentFailure, channel_for
from notifications.content import REASONS, reminder_render, status_update_render
from notifications.models import DEFAULT_CHANNEL_ORDER, OutboxMessage, Recipient, StatusUpdate
from notifications.selectors import update_schedule

logger = logging.getLogger(__name__)

CRISIS_TEAM_GROUP = "krisekommunikationsteamet"
# Retry delays never exceed this, so no countdown comes near the Redis
# visibility_timeout (3600 s), after which an unacked task would be redelivered.
MAX_RETRY_DELAY_SECONDS = 600


# --- Recipients -------------------------------------------------------------------------------


def _channels_for(*, email: str, phone: str, webhook_url: str, order=DEFAULT_CHANNEL_ORDER):
    addresses = {"email": email, "sms": phone, "webhook": webhook_url}
    return ",".join(c for c in order if addresses[c])


def _recipient_upsert(*, incident, key, name, email="", phone="", webhook_url="", **fields):
    """Create the recipient, or re-activate and widen an existing one with the same key."""
    recipient, created = Recipient.objects.get_or_create(
        incident=incident,
        key=key,
        defaults={
            "name": name,
            "email": email,
            "phone": phone,
            "webhook_url": webhook_url,
            "channels": _channels_for(email=email, phone=phone, webhook_url=webhook_url),
            **fields,
        },
    )
    if not created:
        recipient.is_active = True
        recipient.receives_updates |= fields.get("receives_updates", True)
        recipient.receives_reminders |= fields.get("receives_reminders", False)
        recipient.save(update_fields=["is_active", "receives_updates", "receives_reminders"])
    return recipient


def _person_key(person: dict) -> str:
    return f"person:{person['slug']}" if person.get("slug") else f"email:{person['email']}"


@transaction.atomic
def recipients_ensure_defaults(*, incident: Incident) -> None:
    """The card's crisis communication team gets updates; the log keeper gets reminders.

    Only once per incident: a recipient the coordinator removed stays removed.
    """
    if incident.recipients.filter(source=Recipient.Source.CARD).exists():
        return
    snapshot = CardSnapshot(incident.card_version.snapshot)
    group = snapshot.groups.get(CRISIS_TEAM_GROUP)
    for member in group["members"] if group else []:
        _recipient_upsert(
            incident=incident,
            key=_person_key(member),
            name=member["name"],
            email=member.get("email", ""),
            phone=member.get("phone", ""),
            source=Recipient.Source.CARD,
        )
    keeper = snapshot.log_keeper
    if keeper:
        _recipient_upsert(
            incident=incident,
            key=_person_key(keeper),
            name=keeper["name"],
            email=keeper.get("email", ""),
            phone=keeper.get("phone", ""),
            source=Recipient.Source.CARD,
            receives_updates=False,
            receives_reminders=True,
        )


@transaction.atomic
def recipient_add_person(*, incident: Incident, person, user=None) -> Recipient:
    recipient = _recipient_upsert(
        incident=incident,
        key=f"person:{person.slug}",
        name=person.name,
        email=person.email,
        phone=person.phone,
        source=Recipient.Source.PERSON,
        added_by=user,
    )
    incident_services.incident_touch(incident_id=incident.pk, groups=("notifications",))
    return recipient


@transaction.atomic
def recipient_add_group(*, incident: Incident, group, user=None) -> list[Recipient]:
    recipients = []
    for member in group.members.select_related("person"):
        if member.person_id:
            key, name = f"person:{member.person.slug}", member.person.name
        else:
            key, name = f"email:{member.email}", member.email
        recipients.append(
            _recipient_upsert(
                incident=incident,
                key=key,
                name=name,
                email=member.email_address,
                phone=member.phone,
                source=Recipient.Source.GROUP,
                added_by=user,
            )
        )
    incident_services.incident_touch(incident_id=incident.pk, groups=("notifications",))
    return recipients


@transaction.atomic
def recipient_add_adhoc(
    *,
    incident: Incident,
    name: str,
    email: str = "",
    phone: str = "",
    webhook_url: str = "",
    sms_first: bool = False,
    user=None,
) -> Recipient:
    order = ("sms", "email", "webhook") if sms_first else DEFAULT_CHANNEL_ORDER
    key = "adhoc:" + "|".join([email.lower(), phone, webhook_url])
    recipient, _created = Recipient.objects.update_or_create(
        incident=incident,
        key=key,
        defaults={
            "name": name or email or phone or webhook_url,
            "email": email,
            "phone": phone,
            "webhook_url": webhook_url,
            "channels": _channels_for(
                email=email, phone=phone, webhook_url=webhook_url, order=order
            ),
            "source": Recipient.Source.ADHOC,
            "receives_updates": True,
            "is_active": True,
            "added_by": user,
        },
    )
    incident_services.incident_touch(incident_id=incident.pk, groups=("notifications",))
    return recipient


@transaction.atomic
def recipient_remove(*, recipient: Recipient) -> None:
    # Kept, not deleted: the delivery history of earlier updates still points at it.
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    incident_services.incident_touch(incident_id=recipient.incident_id, groups=("notifications",))


# --- Creating updates -------------------------------------------------------------------------


def _event_slot(*, incident: Incident, reason: str, now) -> str:
    if reason in ("started", "closed"):
        return f"event:{reason}"
    if reason == "scenario_added":
        # The n-th scenario: repeating the same escalation creates nothing new.
        return f"event:scenario_added:{incident.scenarios.count()}"
    if reason == "manual":
        # A double click on "Send opdatering nu" within the minute sends one update.
        return f"manual:{timezone.localtime(now):%Y%m%d%H%M}"
    existing = incident.status_updates.filter(slot__startswith=f"event:{reason}:").count()
    return f"event:{reason}:{existing + 1}"


def outbox_enqueue(message_ids, *, countdown: float | None = None) -> int:
    """Hand messages to Celery. Never raises: a broker outage leaves them to the sweep."""
    from config.celery import app as celery_app
    from notifications.tasks import outbox_message_deliver

    message_ids = list(message_ids)
    if not message_ids:
        return 0
    sent = 0
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            for pk in message_ids:
                outbox_message_deliver.apply_async(
                    (pk,), connection=connection, countdown=countdown
                )
                sent += 1
    except Exception as exc:
        logger.warning(
            "Broker unavailable, %d outbox message(s) left for the sweep: %s",
            len(message_ids) - sent,
            exc,
        )
    return sent


def _enqueue_on_commit(message_ids, *, countdown=None) -> None:
    if message_ids:
        transaction.on_commit(partial(outbox_enqueue, list(message_ids), countdown=countdown))


def _outbox_create(*, update: StatusUpdate, recipients) -> list[int]:
    messages = []
    for recipient in recipients:
        channels = recipient.channel_list
        if not channels:
            continue  # Unreachable (no phone, no e-mail): shown on the panel instead.
        channel = channels[0]
        messages.append(
            OutboxMessage(
                update=update,
                recipient=recipient,
                channel=channel,
                address=recipient.address_for(channel),
                idempotency_key=OutboxMessage.key_for(
                    update=update, recipient=recipient, channel=channel
                ),
                created_at=update.created_at,
                next_attempt_at=update.created_at,
            )
        )
    OutboxMessage.objects.bulk_create(messages)
    # bulk_create sets pks on PostgreSQL and SQLite ≥ 3.35; read them back to be sure.
    return list(update.messages.values_list("pk", flat=True))


def _update_create(*, incident, slot, kind, reason, rendered, user, recipients):
    try:
        with transaction.atomic():
            update = StatusUpdate.objects.create(
                incident=incident,
                slot=slot,
                kind=kind,
                reason=reason,
                created_by=user,
                subject=rendered.subject,
                body_text=rendered.body_text,
                body_html=rendered.body_html,
                sms_text=rendered.sms_text,
            )
    except IntegrityError:
        return None  # The slot was taken concurrently: that update goes out instead.
    _enqueue_on_commit(_outbox_create(update=update, recipients=recipients))
    incident_services.incident_touch(incident_id=incident.pk, groups=("notifications",))
    return update


@transaction.atomic
def status_update_create(
    *, incident: Incident, reason: str, user=None, slot: str | None = None
) -> StatusUpdate | None:
    """Queue a status update to the incident's recipients (reason: started, scenario_added,
    closed, manual, scheduled). Returns None when the slot already has its update, or
    when the incident is closed and this is not its final update."""
    now = timezone.now()
    if incident.status == Incident.Status.CLOSED and reason != "closed":
        return None
    slot = slot or _event_slot(incident=incident, reason=reason, now=now)
    recipients_ensure_defaults(incident=incident)
    if StatusUpdate.objects.filter(incident=incident, slot=slot).exists():
        return None
    summary = incident_status_summary(incident=incident)
    rendered = status_update_render(summary=summary, reason=reason)
    return _update_create(
        incident=incident,
        slot=slot,
        kind=StatusUpdate.Kind.UPDATE,
        reason=reason,
        rendered=rendered,
        user=user,
        recipients=incident.recipients.filter(is_active=True, receives_updates=True),
    )


def _reminder_create(*, incident: Incident, index: int, due_at, now) -> StatusUpdate | None:
    interval = dt.timedelta(minutes=incident.update_interval_minutes)
    lead = min(dt.timedelta(minutes=settings.NOTIFY_REMINDER_MINUTES), interval / 2)
    if now < due_at - lead:
        return None
    slot = f"reminder:{incident.update_interval_minutes}:{index + 1}"
    if incident.status_updates.filter(slot=slot).exists():
        return None
    last = (
        incident.status_updates.filter(kind=StatusUpdate.Kind.UPDATE)
        .order_by("-created_at")
        .first()
    )
    since = last.created_at if last else incident.started_at
    if FigureReport.objects.filter(incident=incident, reported_at__gte=since).exists():
        return None
    summary = incident_status_summary(incident=incident)
    rendered = reminder_render(
        summary=summary, due_at=due_at, last_update_at=last.created_at if last else None
    )
    return _update_create(
        incident=incident,
        slot=slot,
        kind=StatusUpdate.Kind.REMINDER,
        reason="reminder",
        rendered=rendered,
        user=None,
        recipients=incident.recipients.filter(is_active=True, receives_reminders=True),
    )


def status_updates_due_create(*, now=None) -> list[StatusUpdate]:
    """The beat tick: every running incident's due update and reminder, at most one each.

    Idempotent: a redelivered or doubled tick finds the slots taken.
    """
    created = []
    for incident_id in Incident.objects.filter(status=Incident.Status.RUNNING).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            # Serialises with a concurrent close: a closed incident gets nothing more.
            incident = Incident.objects.select_for_update().get(pk=incident_id)
            current = now or timezone.now()
            schedule = update_schedule(incident=incident, now=current)
            if incident.status != Incident.Status.RUNNING or schedule is None:
                continue
            index, due_at = schedule
            if index >= 1:
                update = status_update_create(
                    incident=incident,
                    reason="scheduled",
                    slot=f"interval:{incident.update_interval_minutes}:{index}",
                )
                if update:
                    created.append(update)
            reminder = _reminder_create(incident=incident, index=index, due_at=due_at, now=current)
            if reminder:
                created.append(reminder)
    return created


# --- Delivering -------------------------------------------------------------------------------


def _retry_delay(attempts: int) -> float:
    return min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** (attempts - 1), MAX_RETRY_DELAY_SECONDS)


def _give_up(*, message: OutboxMessage, error: str) -> int | None:
    """Use the recipient's next channel, or mark the message failed and log it."""
    recipient = message.recipient
    next_channel = recipient.next_channel(message.channel)
    message.last_error = error[:2000]
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
    incident_services.log_entry_create(
        incident=message.update.incident,
        kind=LogEntry.Kind.SYSTEM,
        text=(
            f"{message.update.get_kind_display()} kunne ikke leveres til {recipient.name}"
            f" ({message.get_channel_display()} {message.address}): {error}"
        )[:2000],
    )
    return None


def _update_complete(*, update_id: int) -> None:
    """Log the update once, when its last message has been sent or has failed."""
    update = StatusUpdate.objects.select_for_update().get(pk=update_id)
    if update.completed_at or update.messages.filter(status=OutboxMessage.Status.QUEUED).exists():
        return
    update.completed_at = timezone.now()
    update.save(update_fields=["completed_at"])
    messages = update.messages.select_related("recipient")
    sent = [m for m in messages if m.status == OutboxMessage.Status.SENT]
    reached = {m.recipient_id for m in sent}
    total = {m.recipient_id for m in messages}
    what = REASONS.get(update.reason, update.get_kind_display())
    channels = ", ".join(sorted({m.get_channel_display() for m in sent})) or "-"
    incident_services.log_entry_create(
        incident=update.incident,
        kind=LogEntry.Kind.SYSTEM,
        text=(
            f"{update.get_kind_display()} sendt ({what}) til"
            f" {len(reached)} af {len(total)} modtagere via {channels}."
        ),
    )


def outbox_message_deliver(*, message_id: int) -> str:
    """Deliver one outbox message; safe to call any number of times for the same row.

    The row stays locked while the channel sends, so a redelivered task waits or skips
    and then finds it sent. A worker killed mid-send leaves the row queued (its
    transaction dies with it) for the sweep.
    """
    retry_after = None
    enqueue_next = None
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("update", "recipient", "update__incident")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return "busy"
        if message.status != OutboxMessage.Status.QUEUED:
            return "done"
        now = timezone.now()
        if message.next_attempt_at > now + dt.timedelta(seconds=1):
            return "not-due"
        first_attempt = message.first_attempt_at is None
        message.attempts += 1
        message.last_attempt_at = now
        if first_attempt:
            message.first_attempt_at = now
        try:
            reference = channel_for(message.channel).send(
                update=message.update,
                address=message.address,
                reference=message.idempotency_key,
            )
        except Exception as exc:
            error = exc if isinstance(exc, DeliveryError) else None
            text = str(exc) if error else f"Uventet fejl: {exc.__class__.__name__}: {exc}"
            permanent = isinstance(exc, PermanentFailure)
            delay = _retry_delay(message.attempts)
            deadline = message.first_attempt_at + dt.timedelta(
                seconds=settings.NOTIFY_RETRY_TOTAL_SECONDS
            )
            if permanent or now + dt.timedelta(seconds=delay) > deadline:
                if not permanent:
                    text = f"{text} (opgivet efter {message.attempts} forsøg)"
                enqueue_next = _give_up(message=message, error=text)
                outcome = "fallback" if enqueue_next else "failed"
            else:
                message.last_error = text[:2000]
                message.next_attempt_at = now + dt.timedelta(seconds=delay)
                message.save()
                retry_after = delay
                outcome = "retry"
        else:
            message.status = OutboxMessage.Status.SENT
            message.sent_at = timezone.now()
            message.provider_reference = reference[:200]
            message.last_error = ""
            message.save()
            outcome = "sent"
        if outcome != "retry" and enqueue_next is None:
            _update_complete(update_id=message.update_id)
        # Delivery progress changes the notifications panel and nothing else.
        incident_services.incident_touch(
            incident_id=message.update.incident_id, groups=("notifications",)
        )
        if enqueue_next:
            _enqueue_on_commit([enqueue_next])
        if retry_after:
            _enqueue_on_commit([message.pk], countdown=retry_after)
    return outcome


def outbox_sweep(*, older_than_seconds: int | None = None) -> int:
    """Re-enqueue queued messages whose attempt is overdue: lost in a broker outage, a
    crash between commit and enqueue, or a worker killed mid-send."""
    if older_than_seconds is None:
        older_than_seconds = settings.NOTIFY_SWEEP_AFTER_SECONDS
    cutoff = timezone.now() - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        OutboxMessage.objects.filter(
            status=OutboxMessage.Status.QUEUED, next_attempt_at__lte=cutoff
        ).values_list("pk", flat=True)[:2000]
    )
    return outbox_enqueue(ids)
