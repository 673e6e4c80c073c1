"""The logbook of an incident: what happened, as events with their facts."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models.incident import Incident


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
