"""Forms of the exercises pages: every text and number bounded, Danish messages."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from cards.snapshots import CardSnapshot
from config.formatting import phone_normalise
from contacts.fields import validate_phone
from core.validators import validate_single_line
from exercises.models import MAX_INJECT_OFFSET_SECONDS, Target
from incidents.forms import BoundedCharField, IdempotencyKeyField

MAX_OFFSET_MINUTES = MAX_INJECT_OFFSET_SECONDS // 60


class ScriptForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Scenarie"))
    title = BoundedCharField(label=_("Titel"), max_length=200, validators=[validate_single_line])
    description = BoundedCharField(
        label=_("Beskrivelse"), max_length=2000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, cards=(), **kwargs):
        super().__init__(*args, **kwargs)
        # "<card slug>/<scenario slug>" of every published card's scenarios.
        choices = []
        for version in cards:
            snapshot = CardSnapshot(version.snapshot)
            choices += [
                (f"{version.card.slug}/{s.slug}", f"{version.card.title}: {s.title}")
                for s in snapshot.scenarios()
            ]
        self.fields["scenario"].choices = choices


class ParticipantForm(forms.Form):
    name = BoundedCharField(label=_("Navn"), max_length=200, validators=[validate_single_line])
    email = forms.EmailField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(
        label=_("Telefon"), required=False, max_length=40, validators=[validate_phone]
    )

    def clean_phone(self):
        phone = self.cleaned_data.get("phone") or ""
        return phone_normalise(phone) if phone else ""

    def clean(self):
        data = super().clean()
        if not (data.get("email") or data.get("phone")) and not self.errors:
            raise forms.ValidationError(
                _("En deltager skal have en e-mailadresse eller et telefonnummer.")
            )
        return data


class InjectForm(forms.Form):
    offset_minutes = forms.IntegerField(
        label=_("Minutter efter start (T+)"),
        min_value=0,
        validators=[MaxValueValidator(MAX_OFFSET_MINUTES)],
    )
    text = BoundedCharField(label=_("Tekst"), max_length=500, validators=[validate_single_line])
    recipients = forms.ModelMultipleChoiceField(
        label=_("Send som SMS/e-mail til"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    send_to_crisis_team = forms.BooleanField(
        label=_("Send også til det rigtige krisekommunikationsteam (mærket ØVELSE)"),
        required=False,
    )

    def __init__(self, *args, script, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = script.participants.all()


class StartExerciseForm(forms.Form):
    idempotency_key = IdempotencyKeyField()


class EvaluationForm(forms.Form):
    worked = BoundedCharField(
        label=_("Hvad virkede"), max_length=5000, required=False, widget=forms.Textarea
    )
    did_not_work = BoundedCharField(
        label=_("Hvad virkede ikke"), max_length=5000, required=False, widget=forms.Textarea
    )


def target_choices(snapshot: CardSnapshot, scenario_slugs) -> list[tuple[str, str]]:
    """What a finding can be about, from the card version the incident used."""
    choices = [("", _("Hændelsen som helhed"))]
    seen = set()
    for slug in scenario_slugs:
        if slug not in snapshot.scenario_slugs():
            continue
        scenario = snapshot.scenario(slug)
        choices.append((f"scenario:{slug}", f"{_('Scenarie')}: {scenario.title}"))
        for step in scenario.steps:
            if step.key not in seen:
                seen.add(step.key)
                choices.append((f"step:{step.key}", f"{_('Trin')}: {step.text[:80]}"))
    for person in sorted(snapshot.data.get("people", []), key=lambda p: p["name"]):
        choices.append((f"contact:{person['slug']}", f"{_('Kontakt')}: {person['name']}"))
    return choices


class FindingForm(forms.Form):
    text = BoundedCharField(label=_("Fund"), max_length=2000, widget=forms.Textarea)
    target = forms.ChoiceField(label=_("Vedrører"), required=False)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets

    def clean_target(self):
        value = self.cleaned_data.get("target") or ""
        kind, _sep, key = value.partition(":")
        if value and kind not in Target.values:
            raise forms.ValidationError(_("Vælg, hvad fundet vedrører."))
        return (kind, key) if value else ("", "")


FIELD_LABELS = {
    "text": _("Tekst"),
    "title": _("Titel"),
    "description": _("Beskrivelse"),
    "reason": _("Årsag"),
    "name": _("Navn"),
    "phone": _("Telefon"),
    "email": _("E-mail"),
}


class ProposalForm(forms.Form):
    field = forms.ChoiceField(label=_("Felt"))
    new_value = BoundedCharField(
        label=_("Ny værdi"), max_length=2000, required=False, widget=forms.Textarea
    )

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [(f, FIELD_LABELS.get(f, f)) for f in fields]


class DecisionForm(forms.Form):
    new_value = BoundedCharField(
        label=_("Ny værdi"), max_length=2000, required=False, widget=forms.Textarea
    )


class StatisticsForm(forms.Form):
    scenario = forms.ChoiceField(label=_("Scenarie"), required=False)

    def __init__(self, *args, scenarios=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scenario"].choices = [("", "—"), *scenarios]
