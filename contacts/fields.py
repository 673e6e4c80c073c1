"""A phone number column: whatever way a number is typed, E.164 is what is stored."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.formatting import InvalidPhoneNumber, phone_normalise, phone_or_raw


def validate_phone(value):
    try:
        phone_normalise(value)
    except InvalidPhoneNumber as exc:
        raise ValidationError(
            _("»%(value)s« er ikke et telefonnummer. Skriv fx 29 20 42 59 eller +46 8 123 456 78."),
            code="invalid_phone",
            params={"value": value},
        ) from exc


class PhoneField(models.CharField):
    """E.164 in the database; a Danish number may be typed without +45 and with spaces.

    Normalised on every way in: model validation (admin and forms), save (services and
    imports that do not validate) and lookups, so ``filter(phone="29204259")`` finds the
    row stored as ``+4529204259``.
    """

    default_validators = [validate_phone]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return phone_or_raw(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return phone_or_raw(value) if value else value

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if value:
            value = phone_or_raw(value)
            setattr(model_instance, self.attname, value)
        return value
