import re
import uuid

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.roles import ROLES
from incidents.models import LogEntry
from incidents.services import incident_time_check

LOG_TEXT_MAX = LogEntry._meta.get_field("text").max_length
NOTE_MAX = 1000
REASON_MAX = 500
# Above these a figure is a typo, not a crisis: the centre has a few dozen agents.
MAX_AGENTS = 1000
MAX_QUEUE = 10_000
MAX_WAIT_SECONDS = 24 * 3600


def _too_long(limit):
    return _("Teksten er for lang: højst %(limit)s tegn (du skrev %%(show_value)s).") % {
        "limit": limit
    }


class BoundedCharField(forms.CharField):
    """A text with a limit that the server checks and the browser never enforces.

    The HTML ``maxlength`` silently cuts a pasted text at the limit, and the person never
    learns that the end of their words is gone. The limit goes out as ``data-maxlength``
    instead, for the live counter (static/js/char-counter.js), and a text over it comes
    back whole with a Danish message. Line breaks count as one character, as the counter
    and the browser count them (the form posts them as CR LF).
    """

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        return super().to_python(value)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "maxlength" in attrs:
            attrs["data-maxlength"] = attrs.pop("maxlength")
        return attrs


class IdempotencyKeyField(forms.UUIDField):
    """A new key in every rendered form; a re-rendered (refused) form keeps the posted one.

    The service stores the key with what the form creates, under a unique constraint, so a
    second post of the same form (a double tap, the same form in two tabs, a phone's retry,
    the offline queue replaying it later with the key it was given) answers the existing
    object instead of creating another. Optional: an old page without the key still works.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("initial", uuid.uuid4)
        kwargs.setdefault(
            "error_messages",
            {"invalid": _("Formularen er forældet eller ødelagt. Genindlæs siden og prøv igen.")},
        )
        super().__init__(**kwargs)


def count_field(label, maximum, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=maximum,
        error_messages={
            "required": _("Udfyld feltet."),
            "invalid": _("Skriv et helt tal."),
            "min_value": _("Tallet kan ikke være negativt."),
            "max_value": _("Tallet er urimeligt højt – tjek det (højst %(limit_value)s)."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
        **kwargs,
    )


def card_slug(value: str) -> str:
    """The card a start form names, or "" (no such card: a 404) when it is not a slug:
    a NUL byte would otherwise reach PostgreSQL, which refuses it with an error."""
    try:
        forms.SlugField(max_length=50).clean(value)
    except ValidationError:
        return ""
    return value


class StartForm(forms.Form):
    scenario = forms.SlugField(widget=forms.HiddenInput)
    is_exercise = forms.BooleanField(label=_("Øvelse – ikke en rigtig hændelse"), required=False)
    update_interval_minutes = forms.IntegerField(
        label=_("Statusopdatering til krisekommunikationsteamet hvert (minutter)"),
        required=False,
        min_value=5,
        max_value=24 * 60,
        error_messages={
            "invalid": _("Skriv intervallet som et helt antal minutter."),
            "min_value": _("Intervallet skal være mindst 5 minutter."),
            "max_value": _("Intervallet kan højst være 24 timer (1440 minutter)."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "30"}),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    idempotency_key = IdempotencyKeyField()


class EscalateForm(forms.Form):
    scenario = forms.ChoiceField(
        label=_("Tilføj scenarie"),
        error_messages={"invalid_choice": _("Vælg et scenarie, som hændelsen ikke har endnu.")},
    )

    def __init__(self, *args, options=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [("", _("Vælg scenarie …")), *options]


class LogEntryForm(forms.Form):
    text = BoundedCharField(
        label=_("Skriv i loggen"),
        max_length=LOG_TEXT_MAX,
        strip=True,
        error_messages={
            "required": _("Skriv en tekst til loggen – et tomt indlæg gemmes ikke."),
            "max_length": _too_long(LOG_TEXT_MAX),
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Not required: a page (or an offline queue's replay) from before the kinds existed
    # posts none; the service then takes Information, or a correction keeps its kind.
    category = forms.ChoiceField(
        label=_("Art"),
        choices=LogEntry.Category.choices,
        initial=LogEntry.Category.INFORMATION,
        required=False,
        error_messages={"invalid_choice": _("Vælg en art for indlægget.")},
    )
    idempotency_key = IdempotencyKeyField()


# The log's filter (``?art=``): a person's kind, or what the app logged itself.
LOG_FILTER_SYSTEM = "system"
LOG_FILTERS = {
    **dict(LogEntry.Category.choices),
    LOG_FILTER_SYSTEM: _("Systemet"),
}


def log_filter_of(value) -> str:
    """The filter a ``?art=`` asks for; anything unknown is no filter (all entries)."""
    return value if value in LOG_FILTERS else ""


class StepVersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class StepDoneForm(StepVersionForm):
    alternative = forms.CharField(required=False, max_length=100)


class StepReopenForm(StepVersionForm):
    reason = BoundedCharField(
        label=_("Hvorfor genåbnes trinnet?"),
        max_length=REASON_MAX,
        error_messages={
            "required": _("Skriv hvorfor trinnet genåbnes."),
            "max_length": _too_long(REASON_MAX),
        },
    )


class StepNoteForm(StepVersionForm):
    note = BoundedCharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        error_messages={"max_length": _too_long(NOTE_MAX)},
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def assignee_choices(people):
    users = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=ROLES)
        .distinct()
        .order_by("first_name", "username")
    )
    return [
        ("", _("Ingen")),
        (
            _("Brugere"),
            [(f"user:{u.pk}", u.get_full_name() or u.get_username()) for u in users],
        ),
        (_("Personer på kortet"), [(f"person:{p['slug']}", p["name"]) for p in people]),
    ]


class StepAssignForm(StepVersionForm):
    assignee = forms.ChoiceField(
        label=_("Tildel til"),
        required=False,
        error_messages={"invalid_choice": _("Vælg en bruger eller en person fra kortet.")},
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {p["slug"]: p for p in people}
        self.fields["assignee"].choices = assignee_choices(people)

    def clean_assignee(self):
        value = self.cleaned_data["assignee"]
        if not value:
            return {}
        kind, _sep, ident = value.partition(":")
        if kind == "user":
            return {"assignee": get_user_model().objects.get(pk=ident)}
        person = self.people[ident]
        return {"person_slug": person["slug"], "person_name": person["name"]}


# "3" and "3,5" are minutes (Danish decimal comma), "3:30" is minutes:seconds.
WAIT_RE = re.compile(r"^\s*(\d{1,4})(?::(\d{1,2})|[.,](\d{1,2}))?\s*$")


class WaitField(forms.CharField):
    """A wait time as staff say it: "3" (minutes) or "3:30" (minutes:seconds)."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "error_messages", {"required": _("Udfyld feltet (skriv 0, hvis ingen venter).")}
        )
        kwargs.setdefault(
            "widget",
            # No maxlength: WAIT_RE bounds the value, and a cut paste could still parse.
            forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3:30"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if value.strip().startswith("-"):
            raise ValidationError(_("En ventetid kan ikke være negativ."), code="min_value")
        match = WAIT_RE.match(value)
        if not match:
            raise ValidationError(
                _("Skriv ventetiden som minutter eller minutter:sekunder, fx 3, 3,5 eller 3:30."),
                code="invalid",
            )
        minutes = int(match[1])
        seconds = round(float(f"0.{match[3]}") * 60) if match[3] else int(match[2] or 0)
        if seconds >= 60:
            raise ValidationError(_("Sekunderne skal være under 60."), code="invalid")
        total = minutes * 60 + seconds
        if total > MAX_WAIT_SECONDS:
            raise ValidationError(
                _("En ventetid over 24 timer er urimelig – tjek tallet."), code="max_value"
            )
        return total


class FigureChecksMixin:
    def clean(self):
        data = super().clean()
        on, free = data.get("agents_on_duty"), data.get("agents_available")
        if on is not None and free is not None and free > on:
            self.add_error(
                "agents_available",
                _("Der kan ikke være flere ledige (%(free)s) end medarbejdere på vagt (%(on)s).")
                % {"free": free, "on": on},
            )
        longest, avg = data.get("longest_wait_seconds"), data.get("average_wait_seconds")
        if longest is not None and avg is not None and avg > longest:
            self.add_error(
                "average_wait_seconds",
                _("Den gennemsnitlige ventetid kan ikke være længere end den længste."),
            )
        return data


class FigureForm(FigureChecksMixin, forms.Form):
    agents_on_duty = count_field(_("Medarbejdere på vagt"), MAX_AGENTS)
    agents_available = count_field(_("Ledige medarbejdere"), MAX_AGENTS)
    calls_in_queue = count_field(_("Opkald i kø"), MAX_QUEUE)
    longest_wait_seconds = WaitField(label=_("Længste ventetid (min eller min:sek)"))
    average_wait_seconds = WaitField(label=_("Gennemsnitlig ventetid (min eller min:sek)"))
    idempotency_key = IdempotencyKeyField()


class IncidentTimeField(forms.DateTimeField):
    """A time during an incident, bounded by ``services.incident_time_check``: every form
    with a time uses this field, and ``IncidentTimeForm`` hands it the incident.

    ``json=True``: JSON may carry a number or a list where a time belongs: a 400, not a crash.
    """

    def __init__(self, *, what="time", json=False, **kwargs):
        self.what, self.json = what, json
        self.incident = None
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.json and value is not None and not isinstance(value, str):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            incident_time_check(incident=self.incident, when=value, what=self.what)


class IncidentTimeForm(forms.Form):
    """A form about one incident: its time fields are bounded by the incident's window."""

    def __init__(self, *args, incident, **kwargs):
        super().__init__(*args, **kwargs)
        self.incident = incident
        for field in self.fields.values():
            if isinstance(field, IncidentTimeField):
                field.incident = incident


class FigureApiForm(FigureChecksMixin, IncidentTimeForm):
    """The JSON endpoint: the same checks, wait times in whole seconds."""

    agents_on_duty = count_field("agents_on_duty", MAX_AGENTS)
    agents_available = count_field("agents_available", MAX_AGENTS)
    calls_in_queue = count_field("calls_in_queue", MAX_QUEUE)
    longest_wait_seconds = count_field("longest_wait_seconds", MAX_WAIT_SECONDS)
    average_wait_seconds = count_field("average_wait_seconds", MAX_WAIT_SECONDS)
    reported_at = IncidentTimeField(
        json=True,
        required=False,
        error_messages={"invalid": _("Ugyldigt tidspunkt; brug ISO 8601.")},
    )
    # Or the Idempotency-Key header (see views.figures_api): a retried report is stored once.
    idempotency_key = IdempotencyKeyField()


class PhoneLineSwitchForm(forms.Form):
    announcement = forms.SlugField(required=False)


class TimerStartForm(IncidentTimeForm):
    started_at = IncidentTimeField(
        what="timer",
        label=_("Hvornår begyndte det? (fx da strømmen gik)"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        error_messages={
            "required": _("Angiv et tidspunkt."),
            "invalid": _("Skriv tidspunktet som dato og klokkeslæt, fx 26.11.2026 09:40."),
        },
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class CloseForm(forms.Form):
    announcements_off = forms.BooleanField(
        label=_("Infobeskederne er slået fra, og telefonlinjerne kører normalt"),
        error_messages={"required": _("Bekræft, at infobeskederne er slået fra.")},
    )
    crisis_team_informed = forms.BooleanField(
        label=_("Krisekommunikationsteamet er orienteret om, at hændelsen er slut"),
        error_messages={"required": _("Bekræft, at krisekommunikationsteamet er orienteret.")},
    )
    yammer_posted = forms.BooleanField(
        label=_("Opslaget om normal drift er skrevet på Yammer"),
        error_messages={"required": _("Bekræft, at opslaget er skrevet på Yammer.")},
    )
    summary = BoundedCharField(
        label=_("Opsummering"),
        required=False,
        max_length=5000,
        error_messages={"max_length": _too_long(5000)},
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class OfflineWriteForm(IncidentTimeForm):
    """The envelope of one write from a phone's offline queue (static/js/offline-queue.js):
    what it is, its key (made on the phone), and the phone's time when it was written,
    bounded by the incident's window. The write's own fields are checked by its own form."""

    KINDS = ("log", "figures", "done", "reopen")

    kind = forms.ChoiceField(
        choices=[(k, k) for k in KINDS],
        # Not Django's default, which repeats the posted value.
        error_messages={"invalid_choice": _("Ukendt slags indlæg.")},
    )
    idempotency_key = IdempotencyKeyField(required=True, initial=None)
    device_written_at = IncidentTimeField(
        error_messages={
            "required": _("Telefonens tidspunkt mangler."),
            "invalid": _("Telefonens tidspunkt kan ikke læses."),
        },
    )
    step = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        data = super().clean()
        if data.get("kind") in ("done", "reopen") and not data.get("step"):
            raise ValidationError(_("Trinnet mangler."))
        return data
