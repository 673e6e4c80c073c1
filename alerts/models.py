"""Alerts to all employees (or one role), who acknowledged them, and the delivery rows.

An ``Alert`` goes to every active user of a role; each becomes an ``AlertRecipient``
with a one-time acknowledgement token (only its hash is stored; the token itself is
derived from the secret key, so a re-send carries the same link). Every (recipient,
channel, round) is one ``Delivery`` row, claimed, sent and confirmed the way the
status-update outbox does it (alerts/delivery.py). SMS replies to incoming messages
(smsin) are ``Delivery`` rows too, with their text and no recipient.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the PushSubscription JSON it gave us)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)
    # False once the push service said 404/410: the browser dropped the subscription.
    is_active = models.BooleanField(_("aktiv"), default=True)

    class Meta:
        verbose_name = _("push-abonnement")
        verbose_name_plural = _("push-abonnementer")

    def __str__(self):
        return f"{self.user_id}: {self.endpoint[:60]}"


class Alert(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alerts")
    text = models.CharField(_("besked"), max_length=300)
    # The role it went to; null: all Medarbejdere and Koordinatorer.
    group = models.ForeignKey(
        Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("sendt"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The form's key: a double-clicked send creates one alert.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # 0 = the first send; each re-send to those missing adds one.
    rounds = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["incident", "-created_at", "-pk"]
        verbose_name = _("alarm")
        verbose_name_plural = _("alarmer")

    def __str__(self):
        return self.text[:60]


class AlertRecipient(models.Model):
    class Via(models.TextChoices):
        LINK = "link", _("Link")
        SMS = "sms", _("SMS")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    # sha256 of the token in the link; the token is never stored.
    token_hash = models.CharField(max_length=64, unique=True)
    acked_at = models.DateTimeField(_("kvitteret"), null=True, blank=True)
    acked_via = models.CharField(_("kvitteret via"), max_length=10, choices=Via.choices, blank=True)

    class Meta:
        ordering = ["alert", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="alert_recipient_unique")
        ]
        verbose_name = _("alarmmodtager")
        verbose_name_plural = _("alarmmodtagere")

    def __str__(self):
        return self.name


class Delivery(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        SMS = "sms", _("SMS")
        PUSH = "push", _("Web Push")

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        SENDING = "sending", _("Sender")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Fejlet")

    recipient = models.ForeignKey(
        AlertRecipient, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # A push delivery's subscription (one row per subscribed browser).
    subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(_("kanal"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("adresse"), max_length=1000)
    # A reply's text (smsin); an alert's content is rendered from the alert when sent.
    text = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    attempt_id = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    possible_duplicate = models.BooleanField(_("mulig dublet"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # When last handed to the broker: the sweep skips rows enqueued recently, so a long
    # backlog is not enqueued again and again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(_("seneste fejl"), max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="alert_delivery_due_idx"),
        ]
        verbose_name = _("alarmlevering")
        verbose_name_plural = _("alarmleveringer")

    def __str__(self):
        return self.idempotency_key
