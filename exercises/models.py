"""Exercises with timed injects, evaluations after close, and findings that become
proposed changes to the card.

An exercise is an ``Incident`` with ``is_exercise=True`` worked from a script: the
``ExerciseRun`` ties the two together and records, per inject, when it was delivered
(``InjectDelivery``, unique per run and inject, so an inject fires exactly once even when
two beat ticks race or a worker dies mid-way: the delivery row, the log entry and the
outbox rows are one transaction).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cards.models import ActionCard
from incidents.models import Incident

# An inject more than a day after the start is a typo, not an exercise.
MAX_INJECT_OFFSET_SECONDS = 24 * 3600
MAX_INJECTS_PER_SCRIPT = 100
MAX_PARTICIPANTS_PER_SCRIPT = 50


class ExerciseScript(models.Model):
    """A Redaktør's script for exercising one scenario of a card."""

    card = models.ForeignKey(
        ActionCard, verbose_name=_("aktionskort"), on_delete=models.CASCADE, related_name="+"
    )
    scenario_slug = models.SlugField(_("scenarie"))
    title = models.CharField(_("titel"), max_length=200)
    description = models.TextField(_("beskrivelse"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["card", "scenario_slug", "title"]
        verbose_name = _("øvelsesdrejebog")
        verbose_name_plural = _("øvelsesdrejebøger")
        permissions = [
            ("write_exercise_script", _("Kan skrive øvelsesdrejebøger")),
            ("run_exercise", _("Kan starte øvelser og skrive evalueringer")),
            ("decide_proposed_change", _("Kan godkende og afvise ændringsforslag til kort")),
        ]

    def __str__(self):
        return self.title


class Participant(models.Model):
    """A named participant of an exercise who may get injects by e-mail or SMS."""

    script = models.ForeignKey(
        ExerciseScript, on_delete=models.CASCADE, related_name="participants"
    )
    name = models.CharField(_("navn"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    class Meta:
        ordering = ["script", "name", "pk"]
        verbose_name = _("deltager")
        verbose_name_plural = _("deltagere")

    def __str__(self):
        return self.name


class Inject(models.Model):
    """Something that "happens" at T+offset: shown in the exercise's log, optionally sent."""

    script = models.ForeignKey(ExerciseScript, on_delete=models.CASCADE, related_name="injects")
    offset_seconds = models.PositiveIntegerField(
        _("sekunder efter start"), validators=[MaxValueValidator(MAX_INJECT_OFFSET_SECONDS)]
    )
    text = models.CharField(_("tekst"), max_length=500)
    recipients = models.ManyToManyField(
        Participant, verbose_name=_("sendes til"), blank=True, related_name="injects"
    )
    # The real crisis communication team gets an exercise's message only when the script
    # says so, inject by inject.
    send_to_crisis_team = models.BooleanField(
        _("send også til det rigtige krisekommunikationsteam"), default=False
    )

    class Meta:
        ordering = ["script", "offset_seconds", "pk"]
        verbose_name = _("inject")
        verbose_name_plural = _("injects")

    def __str__(self):
        return f"T+{self.offset_seconds // 60} min: {self.text[:60]}"


class ExerciseRun(models.Model):
    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="exercise_run")
    script = models.ForeignKey(ExerciseScript, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("øvelseskørsel")
        verbose_name_plural = _("øvelseskørsler")

    def __str__(self):
        return f"{self.script} ({self.started_at:%Y-%m-%d %H:%M})"


class InjectDelivery(models.Model):
    run = models.ForeignKey(ExerciseRun, on_delete=models.CASCADE, related_name="deliveries")
    inject = models.ForeignKey(Inject, on_delete=models.CASCADE, related_name="deliveries")
    delivered_at = models.DateTimeField(default=timezone.now)
    log_entry_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "inject"], name="inject_delivered_once")
        ]
        verbose_name = _("leveret inject")
        verbose_name_plural = _("leverede injects")

    def __str__(self):
        return f"{self.run_id}/{self.inject_id}"


class Evaluation(models.Model):
    """What worked and what did not, after a closed incident or exercise."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="evaluation")
    worked = models.TextField(_("hvad virkede"), blank=True, max_length=5000)
    did_not_work = models.TextField(_("hvad virkede ikke"), blank=True, max_length=5000)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluering")
        verbose_name_plural = _("evalueringer")

    def __str__(self):
        return str(self.incident)


class Target(models.TextChoices):
    STEP = "step", _("Trin")
    CONTACT = "contact", _("Kontakt")
    SCENARIO = "scenario", _("Scenarie")


class Finding(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField(_("fund"), max_length=2000)
    # What the finding is about: a step key of the snapshot ("kommunikation/0"), a
    # person's slug or a scenario's slug. Blank: the incident as a whole.
    target_type = models.CharField(_("vedrører"), max_length=20, choices=Target.choices, blank=True)
    target_key = models.CharField(_("nøgle"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["evaluation", "created_at", "pk"]
        verbose_name = _("fund")
        verbose_name_plural = _("fund")

    def __str__(self):
        return self.text[:80]


class ProposedChange(models.Model):
    """A draft edit of the card from a finding: one field of one step, contact or scenario.

    Accepting writes ``new_value`` into the card's draft (cards.services) and records the
    finding and incident on the card side (``cards.CardChangeSource``), so the next
    published version links back here.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Foreslået")
        ACCEPTED = "accepted", _("Godkendt")
        REJECTED = "rejected", _("Afvist")

    finding = models.OneToOneField(
        Finding, on_delete=models.CASCADE, related_name="proposed_change"
    )
    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="+")
    target_type = models.CharField(_("vedrører"), max_length=20, choices=Target.choices)
    target_key = models.CharField(_("nøgle"), max_length=200)
    field = models.CharField(_("felt"), max_length=40)
    old_value = models.TextField(_("nuværende"), blank=True, max_length=2000)
    new_value = models.TextField(_("forslag"), blank=True, max_length=2000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-created_at"]
        verbose_name = _("ændringsforslag")
        verbose_name_plural = _("ændringsforslag")

    def __str__(self):
        return f"{self.target_type}:{self.target_key}.{self.field}"
