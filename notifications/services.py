"""Writes for notifications. The incidents app calls ``status_update_create`` inside its
own transactions (start, scenario added, close); the beat tick and the views call the rest.

The outbox rows are written in the caller's transaction and enqueued only after it
commits; if the broker is down then, the rows wait for the sweep.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cards.snapshots import CardSnapshot

# Only the incidents' lowest layer, models and read selectors: incidents.services calls
# this module (start, escalate, close), so importing it back would be a circle.
from incidents.log import incident_lock_running, incident_touch, log_entry_create
from incidents.models import FigureReport, Incident, LogEntry
from incidents.selectors import incident_status_summary
from notifications import delivery
from notifications.content import in_recipient_language, reminder_render, status_update_render

# outbox_message_deliver is re-exported: the tasks and the tests call it as services.*.
from notifications.delivery import (  # noqa: F401
    enqueue_on_commit,
    outbox_enqueue,
    outbox_message_deliver,
)
from notifications.models import (
    DEFAULT_CHANNEL_ORDER,
    OutboxMessage,
    Recipient,
    ScheduleFailure,
    StatusUpdate,
)
from notifications.selectors import incident_next_update_at, update_schedule
from notifications.webhooks import webhook_address_display

logger = logging.getLogger(__name__)

CRISIS_TEAM_GROUP = "krisekommunikationsteamet"


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


def _card_person_upsert(*, incident, person: dict, **fields) -> Recipient:
    """A person as the card's snapshot names them ({slug, name, email, phone})."""
    return _recipient_upsert(
        incident=incident,
        key=_person_key(person),
        name=person["name"],
        email=person.get("email", ""),
        phone=person.get("phone", ""),
        source=Recipient.Source.CARD,
        **fields,
    )


@transaction.atomic
def recipients_ensure_defaults(*, incident: Incident) -> None:
    """The card's crisis communication team gets updates; the log keeper gets reminders.

    Only once per incident: a recipient the coordinator removed stays removed. An
    exercise never reaches the real crisis team by default: its updates go to whoever the
    coordinator adds (and an exercise script's inject only to the team when it says so).
    """
    if incident.recipients.filter(source=Recipient.Source.CARD).exists():
        return
    snapshot = CardSnapshot(incident.card_version.snapshot)
    group = None if incident.is_exercise else snapshot.groups.get(CRISIS_TEAM_GROUP)
    for member in group["members"] if group else []:
        _card_person_upsert(incident=incident, person=member)
    keeper = snapshot.log_keeper
    if keeper:
        _card_person_upsert(
            incident=incident, person=keeper, receives_updates=False, receives_reminders=True
        )


def _lock_running(incident_id: int) -> Incident:
    """A closed incident is read-only: its recipients too (IncidentClosedError, a
    Danish ValidationError). Locks the incident row, serialising with its close."""
    return incident_lock_running(incident_id)


def _recipients_add(*, incident: Incident, people, source: str, user) -> list[Recipient]:
    """Add (or widen) recipients of a running incident: ``people`` are (key, name, e-mail,
    phone), read only once the incident is locked."""
    _lock_running(incident.pk)
    recipients = [
        _recipient_upsert(
            incident=incident,
            key=key,
            name=name,
            email=email,
            phone=phone,
            source=source,
            added_by=user,
        )
        for key, name, email, phone in people
    ]
    incident_touch(incident_id=incident.pk, groups=("notifications",))
    return recipients


@transaction.atomic
def recipient_add_person(*, incident: Incident, person, user=None) -> Recipient:
    (recipient,) = _recipients_add(
        incident=incident,
        people=[(f"person:{person.slug}", person.name, person.email, person.phone)],
        source=Recipient.Source.PERSON,
        user=user,
    )
    return recipient


def _group_people(group):
    """A contact group's members: a person keyed by their slug, a bare address by itself."""
    for member in group.members.select_related("person"):
        if member.person_id:
            key, name = f"person:{member.person.slug}", member.person.name
        else:
            key, name = f"email:{member.email}", member.email
        yield key, name, member.email_address, member.phone


