"""Delivery of alerts and SMS replies: ``Delivery`` rows claimed, sent and confirmed by
the shared outbox loop (core/outbox.py has the steps and their reasoning). No lease
keeper: every channel here has a timeout well under the lease (ALERTS_LEASE_SECONDS), so
a live attempt is never taken over. A failure is retried with a backoff until
NOTIFY_RETRY_TOTAL_SECONDS after the row was created.

The e-mail Message-ID and the SMS userref are the row's idempotency key on every attempt,
so a rare duplicate is folded by mail clients and recognisable at GatewayAPI.
"""

import datetime as dt
import logging
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
from core import outbox
from incidents.log import incident_touch
from notifications.channels import channel_for, delivery_error_for

logger = logging.getLogger(__name__)


DELIVERIES = outbox.Outbox(
    model=Delivery,
    lease_seconds=lambda: settings.ALERTS_LEASE_SECONDS,
    related=("recipient__alert__incident", "subscription"),
)


def deliveries_enqueue(delivery_ids) -> int:
    """Hand rows to Celery. Never raises: a broker outage leaves them to the sweep."""
    from alerts.tasks import delivery_send

    return outbox.outbox_rows_enqueue(
        DELIVERIES, delivery_ids, task=delivery_send, what="alert deliveries"
    )


def enqueue_on_commit(delivery_ids) -> None:
    ids = list(delivery_ids)
    if ids:
        transaction.on_commit(partial(deliveries_enqueue, ids))


def delivery_claim(*, delivery_id: int) -> tuple[Delivery | None, str]:
    return outbox.outbox_row_claim(DELIVERIES, pk=delivery_id)


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
        current = outbox.outbox_row_current(DELIVERIES, row=row)
        if current is None:
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
        delay = outbox.retry_delay(current.attempts, base=settings.NOTIFY_RETRY_BASE_SECONDS)
        current.status = Delivery.Status.QUEUED
        current.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
        current.enqueued_at = None  # the sweep picks it up once due
        current.save()
    return "retry"


def delivery_send(*, delivery_id: int) -> str:
    """Deliver one row; safe to call any number of times for the same row."""
    row, outcome = outbox.outbox_row_deliver(DELIVERIES, pk=delivery_id, send=_send, failed=_failed)
    if row is not None and row.recipient_id:
        incident_touch(incident_id=row.recipient.alert.incident_id, groups=("notifications",))
    return outcome


def deliveries_due(*, older_than_seconds: int) -> list[int]:
    """What the sweep hands to the broker again: expired leases (their worker died) and
    queued rows due for a while (lost in a broker outage, or after a backoff)."""
    now = timezone.now()
    expired = outbox.outbox_rows_expired(DELIVERIES, now=now)
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    queued = outbox.outbox_rows_waiting(DELIVERIES, cutoff=cutoff)
    ids = list(expired.values_list("pk", flat=True)[:1000])
    return ids + list(queued.values_list("pk", flat=True)[:2000])


def deliveries_sweep() -> int:
    return deliveries_enqueue(
        deliveries_due(older_than_seconds=settings.ALERTS_SWEEP_AFTER_SECONDS)
    )
