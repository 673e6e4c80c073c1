"""API tokens for integrations (the telephony platform, a script), stored hashed."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.models import ActionCard
from incidents.models.incident import Incident


def token_digest(raw: str) -> str:
    # A random 256-bit token needs no slow hash: nothing to brute-force from the digest.
    return hashlib.sha256(raw.encode()).hexdigest()


class IntegrationToken(models.Model):
    """An API token for one integration (the telephony platform, a script), stored hashed."""

    name = models.CharField(_("navn"), max_length=200)
    prefix = models.CharField(_("start af token"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("aktiv"), default=True)
    created_at = models.DateTimeField(_("oprettet"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("oprettet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("sidst brugt"), null=True, blank=True, editable=False)
    # Optional scope: a token for one card's incidents, or for one incident only.
    card = models.ForeignKey(
        ActionCard,
        verbose_name=_("kun hændelser fra kortet"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Tom: alle kort."),
    )
    incident = models.ForeignKey(
        Incident,
        verbose_name=_("kun hændelsen"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Tom: alle hændelser (fra kortet ovenfor, hvis det er valgt)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("API-token")
        verbose_name_plural = _("API-tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def allows(self, incident: Incident) -> bool:
        """Whether this token may report figures for ``incident`` (its scope, if any)."""
        if self.incident_id is not None and self.incident_id != incident.pk:
            return False
        return self.card_id is None or incident.card_version.card_id == self.card_id
