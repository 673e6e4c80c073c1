"""Who read, exported, downloaded or changed personal data, and when (Datatilsynet's
guidance on logging). Append-only: a row is written once and only the retention purge
(``audit.services.access_records_purge``) removes it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An access record was about to be changed or deleted one by one."""


class AccessRecordQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Adgangsloggen kan ikke ændres.")

    def delete(self):
        raise AppendOnlyError("Adgangsloggen slettes kun af oprydningen efter opbevaringstiden.")

    def _purge(self):
        # Only for audit.services.access_records_purge: a raw delete, bypassing the guard.
        return self._raw_delete(self.db)


class AccessRecord(models.Model):
    class Action(models.TextChoices):
        READ = "read", _("læst")
        EXPORT = "export", _("eksporteret")
        DOWNLOAD = "download", _("hentet")
        CHANGE = "change", _("ændret")
        DELETE = "delete", _("slettet")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # A copy: the record must still say who it was after the user is deleted.
    username = models.CharField(_("bruger"), max_length=150)
    at = models.DateTimeField(_("tidspunkt"), auto_now_add=True, db_index=True)
    action = models.CharField(_("handling"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("type"), max_length=100)
    object_id = models.CharField(_("id"), max_length=64, blank=True)
    object_label = models.CharField(_("hvad"), max_length=200, blank=True)
    # The person whose data it was: their phone numbers in E.164 and their slug.
    person_phone = models.CharField(_("telefon"), max_length=40, blank=True, db_index=True)
    person_phone_other = models.CharField(
        _("anden telefon"), max_length=40, blank=True, db_index=True
    )
    person_slug = models.CharField(_("person"), max_length=50, blank=True, db_index=True)

    objects = AccessRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("adgang til personoplysninger")
        verbose_name_plural = _("adgangslog")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("Adgangsloggen kan ikke ændres.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Adgangsloggen slettes kun af oprydningen efter opbevaringstiden.")
