"""Who signs in how: the provider's identity of a user, emergency accounts, and a record
of every emergency (password) login with its announcement to the administrators."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contacts.fields import PhoneField


class AccountProfile(models.Model):
    """What the app knows about a user beyond Django's User: the emergency flag, and the
    mobile number an emergency login is announced to (User has no phone field)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_profile"
    )
    is_emergency = models.BooleanField(
        _("nødkonto"),
        default=False,
        help_text=_(
            "Må logge ind med adgangskode, også når kommunens login er sat op. "
            "Hvert login meldes til administratorer og koordinatorer."
        ),
    )
    phone = PhoneField(_("mobilnummer"), blank=True)

    class Meta:
        verbose_name = _("kontoprofil")
        verbose_name_plural = _("kontoprofiler")

    def __str__(self):
        return str(self.user)


class ExternalIdentity(models.Model):
    """The provider's stable identifier of a person (issuer + ``sub``): a changed e-mail
    address or display name at the provider still finds the same user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique")
        ]
        verbose_name = _("ekstern identitet")
        verbose_name_plural = _("eksterne identiteter")

    def __str__(self):
        return f"{self.issuer} {self.subject}"


class EmergencyLogin(models.Model):
    """One password login while single sign-on was configured (the audit record)."""

    class Reason(models.TextChoices):
        IDP_UNREACHABLE = "idp_unreachable", _("Kommunens login svarede ikke")
        CHOSEN = "chosen", _("Nødadgang valgt, selvom kommunens login svarede")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sso_emergency_logins"
    )
    at = models.DateTimeField(_("tidspunkt"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP-adresse"), null=True, blank=True)
    reason = models.CharField(_("årsag"), max_length=30, choices=Reason.choices)
    # The path the password was typed on (the login page or the admin's).
    path = models.CharField(_("side"), max_length=200, blank=True)
    # When the last announcement was accepted by its server; empty while any is pending.
    announced_at = models.DateTimeField(_("meldt"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("nødlogin")
        verbose_name_plural = _("nødlogins")

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"


class EmergencyNotice(models.Model):
    """One announcement of an emergency login to one person on one channel: the outbox
    row its delivery claims, sends and confirms (as notifications.OutboxMessage does)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("I kø")
        SENDING = "sending", _("Sender")
        SENT = "sent", _("Sendt")
        FAILED = "failed", _("Fejlet")

    login = models.ForeignKey(EmergencyLogin, on_delete=models.CASCADE, related_name="notices")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("kanal"), max_length=20)
    address = models.CharField(_("adresse"), max_length=300)
    # emergency:<login>:<recipient>:<channel>: one row, so one message, per pair.
    idempotency_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    possible_duplicate = models.BooleanField(_("mulig dublet"), default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["login", "pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sso_notice_due_idx")]
        verbose_name = _("melding om nødlogin")
        verbose_name_plural = _("meldinger om nødlogin")

    def __str__(self):
        return self.idempotency_key


class SeenAssertion(models.Model):
    """A SAML assertion id already used to log in: a second use is a replay (sso/saml.py)."""

    assertion_id = models.CharField(max_length=256, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "brugt SAML-assertion"
        verbose_name_plural = "brugte SAML-assertions"

    def __str__(self):
        return self.assertion_id
