"""Incidents: a running crisis worked from one or more scenarios of a published card.

An incident copies what it needs from the ``CardVersion`` it started from, so later
edits of the card never change what it shows.
"""

import datetime as dt

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
    # One revision per fragment group of the dashboard (see incidents/README.md and
    # ``incidents.live``): a write bumps only the groups it changes, so a poll ships only
    # those fragments. The log's revision is ``last_log_sequence``.
    rev_header = models.PositiveBigIntegerField(default=0)
    rev_steps = models.PositiveBigIntegerField(default=0)
    rev_figures = models.PositiveBigIntegerField(default=0)
    rev_lines = models.PositiveBigIntegerField(default=0)
    rev_timers = models.PositiveBigIntegerField(default=0)
    rev_notifications = models.PositiveBigIntegerField(default=0)
    rev_contacts = models.PositiveBigIntegerField(default=0)
    # The last log sequence number handed out; incremented under a row lock.
    last_log_sequence = models.PositiveIntegerField(default=0)
    # What the closing checklist confirmed: {"announcements_off": true, …, "yammer_text": "…"}.
    closing_checklist = models.JSONField(_("afslutningstjekliste"), default=dict, blank=True)
    # The start form's key: a double tap, a second tab or a phone's retry of the same form
    # finds the incident it already started instead of starting another.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # Set (not stored) by a service that found the object by its key instead of creating it.
    replayed = False

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


class IncidentStep(models.Model):
    """One step of the incident's checklist, copied from the card version it started from.

    ``key`` is the snapshot's stable step key, so a shared block that two scenarios use
    is on the checklist once. ``version`` is bumped by every change: a form posts the
    version it was drawn with, and a stale post is refused instead of overwriting.
    """

    class Action(models.TextChoices):
        DONE = "done", _("markeret som udført")
        REOPENED = "reopened", _("genåbnet")
        ASSIGNED = "assigned", _("tildelt")
        NOTE = "note", _("fik en note")

    TASK_KINDS = ("action", "communication", "decision")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="steps")
    scenario = models.ForeignKey(IncidentScenario, on_delete=models.CASCADE, related_name="steps")
    key = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)
    block = models.CharField(max_length=200)
    shared = models.BooleanField(default=False)
    kind = models.CharField(max_length=20)
    text = models.TextField(_("tekst"))
    # The step's references as the snapshot resolved them (person, support line, …).
    details = models.JSONField(default=dict, blank=True)
    done_at = models.DateTimeField(_("udført"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("udført af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen_alternative = models.CharField(_("valgt alternativ"), max_length=100, blank=True)
    assigned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tildelt bruger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A person from the card (by slug) who has no login, e.g. the vendor contact.
    assigned_person_slug = models.SlugField(blank=True)
    assigned_person_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)
    # The incident's ``rev_steps`` when this step last changed: a poll that has seen
    # revision N gets only the steps with a higher one.
    revision = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_action = models.CharField(max_length=20, choices=Action.choices, blank=True)

    class Meta:
        ordering = ["incident", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "key"], name="incident_step_key_unique")
        ]
        verbose_name = _("trin i hændelse")
        verbose_name_plural = _("trin i hændelse")

    def __str__(self):
        return self.text[:80]

    @property
    def is_task(self):
        return self.kind in self.TASK_KINDS

    @property
    def is_done(self):
        return self.done_at is not None

    @property
    def alternatives(self):
        return self.details.get("alternatives", [])

    @property
    def assignee_name(self):
        if self.assigned_user_id:
            return self.assigned_user.get_full_name() or self.assigned_user.get_username()
        return self.assigned_person_name


class IncidentTimer(models.Model):
    """A scenario's deadline, counting from when the trouble began (not when we noticed)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="timers")
    scenario = models.ForeignKey(IncidentScenario, on_delete=models.CASCADE, related_name="timers")
    slug = models.SlugField()
    name = models.CharField(_("navn"), max_length=200)
    minutes = models.PositiveIntegerField(_("minutter"))
    text = models.TextField(_("forklaring"), blank=True)
    started_at = models.DateTimeField(_("startet"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["incident", "started_at", "minutes", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "scenario", "slug"], name="incident_timer_unique"
            )
        ]
        verbose_name = _("timer")
        verbose_name_plural = _("timere")

    def __str__(self):
        return self.name

    @property
    def ends_at(self):
        return self.started_at + dt.timedelta(minutes=self.minutes)


class PhoneLineState(models.Model):
    """Which recorded announcement is on a phone line during the incident (blank: normal)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="phone_lines")
    line_slug = models.SlugField()
    name = models.CharField(_("navn"), max_length=200)
    number = models.CharField(_("nummer"), max_length=40, blank=True)
    order = models.PositiveIntegerField(default=0)
    announcement_slug = models.SlugField(blank=True)
    announcement_name = models.CharField(_("infobesked"), max_length=200, blank=True)
    switched_at = models.DateTimeField(_("skiftet"), null=True, blank=True)
    switched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("skiftet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["incident", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "line_slug"], name="phone_line_unique")
        ]
        verbose_name = _("telefonlinje i hændelse")
        verbose_name_plural = _("telefonlinjer i hændelse")

    def __str__(self):
        return self.name

    @property
    def has_announcement(self):
        return bool(self.announcement_slug)
