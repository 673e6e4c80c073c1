"""Incidents: a running crisis worked from one or more scenarios of a published card.

An incident copies what it needs from the ``CardVersion`` it started from, so later
edits of the card never change what it shows.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.models import ActionCard, CardVersion


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
    changed_at = models.DateTimeField(default=timezone.now)
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


class LogEntry(models.Model):
    """The logbook: append-only; a correction is a new entry pointing at the old one."""

    class Kind(models.TextChoices):
        MANUAL = "manual", _("Notat")
        SYSTEM = "system", _("Hændelse")

    class Event(models.TextChoices):
        """What happened, as data. ``data`` holds the facts named beside each type; the text a
        reader sees is rendered from type + data in the reader's language (``incidents.events``).
        ``text`` keeps what a person wrote (NOTE) or, for an unparsed old entry, the old text.

        Keys of ``data`` per type (all values JSON; times ISO 8601 with offset):
          NOTE               —  (free text in ``text``; ``category`` says which kind)
          INCIDENT_STARTED   scenario_slug, scenario_title, card_version, is_exercise,
                             actor_name (who started it, as named then)
          INCIDENT_CLOSED    summary, actor_name
          SCENARIO_ADDED     scenario_slug, scenario_title, reason, actor_name
          STEP_DONE          step_id, step_key, step_text, alternative (slug or ""),
                             alternative_label
          STEP_REOPENED      step_id, step_key, step_text, reason
          STEP_ASSIGNED      step_id, step_key, step_text, assignee_name ("" = removed), person_slug
          STEP_NOTE          step_id, step_key, step_text, note ("" = removed)
          FIGURES_REPORTED   figure_id, agents_on_duty, agents_available, calls_in_queue,
                             longest_wait_seconds, average_wait_seconds, source
          LINE_SWITCHED      line_slug, line_name, from_announcement, to_announcement,
                             to_announcement_title ("" = back to normal), from_announcement_title
          TIMER_MOVED        timer_id, timer_name, from_started_at, to_started_at
          UPDATE_SENT        update_id, channel (the first of channels, "" if none), recipients
                             (count reached), kind ("update"/"reminder"), reason, total
                             (recipients tried), channels (list of "email"/"sms"/"webhook"),
                             possible_duplicates (count)
          UPDATE_FAILED      update_id, channel, recipient (name), error_class, kind, address
                             (as shown, never a webhook's secret), error (the error text)
          SCHEDULE_FAILED    error_class (the scheduled update could not be made; retried)
          SCHEDULE_RECOVERED —  (the scheduled updates work again)
          INJECT             inject_id, offset_seconds, script_id (an exercise's inject at
                             its time; its text in ``text``; exercises.services)
          ALERT_ALL_ACKED    alert_id, recipients (count): every alerted person has
                             acknowledged (alerts.services); the response metrics read its time
          ALERT_SENT         alert_id, group (role name, "" = all), recipients (count), round
                             (0 = first send, n = n-th re-send to those missing), text
          (further types are added by the issues that need them, each documented here)
        Step ids/keys, figure_id, timer_id may be null in entries migrated from old texts
        (0008), and a migrated TIMER_MOVED has only minute precision (``approximate``: true).

        The phone's time of a write queued offline (issue 15: NOTE, STEP_DONE, STEP_REOPENED,
        FIGURES_REPORTED) is the ``device_written_at`` column of the entry, for every type
        alike, not a key of ``data``; ``created_at`` is when the server received it.
        """

        NOTE = "note", _("Notat")
        INCIDENT_STARTED = "incident_started", _("Hændelse startet")
        INCIDENT_CLOSED = "incident_closed", _("Hændelse afsluttet")
        SCENARIO_ADDED = "scenario_added", _("Scenarie tilføjet")
        STEP_DONE = "step_done", _("Trin udført")
        STEP_REOPENED = "step_reopened", _("Trin genåbnet")
        STEP_ASSIGNED = "step_assigned", _("Trin tildelt")
        STEP_NOTE = "step_note", _("Note til trin")
        FIGURES_REPORTED = "figures_reported", _("Tal indberettet")
        LINE_SWITCHED = "line_switched", _("Linje skiftet")
        TIMER_MOVED = "timer_moved", _("Timer flyttet")
        UPDATE_SENT = "update_sent", _("Opdatering sendt")
        UPDATE_FAILED = "update_failed", _("Opdatering fejlede")
        SCHEDULE_FAILED = "schedule_failed", _("Planlagt opdatering fejlede")
        SCHEDULE_RECOVERED = "schedule_recovered", _("Planlagte opdateringer virker igen")
        INJECT = "inject", _("Inject (øvelse)")
        ALERT_SENT = "alert_sent", _("Alarm sendt")
        ALERT_ALL_ACKED = "alert_all_acked", _("Alle har kvitteret for alarmen")

    class Category(models.TextChoices):
        """The logfører's kind of a person's entry: handlinger, beslutninger og undladelser."""

        INFORMATION = "information", _("Information")
        DECISION = "decision", _("Beslutning")
        ACTION = "action", _("Handling")
        OMISSION = "omission", _("Undladelse")

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
    event = models.CharField(_("type"), max_length=40, choices=Event.choices, default=Event.NOTE)
    data = models.JSONField(_("data"), default=dict, blank=True)
    category = models.CharField(
        _("art"), max_length=20, choices=Category.choices, default=Category.INFORMATION
    )
    text = models.TextField(_("tekst"), max_length=2000)
    # When the entry was written on a phone that was offline (queued, sent later); the
    # server's own time is ``created_at``. Null when written online.
    device_written_at = models.DateTimeField(_("skrevet på telefonen"), null=True, blank=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("retter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    # The form's key (see Incident.idempotency_key): a replayed post writes nothing new.
    idempotency_key = models.UUIDField(null=True, blank=True, editable=False)
    replayed = False

    class Meta:
        ordering = ["incident", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "sequence"], name="log_sequence_unique"),
            models.UniqueConstraint(
                fields=["incident", "idempotency_key"], name="log_entry_idempotency_unique"
            ),
        ]
        verbose_name = _("logindlæg")
        verbose_name_plural = _("logindlæg")

    def __str__(self):
        return f"#{self.sequence} {(self.text or self.get_event_display())[:60]}"


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


# The rendered report and archive package of a closed incident (incidents/pdf/).
from incidents.pdf.models import IncidentDocument  # noqa: E402, F401
