"""Issue 11 §5: text that can reach an e-mail header (incident and scenario titles in the
subject, people's and groups' names) holds no newline or control character: refused with a
Danish message where it is typed, and cleaned where the subject is built."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from cards.models import ActionCard, Scenario
from contacts.models import ContactGroup, Person
from core.validators import header_safe
from notifications.content import reminder_render, status_update_render
from notifications.forms import RecipientAddForm
from tests.notifications.test_content import summary

INJECTION = "Strømsvigt\r\nBcc: alle@example.invalid"
DANISH = "Teksten skal stå på én linje uden linjeskift, tabulatorer eller styretegn"


def test_the_subject_is_one_line_even_if_a_title_is_not():
    for text in (INJECTION, "Strømsvigt\u2028Bcc: x", "Strøm\x00svigt\x1b[31m", "A\tB\x85C"):
        rendered = status_update_render(summary=summary(scenarios=[text]), reason="manual")
        assert "\n" not in rendered.subject and "\r" not in rendered.subject
        assert header_safe(rendered.subject) == rendered.subject
        assert all(c.isprintable() for c in rendered.subject), repr(rendered.subject)
    assert (
        "Strømsvigt Bcc: alle@example.invalid"
        in status_update_render(summary=summary(scenarios=[INJECTION]), reason="manual").subject
    )
    reminder = reminder_render(
        summary=summary(is_exercise=True, title=INJECTION), due_at=summary()["started_at"],
        last_update_at=None,
    )  # fmt: skip
    assert "\n" not in reminder.subject


@pytest.mark.django_db
def test_an_adhoc_recipient_name_with_a_newline_is_refused_in_danish():
    form = RecipientAddForm({"name": INJECTION, "email": "test@example.invalid"})
    assert not form.is_valid()
    assert DANISH in form.errors["name"][0]
    assert RecipientAddForm({"name": "Test Person", "email": "t@example.invalid"}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "field"),
    [(Person, "name"), (ContactGroup, "name"), (ActionCard, "title"), (Scenario, "title")],
)
def test_admin_forms_refuse_names_and_titles_with_control_characters(model, field):
    from django.contrib.auth import get_user_model

    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_staff=True)
    form_field = admin.site._registry[model].get_form(request)().fields[field]
    for bad in (INJECTION, "Tab\there", "NUL\x00", "Linje\u2028to"):
        with pytest.raises(ValidationError) as excinfo:
            form_field.clean(bad)
        assert DANISH in str(excinfo.value) or "Null characters" in str(excinfo.value)
    assert form_field.clean("Krisekommunikationsteamet") == "Krisekommunikationsteamet"
