"""Status updates to the crisis communication team, and the outbox they are delivered from.

A ``StatusUpdate`` is one update slot of an incident ("interval:3", "event:started", …)
with its content rendered once, when it is created. Every (update, recipient, channel)
becomes one ``OutboxMessage`` row in the same transaction; Celery only ever delivers
rows, so nothing that was committed can be lost. A row is claimed (state "sender",
an attempt id and a lease) before its channel is called and confirmed right after; a
retry after an expired lease may repeat an accepted send and is marked as a possible
duplicate (see notifications/README.md, "Nothing lost, nothing twice").
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from notifications.webhooks import webhook_address_display


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


# The order a recipient's channels are tried in when nothing else is said.
DEFAULT_CHANNEL_ORDER = (Channel.EMAIL, Channel.SMS, Channel.WEBHOOK)


class Recipient(models.Model):
    """Someone who gets an incident's status updates (or, the log keeper, reminders)."""

    class Source(models.TextChoices):
        CARD = "card", _("Fra kortet")
        PERSON = "person", _("Tilføjet person")
        GROUP = "group", _("Tilføjet gruppe")
        ADHOC = "adhoc", _("Tilføjet adresse")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="recipients")
    # Identity within the incident ("person:per-ryolf", "email:x@y"): adding the same
    # person twice, e.g. directly and through a group, gives one recipient.
    key = models.CharField(max_length=300)
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    webhook_url = models.URLField(_("webhook-adresse"), blank=True, max_length=500)
    # Comma-separated, in the order they are tried: "email,sms".
    channels = models.CharField(_("kanaler"), max_length=60, blank=True)
    source = models.CharField(_("kilde"), max_length=20, choices=Source.choices)
    receives_updates = models.BooleanField(_("får statusopdateringer"), default=True)
    receives_reminders = models.BooleanField(_("får påmindelser"), default=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["incident", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="recipient_key_unique")
        ]
        verbose_name = _("modtager")
        verbose_name_plural = _("modtagere")

    def __str__(self):
        return self.name

    @property
    def channel_list(self) -> list[str]:
        return [c for c in self.channels.split(",") if c]

    @property
    def is_reachable(self) -> bool:
        return bool(self.channel_list)

    def address_for(self, channel: str) -> str:
        return {
            Channel.EMAIL: self.email,
            Channel.SMS: self.phone,
            Channel.WEBHOOK: self.webhook_url,
        }[channel]

    def next_channel(self, channel: str) -> str | None:
        order = self.channel_list
        if channel not in order:
            return None
        following = order[order.index(channel) + 1 :]
        return following[0] if following else None


class StatusUpdate(models.Model):
    """One update (or reminder) of an incident, with its content as it was sent."""

    class Kind(models.TextChoices):
        UPDATE = "update", _("Statusopdatering")
        REMINDER = "reminder", _("Påmindelse til logfører")
        # A one-off message of an exercise (an inject), not part of the update schedule.
        EXERCISE = "exercise", _("Øvelsesbesked")

    class Reason(models.TextChoices):
        """Why the update went out, as the history shows it. Not the field's ``choices``
        (that would take a migration for a label); ``get_reason_display`` reads it."""

        STARTED = "started", _("hændelsen startede")
        SCENARIO_ADDED = "scenario_added", _("scenarie tilføjet")
        CLOSED = "closed", _("hændelsen afsluttet")
        MANUAL = "manual", _("sendt manuelt")
        SCHEDULED = "scheduled", _("planlagt")
        REMINDER = "reminder", _("manglende tal")
        INJECT = "inject", _("inject i øvelse")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="status_updates")
    # The idempotency of scheduled and event updates: a redelivered beat tick or a
    # repeated event finds its slot taken and creates nothing.
    slot = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.UPDATE)
    reason = models.CharField(_("anledning"), max_length=40)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField()
    sms_text = models.TextField()
    # The Adaptive Card a Teams webhook gets (notifications.teams), rendered with the rest.
    teams_card = models.JSONField(default=dict, blank=True)
    # Set once, when the last message is sent or has failed (and the log says so).
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["incident", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "slot"], name="status_update_slot_unique")
        ]
        verbose_name = _("statusopdatering")
        verbose_name_plural = _("statusopdateringer")

    def __str__(self):
        return f"{self.incident_id}/{self.slot}"

    def get_reason_display(self) -> str:
        try:
            return self.Reason(self.reason).label
        except ValueError:  # a reason added later than this code: show it as it is
            return self.reason


