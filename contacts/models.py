"""People, organisations, support lines and contact groups.

Contacts are global (one Per Ryolf, however many cards name him) and identified by a
slug, which is what card files refer to.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contacts.fields import PhoneField
from core.formatting import WEEKDAYS, hours_span, phone_display


class Organisation(models.Model):
    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Intern")
        VENDOR = "vendor", _("Leverandør")
        PARTNER = "partner", _("Samarbejdspartner")

    slug = models.SlugField(_("kort navn"), unique=True)
    name = models.CharField(_("navn"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    url = models.URLField(_("webadresse"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisationer")

    def __str__(self):
        return self.name


class Person(models.Model):
    slug = models.SlugField(_("kort navn"), unique=True)
    name = models.CharField(_("navn"), max_length=200)
    title = models.CharField(_("titel"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    phone = PhoneField(_("telefon"), blank=True)
    phone_secondary = PhoneField(_("anden telefon"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("person")
        verbose_name_plural = _("personer")

    def __str__(self):
        return self.name

    @property
    def phones(self):
        return [p for p in (self.phone, self.phone_secondary) if p]


class SupportLine(models.Model):
    """A phone line of an organisation with opening hours ("TDC support … kl. 8-16").

    No opening hours at all (``opens_at`` empty) means the card does not say: the card
    health check reports it rather than guessing.
    """

    slug = models.SlugField(_("kort navn"), unique=True)
    name = models.CharField(_("navn"), max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_lines",
    )
    phone = PhoneField(_("telefon"))
    days = models.CharField(
        _("åbningsdage"),
        max_length=40,
        blank=True,
        default="mon,tue,wed,thu,fri",
        help_text=_("Kommasepareret: mon,tue,wed,thu,fri,sat,sun"),
    )
    opens_at = models.TimeField(_("åbner"), null=True, blank=True)
    closes_at = models.TimeField(_("lukker"), null=True, blank=True)
    open_on_holidays = models.BooleanField(_("åben på helligdage"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("supportlinje")
        verbose_name_plural = _("supportlinjer")

    def __str__(self):
        return f"{self.name} ({phone_display(self.phone)})"

    @property
    def has_hours(self):
        return self.opens_at is not None and self.closes_at is not None

    @property
    def day_list(self):
        return [d for d in self.days.split(",") if d]

    def clean(self):
        unknown = [d for d in self.day_list if d not in WEEKDAYS]
        if unknown:
            raise ValidationError({"days": _("Ukendte dage: %s") % ", ".join(unknown)})
        if (self.opens_at is None) != (self.closes_at is None):
            raise ValidationError(_("Angiv både åbne- og lukketid, eller ingen af dem."))
        if self.has_hours and self.opens_at >= self.closes_at:
            raise ValidationError({"closes_at": _("Lukketid skal ligge efter åbningstid.")})

    def hours_label(self):
        if not self.has_hours:
            return ""
        return hours_span(self.opens_at, self.closes_at)

    def opening_state(self, now: dt.datetime):
        """(is_open, next_opening) in local time; next_opening is None when open or unknown."""
        from contacts.opening_hours import opening_state

        return opening_state(self, now)


class ContactGroup(models.Model):
    slug = models.SlugField(_("kort navn"), unique=True)
    name = models.CharField(_("navn"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("kontaktgruppe")
        verbose_name_plural = _("kontaktgrupper")

    def __str__(self):
        return self.name


class ContactGroupMember(models.Model):
    """A person, or a bare e-mail address the card names without saying whose it is."""

    group = models.ForeignKey(ContactGroup, on_delete=models.CASCADE, related_name="members")
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="group_memberships",
    )
    email = models.EmailField(_("e-mail"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("medlem")
        verbose_name_plural = _("medlemmer")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(person__isnull=False) & models.Q(email=""))
                | (models.Q(person__isnull=True) & ~models.Q(email="")),
                name="member_is_person_or_email",
            )
        ]

    def __str__(self):
        return str(self.person) if self.person_id else self.email

    def clean(self):
        if bool(self.person_id) == bool(self.email):
            raise ValidationError(_("Et medlem er enten en person eller en e-mailadresse."))

    @property
    def phone(self):
        return self.person.phone if self.person_id else ""

    @property
    def email_address(self):
        return self.person.email if self.person_id else self.email
