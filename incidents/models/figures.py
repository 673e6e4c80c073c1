"""Figure reports: staffing and wait times as the telephony platform or a person reports them."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident


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
    # As on LogEntry: the phone's time when the figures were entered offline.
    device_written_at = models.DateTimeField(_("skrevet på telefonen"), null=True, blank=True)
    # The form's (or the API client's) key: a replayed report is stored once.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    replayed = False

    class Meta:
        ordering = ["incident", "reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "idempotency_key"], name="figure_report_idempotency_unique"
            )
        ]
        get_latest_by = "reported_at"
        indexes = [models.Index(fields=["incident", "reported_at"], name="figures_by_time")]
        verbose_name = _("tal for bemanding og ventetid")
        verbose_name_plural = _("tal for bemanding og ventetid")

    def __str__(self):
        return f"{self.reported_at:%H:%M}: {self.agents_available}/{self.agents_on_duty}"
