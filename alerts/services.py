"""Writes for alerts: send to a role, re-send to those missing, acknowledge, subscribe.

Every delivery row is written in the caller's transaction and enqueued after commit;
if the broker is down then, the rows wait for the sweep (alerts.tasks)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.content import ack_token, sms_plain, token_hash
from alerts.delivery import enqueue_on_commit
from alerts.models import Alert, AlertRecipient, Delivery, PushSubscription
from contacts.models import Person
from core.names import person_name
from incidents.log import incident_touch, log_entry_create
from incidents.models import Incident, LogEntry
from notifications.content import sms_fit

MAX_TEXT = 300
WORK_PERMISSION = ("incidents", "work_incident")


def alert_audience(*, group: Group | None):
    """The active users an alert goes to: one role, or everyone who works incidents."""
    users = get_user_model().objects.filter(is_active=True)
    if group is not None:
        return users.filter(groups=group).distinct()
    perm = Permission.objects.get(
        content_type__app_label=WORK_PERMISSION[0], codename=WORK_PERMISSION[1]
    )
    return users.filter(Q(groups__permissions=perm) | Q(user_permissions=perm)).distinct()


def _phones_by_email(emails) -> dict[str, str]:
    """A user's mobile number is that of the contact person with the same e-mail."""
    people = Person.objects.filter(email__in=[e for e in emails if e]).exclude(phone="")
    return {p.email.lower(): p.phone for p in people}


def _deliveries_create(*, recipient: AlertRecipient, round_: int) -> list[int]:
    key = f"alert:{recipient.alert_id}:{recipient.user_id}:{round_}"
    rows = []
    if recipient.email:
        rows.append(Delivery(channel=Delivery.Channel.EMAIL, address=recipient.email))
    if recipient.phone:
        rows.append(Delivery(channel=Delivery.Channel.SMS, address=recipient.phone))
    for sub in PushSubscription.objects.filter(user_id=recipient.user_id, is_active=True):
        rows.append(Delivery(channel=Delivery.Channel.PUSH, address=sub.endpoint, subscription=sub))
    for row in rows:
        suffix = f":{row.subscription_id}" if row.subscription_id else ""
        row.recipient = recipient
        row.idempotency_key = f"{key}:{row.channel}{suffix}"
    # A new alert or a new round: the keys are new, so a plain insert (which sets the ids).
    return [r.pk for r in Delivery.objects.bulk_create(rows)]


@transaction.atomic
def alert_send(*, incident: Incident, user, text: str, group: Group | None, idempotency_key=None):
    """Alert ``group`` (None: everyone who works incidents) by e-mail, SMS and Web Push."""
    text = " ".join((text or "").split())
    if not text:
        raise ValidationError(_("Skriv en besked."))
    if len(text) > MAX_TEXT:
        too_long = _("Beskeden er for lang (%(n)s tegn, højst %(max)s).")
        raise ValidationError(too_long % {"n": len(text), "max": MAX_TEXT})
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if not locked.is_running:
        raise ValidationError(_("Hændelsen er afsluttet."))
    if idempotency_key and (found := Alert.objects.filter(idempotency_key=idempotency_key).first()):
        return found
    alert = Alert.objects.create(
        incident=locked, text=text, group=group, created_by=user, idempotency_key=idempotency_key
    )
    users = list(alert_audience(group=group))
    phones = _phones_by_email(u.email.lower() for u in users)
    recipients = AlertRecipient.objects.bulk_create(
        AlertRecipient(
            alert=alert,
            user=u,
            name=person_name(u)[:200],
            email=u.email,
            phone=phones.get(u.email.lower(), "") if u.email else "",
            token_hash=token_hash(ack_token(alert_id=alert.pk, user_id=u.pk)),
        )
        for u in users
    )
    ids = [pk for r in recipients for pk in _deliveries_create(recipient=r, round_=0)]
    log_entry_create(
        incident=locked,
        kind=LogEntry.Kind.SYSTEM,
        event=LogEntry.Event.ALERT_SENT,
        text=f"Alarm sendt til {len(recipients)} ({group.name if group else 'alle'}): {text}",
        data={"alert_id": alert.pk, "group": group.name if group else "", "recipients": len(users),
              "round": 0, "text": text},
    )  # fmt: skip
    incident_touch(incident_id=locked.pk, groups=("notifications",))
    enqueue_on_commit(ids)
    return alert