@transaction.atomic
def recipient_add_group(*, incident: Incident, group, user=None) -> list[Recipient]:
    return _recipients_add(
        incident=incident, people=_group_people(group), source=Recipient.Source.GROUP, user=user
    )


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
    _lock_running(incident.pk)
    order = ("sms", "email", "webhook") if sms_first else DEFAULT_CHANNEL_ORDER
    key = "adhoc:" + "|".join([email.lower(), phone, webhook_url])
    recipient, _created = Recipient.objects.update_or_create(
        incident=incident,
        key=key,
        defaults={
            # A webhook's own address holds its secret: never its name.
            "name": name or email or phone or webhook_address_display(webhook_url),
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
    incident_touch(incident_id=incident.pk, groups=("notifications",))
    return recipient


@transaction.atomic
def recipient_remove(*, recipient: Recipient) -> None:
    _lock_running(recipient.incident_id)
    # Kept, not deleted: the delivery history of earlier updates still points at it.
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    incident_touch(incident_id=recipient.incident_id, groups=("notifications",))


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
                teams_card=rendered.teams_card,
            )
    except IntegrityError:
        return None  # The slot was taken concurrently: that update goes out instead.
    enqueue_on_commit(_outbox_create(update=update, recipients=recipients))
    incident_touch(incident_id=incident.pk, groups=("notifications",))
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
    with in_recipient_language():  # the summary's log lines too, not the clicker's language
        summary = incident_status_summary(incident=incident)
        rendered = status_update_render(
            summary=summary,
            reason=reason,
            next_update_at=incident_next_update_at(incident=incident),
        )
    return _update_create(
        incident=incident,
        slot=slot,
        kind=StatusUpdate.Kind.UPDATE,
        reason=reason,
        rendered=rendered,
        user=user,
        recipients=incident.recipients.filter(is_active=True, receives_updates=True),
    )


@transaction.atomic
def status_update_send_now(
    *, incident: Incident, user, idempotency_key=None
) -> tuple[StatusUpdate | None, bool]:
    """ "Send opdatering nu": (the update, whether it was there already).

    With the form's ``idempotency_key`` the slot is that key, so a replay of the same form
    (double tap, retry on a flaky phone, the offline queue) finds its update and sends
    nothing again; the unique (incident, slot) index settles two concurrent posts. Another
    form within the same minute still gets (None, False): one manual update a minute.
    """
    if idempotency_key is None:
        return status_update_create(incident=incident, reason="manual", user=user), False
    slot = f"manual:{idempotency_key}"
    existing = incident.status_updates.filter(slot=slot).first()
    if existing is not None:
        return existing, True
    minute = timezone.localtime().replace(second=0, microsecond=0)
    if incident.status_updates.filter(reason="manual", created_at__gte=minute).exists():
        return None, False
    update = status_update_create(incident=incident, reason="manual", user=user, slot=slot)
    if update is None:  # the same key won concurrently, or the incident has closed
        existing = incident.status_updates.filter(slot=slot).first()
        return existing, existing is not None
    return update, False


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
    with in_recipient_language():
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


def _incident_tick(*, incident_id: int, now) -> list[StatusUpdate]:
    """One incident's due update and reminder, in its own transaction."""
    created = []
    with transaction.atomic():
        # Serialises with a concurrent close: a closed incident gets nothing more.
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        current = now or timezone.now()
        schedule = update_schedule(incident=incident, now=current)
        if incident.status != Incident.Status.RUNNING or schedule is None:
            return created
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


def _schedule_failure_record(*, incident_id: int, exc: Exception) -> None:
    """Shown on the incident's dashboard; logged in the incident log the first time."""
    now = timezone.now()
    error = exc.__class__.__name__
    with transaction.atomic():
        failure, created = ScheduleFailure.objects.select_for_update().get_or_create(
            incident_id=incident_id,
            defaults={"failed_since": now, "last_failed_at": now, "error": error},
        )
        if not created:
            failure.attempts += 1
            failure.last_failed_at = now
            failure.error = error
            failure.save(update_fields=["attempts", "last_failed_at", "error"])
            return
        log_entry_create(
            incident=Incident.objects.get(pk=incident_id),
            kind=LogEntry.Kind.SYSTEM,
            event=LogEntry.Event.SCHEDULE_FAILED,
            data={"error_class": error},
        )


def _schedule_failure_clear(*, incident_id: int) -> None:
    with transaction.atomic():
        if ScheduleFailure.objects.filter(incident_id=incident_id).delete()[0]:
            log_entry_create(
                incident=Incident.objects.get(pk=incident_id),
                kind=LogEntry.Kind.SYSTEM,
                event=LogEntry.Event.SCHEDULE_RECOVERED,
            )


def status_updates_due_create(*, now=None) -> list[StatusUpdate]:
    """The beat tick: every running incident's due update and reminder, at most one each.

    Idempotent: a redelivered or doubled tick finds the slots taken. Each incident is
    isolated: one that fails (a bad row, a bug) is logged, shown on its dashboard and
    retried on the next tick, and every other incident's updates still go out.
    """
    created = []
    for incident_id in Incident.objects.filter(status=Incident.Status.RUNNING).values_list(
        "pk", flat=True
    ):
        try:
            created += _incident_tick(incident_id=incident_id, now=now)
        except Exception as exc:
            logger.exception(
                "Status update tick failed for incident %s; retried next tick", incident_id
            )
            try:
                _schedule_failure_record(incident_id=incident_id, exc=exc)
            except Exception:
                logger.exception("Could not record the tick failure of incident %s", incident_id)
            continue
        try:
            _schedule_failure_clear(incident_id=incident_id)
        except Exception:
            logger.exception("Could not clear the tick failure of incident %s", incident_id)
    return created


# --- Delivering -------------------------------------------------------------------------------
# The send path itself (claim, send, confirm) lives in notifications/delivery.py.


def outbox_sweep(*, older_than_seconds: int | None = None, worker: str = "") -> int:
    """Beat, every NOTIFY_SWEEP_SECONDS: hand to the broker again every message whose
    lease ran out (its worker died) or that has been due a while with nobody on it (lost
    in a broker outage or a crash between commit and enqueue); log the updates a dead
    worker finished sending but did not log; and record that the background path works."""
    if older_than_seconds is None:
        older_than_seconds = settings.NOTIFY_SWEEP_AFTER_SECONDS
    if worker:
        delivery.worker_heartbeat_record(name=worker)
    expired, overdue = delivery.outbox_messages_due(older_than_seconds=older_than_seconds)
    enqueued = outbox_enqueue(expired, queue="priority") if expired else 0
    enqueued += outbox_enqueue(overdue)
    delivery.status_updates_unfinished_complete()
    return enqueued
