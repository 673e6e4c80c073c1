from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from alerts.services import MAX_TEXT
from core.roles import COORDINATOR, STAFF


class AlertForm(forms.Form):
    text = forms.CharField(
        label=_("Besked til medarbejderne"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_TEXT}),
        help_text=_("Fx »Evakuering af Dokk1: arbejd efter 2. scenarie – Miralix Go«."),
    )
    group = forms.ModelChoiceField(
        label=_("Til"),
        queryset=Group.objects.filter(name__in=(STAFF, COORDINATOR)).order_by("name"),
        required=False,
        empty_label=_("Alle medarbejdere og koordinatorer"),
    )
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)


class PushSubscriptionForm(forms.Form):
    """The browser's PushSubscription.toJSON(): endpoint and keys.p256dh / keys.auth."""

    endpoint = forms.URLField(max_length=1000, assume_scheme="https")
    p256dh = forms.RegexField(regex=r"^[A-Za-z0-9_-]{80,100}={0,2}$", max_length=100)
    auth = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,30}={0,2}$", max_length=32)

    def clean_endpoint(self):
        value = self.cleaned_data["endpoint"]
        if not value.startswith("https://"):
            raise forms.ValidationError(_("Push-adressen skal være https."))
        return value
