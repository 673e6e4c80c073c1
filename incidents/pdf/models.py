"""The state of a closed incident's rendered documents (the report, the archive package).

One row per incident and kind. The row is the lock: a render claims it, so one render at
a time runs per incident and document, and a redelivered task finds it taken or done.
``fingerprint`` is what was last asked for (a digest of everything the document shows),
``rendered_fingerprint`` what the file on disk shows; they differ while a render is due.

Imported by ``incidents/models/__init__.py`` (Django finds an app's models there).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IncidentDocument(models.Model):
    class Kind(models.TextChoices):
        REPORT = "report", _("Rapport")
        ARCHIVE = "archive", _("Arkivpakke")

    class Status(models.TextChoices):
        PENDING = "pending", _("Venter")
        RENDERING = "rendering", _("Laves")
        READY = "ready", _("Klar")
        FAILED = "failed", _("Fejlet")

    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    fingerprint = models.CharField(max_length=64, blank=True)
    rendered_fingerprint = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The claim of the render that runs now: only that render may finish the row.
    claim = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="incident_document_unique")
        ]
        verbose_name = _("hændelsesdokument")
        verbose_name_plural = _("hændelsesdokumenter")

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.status}"

    @property
    def is_current(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.rendered_fingerprint)
            and self.rendered_fingerprint == self.fingerprint
        )
