"""Delivery of alerts and SMS replies: the status-update outbox's three steps, for
``Delivery`` rows (see notifications/delivery.py for the reasoning).

1. **Claim** in its own committed transaction: state "sender", an attempt id, a lease. A
   row whose lease ran out (its worker died) is claimed again and marked as a possible
   duplicate: the dead attempt may have been accepted.
2. **Send** with no lock held. No lease keeper: every channel here has a timeout well
   under the lease (ALERTS_LEASE_SECONDS), so a live attempt is never taken over.
3. **Confirm** "sendt" with one UPDATE of that row, straight after the server said yes
   (for e-mail after the 250, before QUIT).

The e-mail Message-ID and the SMS userref are the row's idempotency key on every attempt,
so a rare duplicate is folded by mail clients and recognisable at GatewayAPI.
"""

import datetime as dt
import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from alerts.content import (
    AlertEmail,
    SMSText,
    ack_token,
    ack_url,
    alert_push_payload,
    alert_sms_text,
)
from alerts.models import Delivery, PushSubscription
from alerts.push import SubscriptionGone, push_send
from incidents.log import incident_touch
from notifications.channels import channel_for, delivery_error_for

logger = logging.getLogger(__name__)


def deliveries_enqueue(delivery_ids) -> int:
    """Hand rows to Celery. Never raises: a broker outage leaves them to the sweep."""
    from alerts.tasks import delivery_send
    from config.celery import app as celery_app

    ids = list(delivery_ids)
    sent = []
    try:
        with celery_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
            for pk in ids:
                delivery_send.apply_async((pk,), connection=connection)
                sent.append(pk)
    except Exception as exc:
        logger.warning("Broker unavailable, %d alert deliveries left for the sweep: %s",
                       len(ids) - len(sent), exc)  # fmt: skip
    if sent:
        Delivery.objects.filter(pk__in=sent).update(enqueued_at=timezone.now())
    return len(sent)


def enqueue_on_commit(delivery_ids) -> None:
    ids = list(delivery_ids)
    if ids:
        transaction.on_commit(partial(deliveries_enqueue, ids))


def delivery_claim(*, delivery_id: int) -> tuple[Delivery | None, str]:
    now = timezone.now()
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient__alert__incident", "subscription")
            .filter(pk=delivery_id)
            .first()
        )
        if row is None:
            return None, "busy"
        if row.status == Delivery.Status.SENDING:
            if row.lease_until and row.lease_until > now:
                return None, "leased"
            row.possible_duplicate = True
        elif row.status != Delivery.Status.QUEUED:
            return None, "done"
        elif row.next_attempt_at > now + dt.timedelta(seconds=1):
            return None, "not-due"
        row.status = Delivery.Status.SENDING
        row.attempt_id = uuid.uuid4()
        row.lease_until = now + dt.timedelta(seconds=settings.ALERTS_LEASE_SECONDS)
        row.attempts += 1
        row.save(
            update_fields=["status", "attempt_id", "lease_until", "attempts", "possible_duplicate"]
        )
    return row, "claimed"


def _confirm(row: Delivery, reference: str) -> None:
    Delivery.objects.filter(pk=row.pk, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT,
        sent_at=timezone.now(),
        provider_reference=(reference or "")[:200],
        last_error="",
        lease_until=None,
    )


def _send(row: Delivery, on_accepted) -> str:
    if row.recipient_id is None:  # an SMS reply: its text is on the row
        return channel_for("sms").send(
            update=SMSText(row.text), address=row.address, reference=row.idempotency_key
        )
    recipient = row.recipient
    alert, incident = recipient.alert, recipient.alert.incident
    link = ack_url(ack_token(alert_id=alert.pk, user_id=recipient.user_id))
    if row.channel == Delivery.Channel.EMAIL:
        return channel_for("email").send(
            update=AlertEmail(alert=alert, incident=incident, link=link),
            address=row.address,
            reference=row.idempotency_key,
            on_accepted=on_accepted,
        )
    if row.channel == Delivery.Channel.SMS:
        text = alert_sms_text(alert=alert, incident=incident, link=link)
        return channel_for("sms").send(
            update=SMSText(text), address=row.address, reference=row.idempotency_key
        )
    sub = row.subscription
    return push_send(
        endpoint=sub.endpoint,
        p256dh=sub.p256dh,
        auth=sub.auth,
        payload=alert_push_payload(alert=alert, incident=incident, link=link),
    )


def _failed(row: Delivery, exc: Exception) -> str:
    error = delivery_error_for(exc)
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=row.pk)
        if current.status != Delivery.Status.SENDING or current.attempt_id != row.attempt_id:
            return "taken-over"
        current.last_error = f"[{error.error_class}] {error}"[:500]
        current.lease_until = None
        if isinstance(exc, SubscriptionGone):
            PushSubscription.objects.filter(pk=current.subscription_id).update(is_active=False)
        age = (timezone.now() - current.created_at).total_seconds()
        if error.permanent or age > settings.NOTIFY_RETRY_TOTAL_SECONDS:
            current.status = Delivery.Status.FAILED
            current.save()
            return "failed"
        delay = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** (current.attempts - 1), 600)
        current.status = Delivery.Status.QUEUED
        current.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
        current.enqueued_at = None  # the sweep picks it up once due
        current.save()
    return "retry"


def delivery_send(*, delivery_id: int) -> str:
    """Deliver one row; safe to call any number of times for the same row."""
    row, outcome = delivery_claim(delivery_id=delivery_id)
    if row is None:
        return outcome
    accepted = []

    def on_accepted(reference):
        accepted.append(reference)
        _confirm(row, reference)

    try:
        reference = _send(row, on_accepted)
    except Exception as exc:
        if accepted:  # the server has it: the lease runs out, the retry is marked
            raise
        outcome = _failed(row, exc)
    else:
        if not accepted:
            _confirm(row, reference)
        outcome = "sent"
    if row.recipient_id:
        incident_touch(incident_id=row.recipient.alert.incident_id, groups=("notifications",))
    return outcome


def deliveries_due(*, older_than_seconds: int) -> list[int]:
    """What the sweep hands to the broker again: expired leases (their worker died) and
    queued rows due for a while (lost in a broker outage, or after a backoff)."""
    now = timezone.now()
    expired = Delivery.objects.filter(status=Delivery.Status.SENDING, lease_until__lt=now)
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    queued = Delivery.objects.filter(
        status=Delivery.Status.QUEUED, next_attempt_at__lte=cutoff
    ).exclude(enqueued_at__gt=cutoff)
    ids = list(expired.values_list("pk", flat=True)[:1000])
    return ids + list(queued.values_list("pk", flat=True)[:2000])


def deliveries_sweep() -> int:
    return deliveries_enqueue(
        deliveries_due(older_than_seconds=settings.ALERTS_SWEEP_AFTER_SECONDS)
    )