class OutboxMessage(models.Model):
    """One message to deliver: an update to a recipient on one channel."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        # Claimed by one attempt, which holds a lease until it confirms or fails.
        SENDING = "sending", _("Sender")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Fejlet")
        SUPERSEDED = "superseded", _("Erstattet af næste kanal")

    update = models.ForeignKey(StatusUpdate, on_delete=models.CASCADE, related_name="messages")
    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("kanal"), max_length=20, choices=Channel.choices)
    address = models.CharField(_("adresse"), max_length=500)
    # incident:slot:recipient:channel
    idempotency_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveIntegerField(_("forsøg"), default=0)
    last_error = models.TextField(_("seneste fejl"), blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the next attempt may start: the backoff of a temporary failure.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The cap on retrying a temporary failure counts from here.
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sendt"), null=True, blank=True)
    # The attempt that holds the row while it sends, and until when: a lease that runs
    # out means its worker died, and the sweep lets another attempt claim the row.
    attempt_id = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    # When the id was last handed to the broker: the sweep re-enqueues a queued row
    # only if nothing did so recently, so a long backlog is not enqueued again and again.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    # A retry after an attempt that may have been accepted (its worker died after the
    # channel was called): the recipient may have this message twice.
    possible_duplicate = models.BooleanField(_("mulig dublet"), default=False)
    # The class of the last error (e.g. "BadHeaderError", "SMTP 550"): permanent errors
    # are logged with it.
    error_class = models.CharField(_("fejltype"), max_length=100, blank=True)

    class Meta:
        ordering = ["update", "recipient", "created_at", "pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["status", "lease_until"], name="outbox_lease_idx"),
        ]
        verbose_name = _("udgående besked")
        verbose_name_plural = _("udgående beskeder")

    def __str__(self):
        return self.idempotency_key

    @property
    def address_display(self) -> str:
        """The address as the panel, the log and the report show it: a webhook's path and
        query hold its secret, so only its host is shown."""
        if self.channel == Channel.WEBHOOK:
            return webhook_address_display(self.address)
        return self.address

    @staticmethod
    def key_for(*, update: StatusUpdate, recipient: Recipient, channel: str) -> str:
        return f"{update.incident_id}:{update.slot}:{recipient.pk}:{channel}"


class WorkerHeartbeat(models.Model):
    """The last time a worker ran the outbox sweep: proof that beat, the broker and a
    worker all work. Read by the readiness check and the dashboard's stuck warning."""

    name = models.CharField(max_length=200, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("arbejderpuls")
        verbose_name_plural = _("arbejderpulser")

    def __str__(self):
        return self.name


class ScheduleFailure(models.Model):
    """The beat tick could not create an incident's due update or reminder.

    One row per failing incident, deleted when a tick succeeds again: the dashboard shows
    it so the coordinator knows the crisis team is not getting their scheduled updates,
    while every other incident's updates go out as usual.
    """

    incident = models.OneToOneField(
        Incident, on_delete=models.CASCADE, related_name="schedule_failure"
    )
    failed_since = models.DateTimeField(_("fejler siden"), default=timezone.now)
    last_failed_at = models.DateTimeField(_("senest fejlet"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("forsøg"), default=1)
    error = models.CharField(_("fejl"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("fejl i planlagte opdateringer")
        verbose_name_plural = _("fejl i planlagte opdateringer")

    def __str__(self):
        return f"{self.incident_id}: {self.error}"