@transaction.atomic
def alert_resend_missing(*, alert: Alert, user) -> int:
    """Send again to everyone who has not acknowledged; returns how many."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if not alert.incident.is_running:
        raise ValidationError(_("Hændelsen er afsluttet."))
    alert.rounds += 1
    alert.save(update_fields=["rounds"])
    missing = list(alert.recipients.filter(acked_at__isnull=True))
    ids = [pk for r in missing for pk in _deliveries_create(recipient=r, round_=alert.rounds)]
    log_entry_create(
        incident=alert.incident,
        kind=LogEntry.Kind.SYSTEM,
        event=LogEntry.Event.ALERT_SENT,
        author=user,
        text=f"Alarm sendt igen til {len(missing)}, der ikke har kvitteret: {alert.text}",
        data={"alert_id": alert.pk, "group": alert.group.name if alert.group else "",
              "recipients": len(missing), "round": alert.rounds, "text": alert.text},
    )  # fmt: skip
    incident_touch(incident_id=alert.incident_id, groups=("notifications",))
    enqueue_on_commit(ids)
    return len(missing)


def _ack(recipient: AlertRecipient, via: str) -> AlertRecipient:
    if recipient.acked_at is None:
        # The alert's row is locked first, so of two last acks arriving together exactly
        # one sees "everyone has acknowledged" and logs it.
        alert = Alert.objects.select_for_update().get(pk=recipient.alert_id)
        changed = AlertRecipient.objects.filter(pk=recipient.pk, acked_at__isnull=True).update(
            acked_at=timezone.now(), acked_via=via
        )
        recipient.refresh_from_db()
        if changed and not alert.recipients.filter(acked_at__isnull=True).exists():
            _all_acked_log(alert)
        incident_touch(incident_id=recipient.alert.incident_id, groups=("notifications",))
    return recipient


def _all_acked_log(alert: Alert) -> None:
    """The fact the response metrics read: the time everyone alerted had acknowledged."""
    incident = Incident.objects.get(pk=alert.incident_id)
    log_entry_create(
        incident=incident,
        text="",
        kind=LogEntry.Kind.SYSTEM,
        event=LogEntry.Event.ALERT_ALL_ACKED,
        data={"alert_id": alert.pk, "recipients": alert.recipients.count()},
    )


def alert_recipient_for_token(token: str) -> AlertRecipient | None:
    if not token or len(token) > 64:
        return None
    return (
        AlertRecipient.objects.select_related("alert__incident")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def alert_ack_by_token(*, token: str) -> AlertRecipient | None:
    """The one tap: acknowledges once; a second tap changes nothing."""
    recipient = alert_recipient_for_token(token)
    return _ack(recipient, AlertRecipient.Via.LINK) if recipient else None


@transaction.atomic
def alert_ack_by_sms(*, user, incident: Incident | None = None) -> AlertRecipient | None:
    """``OK`` by SMS: the newest open alert of this person (in ``incident``, if given)."""
    open_ = AlertRecipient.objects.select_related("alert__incident").filter(
        user=user, acked_at__isnull=True, alert__incident__status=Incident.Status.RUNNING
    )
    if incident is not None:
        open_ = open_.filter(alert__incident=incident)
    recipient = open_.order_by("-alert__created_at", "-pk").first()
    return _ack(recipient, AlertRecipient.Via.SMS) if recipient else None


def push_subscription_save(*, user, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Store (or move to this user, or re-activate) a browser's subscription."""
    try:
        with transaction.atomic():
            sub, _created = PushSubscription.objects.update_or_create(
                endpoint=endpoint,
                defaults={"user": user, "p256dh": p256dh, "auth": auth, "is_active": True},
            )
    except IntegrityError:  # a concurrent save of the same endpoint won
        sub = PushSubscription.objects.get(endpoint=endpoint)
    return sub


def reply_sms_create(*, msisdn: str, text: str, key: str) -> Delivery | None:
    """An SMS reply (smsin), sent through the same delivery rows; ``key`` makes it once."""
    row, created = Delivery.objects.get_or_create(
        idempotency_key=f"reply:{key}"[:200],
        defaults={
            "channel": Delivery.Channel.SMS,
            "address": msisdn,
            "text": sms_fit(sms_plain(text), ""),
        },
    )
    if created:
        enqueue_on_commit([row.pk])
    return row
