"""Incoming SMS from staff, once each: the provider's message id is unique, so a webhook
the provider delivers twice is recorded (and answered) once."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident


class InboundSMS(models.Model):
    class Outcome(models.TextChoices):
        RECORDED = "recorded", _("Registreret")
        INVALID = "invalid", _("Fejl i beskeden")
        REFUSED = "refused", _("Ukendt afsender")
        RATE_LIMITED = "rate_limited", _("For mange beskeder")

    provider_message_id = models.CharField(max_length=100, unique=True)
    # The sender as the provider gives it: country code and number, digits only.
    msisdn = models.CharField(_("afsender"), max_length=20)
    text = models.TextField(_("tekst"))
    received_at = models.DateTimeField(_("modtaget"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    command = models.CharField(_("kommando"), max_length=10, blank=True)
    outcome = models.CharField(_("udfald"), max_length=20, choices=Outcome.choices)
    reply = models.TextField(_("svar"), blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("indgående SMS")
        verbose_name_plural = _("indgående SMS'er")

    def __str__(self):
        return f"{self.provider_message_id} ({self.outcome})"
