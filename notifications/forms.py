from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import ContactGroup, Person
from core.validators import validate_single_line
from incidents.forms import IdempotencyKeyField
from notifications.channels import PermanentFailure, msisdn_for
from notifications.webhooks import (
    WebhookRefused,
    WebhookUnreachable,
    webhook_resolve,
    webhook_url_check,
)


class SendNowForm(forms.Form):
    """ "Send opdatering nu": the key makes a replayed post send nothing again."""

    idempotency_key = IdempotencyKeyField()


class RecipientAddForm(forms.Form):
    """Add a person, a contact group, or an address that is in no contact list."""

    person = forms.ModelChoiceField(
        label=_("Person"), queryset=Person.objects.all(), required=False
    )
    group = forms.ModelChoiceField(
        label=_("Kontaktgruppe"), queryset=ContactGroup.objects.all(), required=False
    )
    name = forms.CharField(
        label=_("Navn"), max_length=200, required=False, validators=[validate_single_line]
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Mobilnummer"), max_length=40, required=False)
    webhook_url = forms.URLField(
        label=_("Webhook (Teams/Viva Engage)"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("Adressen fra Teams-arbejdsprocessen (Workflows), https://…"),
    )
    sms_first = forms.BooleanField(label=_("Send SMS før e-mail"), required=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone:
            try:
                msisdn_for(phone)
            except PermanentFailure as exc:
                raise forms.ValidationError(
                    _("Mobilnummeret skal have 8 cifre eller starte med landekode, fx +45.")
                ) from exc
        return phone

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"].strip()
        if not url:
            return url
        # The same checks the worker makes before it sends (notifications.webhooks); the
        # messages are sentences for the person typing (Danish, or their UI language).
        try:
            webhook_resolve(webhook_url_check(url))
        except WebhookRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        except WebhookUnreachable as exc:
            raise forms.ValidationError(
                _("Webhook-adressen kan ikke bruges lige nu: %(reason)s.") % {"reason": exc}
            ) from exc
        return url

    def clean(self):
        data = super().clean()
        adhoc = data.get("email") or data.get("phone") or data.get("webhook_url")
        chosen = [bool(data.get("person")), bool(data.get("group")), bool(adhoc)]
        if not any(chosen) and not self.errors:
            raise forms.ValidationError(
                _(
                    "Vælg en person eller en gruppe, eller skriv en e-mail, et mobilnummer "
                    "eller en webhook-adresse."
                )
            )
        if sum(chosen) > 1:
            raise forms.ValidationError(
                _("Tilføj én ting ad gangen: en person, en gruppe eller en adresse.")
            )
        return data
