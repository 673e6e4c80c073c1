"""The action card as structured data.

A card has scenarios (the rows of the paper card). A scenario is an ordered list of
blocks; a block is an ordered list of steps. A *shared* block (the communication block,
the responsible persons) is one object used by many scenarios, so one edit changes every
scenario. Editors change these rows freely; staff and incidents read a *published*
``CardVersion``, a frozen snapshot, so a running incident never changes under them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cards.placeholders import PLACEHOLDERS, fill_template, template_problems
from config.formatting import phone_display
from contacts.fields import PhoneField
from contacts.models import ContactGroup, Person, SupportLine


class ActionCard(models.Model):
    slug = models.SlugField(_("kort navn"), unique=True)
    title = models.CharField(_("titel"), max_length=200)
    owner = models.ForeignKey(
        Person,
        verbose_name=_("ejer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_cards",
    )
    log_keeper = models.ForeignKey(
        Person,
        verbose_name=_("logfører"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="log_keeper_of",
    )
    next_review = models.DateField(_("næste gennemgang"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        verbose_name = _("aktionskort")
        verbose_name_plural = _("aktionskort")
        permissions = [("publish_actioncard", _("Kan udgive aktionskort"))]

    def __str__(self):
        return self.title

    @property
    def is_past_review(self):
        return self.next_review is not None and self.next_review < timezone.localdate()


class PhoneLine(models.Model):
    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="phone_lines")
    slug = models.SlugField(_("kort navn"))
    name = models.CharField(_("navn"), max_length=200)
    number = PhoneField(_("nummer"), blank=True)
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        unique_together = [("card", "slug")]
        verbose_name = _("telefonlinje")
        verbose_name_plural = _("telefonlinjer")

    def __str__(self):
        return f"{self.name} {phone_display(self.number)}".strip()


class Announcement(models.Model):
    """A recorded info message ("infobesked"): the audio file to switch on and its words."""

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="announcements")
    slug = models.SlugField(_("kort navn"))
    name = models.CharField(_("navn"), max_length=200)
    audio_file = models.CharField(_("lydfil"), max_length=300)
    text = models.TextField(_("talt tekst"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        unique_together = [("card", "slug")]
        verbose_name = _("infobesked")
        verbose_name_plural = _("infobeskeder")

    def __str__(self):
        return self.name


class ExternalCard(models.Model):
    """Another organisation's action card, known only by name and perhaps a URL."""

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="external_cards")
    slug = models.SlugField(_("kort navn"))
    title = models.CharField(_("titel"), max_length=200)
    url = models.URLField(_("webadresse"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title"]
        unique_together = [("card", "slug")]
        verbose_name = _("eksternt aktionskort")
        verbose_name_plural = _("eksterne aktionskort")

    def __str__(self):
        return self.title


class MessageTemplate(models.Model):
    """A text with ``{reason}`` and ``{scenario}`` filled from the scenario it is used in."""

    class Kind(models.TextChoices):
        YAMMER = "yammer", _("Yammer-opslag")
        ANNOUNCEMENT = "announcement", _("Infobesked")
        STATUS_UPDATE = "status_update", _("Statusopdatering")

    PLACEHOLDERS = PLACEHOLDERS

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="message_templates")
    slug = models.SlugField(_("kort navn"))
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("tekst"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        unique_together = [("card", "slug")]
        verbose_name = _("beskedskabelon")
        verbose_name_plural = _("beskedskabeloner")

    def __str__(self):
        return self.slug

    def clean(self):
        problems = template_problems(self.text)
        if problems:
            raise ValidationError({"text": [p[0].upper() + p[1:] + "." for p in problems]})

    def render(self, *, reason, scenario):
        return fill_template(self.text, reason=reason, scenario=scenario)


class Scenario(models.Model):
    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="scenarios")
    slug = models.SlugField(_("kort navn"))
    title = models.CharField(_("titel"), max_length=300)
    description = models.TextField(_("beskrivelse"), blank=True)
    reason = models.CharField(
        _("årsag"),
        max_length=100,
        help_text=_("Indsættes i beskeder efter »pga.«, fx »evakuering«."),
    )
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["card", "order", "pk"]
        unique_together = [("card", "slug")]
        verbose_name = _("scenarie")
        verbose_name_plural = _("scenarier")

    def __str__(self):
        return self.title


class Block(models.Model):
    """An ordered group of steps. Shared blocks are used by several scenarios."""

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="blocks")
    slug = models.SlugField(_("kort navn"))
    title = models.CharField(_("titel"), max_length=200, blank=True)
    is_shared = models.BooleanField(_("fælles blok"), default=False)
    footer_order = models.PositiveIntegerField(
        _("placering i kortets fod"),
        null=True,
        blank=True,
        help_text=_("Udfyldt: blokken vises efter alle scenarier, fx noten om aarhus.dk."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["card", "slug"]
        unique_together = [("card", "slug")]
        verbose_name = _("blok")
        verbose_name_plural = _("blokke")

    def __str__(self):
        return self.title or self.slug


class ScenarioBlock(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="block_uses")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="uses")
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("blok i scenarie")
        verbose_name_plural = _("blokke i scenariet")

    def __str__(self):
        return f"{self.scenario} → {self.block}"


class Step(models.Model):
    class Kind(models.TextChoices):
        ACTION = "action", _("Handling")
        COMMUNICATION = "communication", _("Kommunikation")
        RESPONSIBILITY = "responsibility", _("Ansvarlig")
        NOTE = "note", _("OBS")
        DECISION = "decision", _("Beslutning")

    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("tekst"), blank=True)
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("beskedskabelon"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="steps",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT
    )
    contact_group = models.ForeignKey(
        ContactGroup,
        verbose_name=_("kontaktgruppe"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    support_line = models.ForeignKey(
        SupportLine,
        verbose_name=_("supportlinje"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("infobesked"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    phone_lines = models.ManyToManyField(
        PhoneLine, verbose_name=_("telefonlinjer"), blank=True, related_name="steps"
    )
    external_card = models.ForeignKey(
        ExternalCard,
        verbose_name=_("eksternt aktionskort"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    history = HistoricalRecords(m2m_fields=[phone_lines])

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("trin")
        verbose_name_plural = _("trin")

    def __str__(self):
        return (self.text or (self.template and self.template.text) or "")[:80]

    def clean(self):
        if not self.text.strip() and self.template_id is None:
            raise ValidationError({"text": _("Et trin skal have en tekst eller en skabelon.")})


class StepAlternative(models.Model):
    """One way out of a decision step: "1. scenarie", "2. scenarie"."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="alternatives")
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    label = models.CharField(_("betegnelse"), max_length=100)
    text = models.TextField(_("tekst"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("alternativ")
        verbose_name_plural = _("alternativer")

    def __str__(self):
        return self.label


class ScenarioLink(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="links")
    order = models.PositiveIntegerField(_("rækkefølge"), default=0)
    target_scenario = models.ForeignKey(
        Scenario,
        verbose_name=_("scenarie"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="linked_from",
    )
    external_card = models.ForeignKey(
        ExternalCard,
        verbose_name=_("eksternt aktionskort"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    text = models.CharField(_("tekst"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("henvisning")
        verbose_name_plural = _("henvisninger")

    def __str__(self):
        return self.text

    def clean(self):
        if bool(self.target_scenario_id) == bool(self.external_card_id):
            raise ValidationError(
                _("En henvisning peger enten på et scenarie eller på et eksternt kort.")
            )


class ScenarioTimer(models.Model):
    """A deadline that starts with an incident, e.g. mobile masts have power for 2 hours."""

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="timers")
    slug = models.SlugField(_("kort navn"))
    name = models.CharField(_("navn"), max_length=200)
    minutes = models.PositiveIntegerField(_("minutter"))
    text = models.TextField(_("forklaring"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["minutes", "pk"]
        unique_together = [("scenario", "slug")]
        verbose_name = _("timer")
        verbose_name_plural = _("timere")

    def __str__(self):
        return self.name

    def clean(self):
        if self.minutes == 0:
            raise ValidationError({"minutes": _("En timer skal vare mindst ét minut.")})


class CardVersion(models.Model):
    """A published, numbered snapshot of a card: what staff and incidents read."""

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("udgivet"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("udgivet af"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    note = models.CharField(_("bemærkning"), max_length=300, blank=True)
    snapshot = models.JSONField(_("indhold"))

    class Meta:
        ordering = ["card", "-number"]
        unique_together = [("card", "number")]
        get_latest_by = "number"
        verbose_name = _("udgivet version")
        verbose_name_plural = _("udgivne versioner")

    def __str__(self):
        return f"{self.card} v{self.number}"


class CardChangeSource(models.Model):
    """Why a draft changed: an accepted proposed change from an incident's evaluation.

    Held by number, not by foreign key, because evaluations live in an app above cards
    (exercises). Pending rows (no version yet) are attached to the next published version
    by ``card_publish``, so the version history links back to the finding and incident.
    """

    card = models.ForeignKey(ActionCard, on_delete=models.CASCADE, related_name="change_sources")
    version = models.ForeignKey(
        CardVersion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="change_sources",
    )
    finding_id = models.PositiveBigIntegerField(_("fund"))
    incident_id = models.PositiveBigIntegerField(_("hændelse"))
    summary = models.CharField(_("ændring"), max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["card", "created_at", "pk"]
        verbose_name = _("kilde til ændring")
        verbose_name_plural = _("kilder til ændringer")

    def __str__(self):
        return self.summary
