"""Incidents: a running crisis worked from one or more scenarios of a published card.

An incident copies what it needs from the ``CardVersion`` it started from, so later
edits of the card never change what it shows.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.models import CardVersion


class Incident(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("I gang")
        CLOSED = "closed", _("Afsluttet")

    card_version = models.ForeignKey(
        CardVersion, verbose_name=_("kortversion"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("titel"), max_length=300)
    is_exercise = models.BooleanField(_("øvelse"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("startet"), default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("startet af"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("afsluttet"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("afsluttet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("opsummering"), blank=True, max_length=5000)
    update_interval_minutes = models.PositiveIntegerField(
        _("interval for statusopdateringer (min)"),
        default=30,
        validators=[MaxValueValidator(24 * 60)],
    )
    # Bumped by every write to the incident or anything in it: the dashboard poll's
    # ETag, so an unchanged poll costs one indexed query.
    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)
    # The last log sequence number handed out; incremented under a row lock.
    last_log_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("hændelse")
        verbose_name_plural = _("hændelser")
        permissions = [
            ("start_incident", _("Kan starte, eskalere og afslutte hændelser")),
            ("send_status_update", _("Kan sende statusopdateringer")),
            ("work_incident", _("Kan afkrydse trin og skrive i loggen")),
        ]

    def __str__(self):
        return self.title

    @property
    def is_running(self):
        return self.status == self.Status.RUNNING


class IncidentScenario(models.Model):
    """A scenario of the card version that this incident is worked from."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="scenarios")
    scenario_slug = models.SlugField()
    title = models.CharField(_("titel"), max_length=300)
    reason = models.CharField(_("årsag"), max_length=100)
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["added_at", "pk"]
        unique_together = [("incident", "scenario_slug")]

    def __str__(self):
        return self.title


class LogEntry(models.Model):
    """The logbook: append-only; a correction is a new entry pointing at the old one."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Notat")
        SYSTEM = "system", _("Hændelse")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="log_entries")
    sequence = models.PositiveIntegerField(_("nr."))
    created_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("forfatter"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.MANUAL)
    text = models.TextField(_("tekst"), max_length=2000)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("retter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )

    class Meta:
        ordering = ["incident", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "sequence"], name="log_sequence_unique")
        ]
        verbose_name = _("logindlæg")
        verbose_name_plural = _("logindlæg")

    def __str__(self):
        return f"#{self.sequence} {self.text[:60]}"


class FigureReport(models.Model):
    """Staffing and wait times at one moment: what the crisis team asks for."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="figures")
    reported_at = models.DateTimeField(_("tidspunkt"), default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("indberettet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("kilde"), max_length=100, blank=True)
    agents_on_duty = models.PositiveIntegerField(
        _("medarbejdere på vagt"), validators=[MaxValueValidator(1000)]
    )
    agents_available = models.PositiveIntegerField(
        _("ledige medarbejdere"), validators=[MaxValueValidator(1000)]
    )
    calls_in_queue = models.PositiveIntegerField(
        _("opkald i kø"), validators=[MaxValueValidator(10000)]
    )
    longest_wait_seconds = models.PositiveIntegerField(
        _("længste ventetid (sek.)"), validators=[MaxValueValidator(24 * 3600)]
    )
    average_wait_seconds = models.PositiveIntegerField(
        _("gennemsnitlig ventetid (sek.)"), validators=[MaxValueValidator(24 * 3600)]
    )

    class Meta:
        ordering = ["incident", "reported_at"]
        get_latest_by = "reported_at"
        verbose_name = _("tal for bemanding og ventetid")
        verbose_name_plural = _("tal for bemanding og ventetid")

    def __str__(self):
        return f"{self.reported_at:%H:%M}: {self.agents_available}/{self.agents_on_duty}"
