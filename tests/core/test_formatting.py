"""core.formatting: phone numbers (stored in E.164, shown grouped the Danish way, dialled
from tel: links), durations, clock times and opening hours, each to the exact character."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection

from cards.models import PhoneLine
from contacts.models import Person, SupportLine
from core.formatting import (
    InvalidPhoneNumber,
    duration_hours_min,
    duration_hours_mm_da,
    duration_print,
    duration_words,
    hour_minute,
    hours_label,
    hours_min_sec,
    hours_span,
    linkify_phones,
    min_sec,
    phone_display,
    phone_href,
    phone_normalise,
)
from tests.cards.card_files import located_problems, seed_data


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("29204259", "+4529204259"),
        ("29 20 42 59", "+4529204259"),
        ("+45 29 20 42 59", "+4529204259"),
        ("0045 2920 4259", "+4529204259"),
        ("76410979", "+4576410979"),  # a vendor's support number
        ("70709599", "+4570709599"),
        ("0000 0042", "+4500000042"),  # made up, as in tests and training
        ("+46 8 123 456 78", "+46812345678"),
        ("", ""),
    ],
)
def test_numbers_are_normalised_to_e164(typed, stored):
    assert phone_normalise(typed) == stored


@pytest.mark.parametrize("typed", ["12", "ring til Lene", "2920425", "+45 29 20 42 59 99 99"])
def test_what_is_no_number_is_refused(typed):
    with pytest.raises(InvalidPhoneNumber):
        phone_normalise(typed)


@pytest.mark.parametrize(
    "stored, shown, href",
    [
        ("+4529204259", "29 20 42 59", "tel:+4529204259"),
        ("89402000", "89 40 20 00", "tel:+4589402000"),
        ("+4500000042", "00 00 00 42", "tel:+4500000042"),
        ("+46812345678", "+46 8 123 456 78", "tel:+46812345678"),
    ],
)
def test_numbers_are_shown_grouped_and_dialled_in_e164(stored, shown, href):
    assert phone_display(stored) == shown
    assert phone_href(stored) == href


@pytest.mark.django_db
def test_every_way_in_stores_e164_and_lookups_accept_any_form():
    person = Person.objects.create(slug="testperson-1", name="Testperson 1", phone="29 20 42 59")
    line = SupportLine.objects.create(slug="test-linje", name="Testlinje", phone="0046812345678")

    assert person.phone == "+4529204259"
    assert Person.objects.get(pk=person.pk).phone == "+4529204259"
    assert SupportLine.objects.get(pk=line.pk).phone == "+46812345678"
    assert Person.objects.filter(phone="29204259").exists()


@pytest.mark.django_db
def test_model_validation_refuses_no_number_in_danish():
    person = Person(slug="testperson-2", name="Testperson 2", phone="ring til Lene")

    with pytest.raises(ValidationError) as refused:
        person.full_clean()

    assert "»ring til Lene« er ikke et telefonnummer" in str(refused.value)


def test_a_card_file_with_no_number_in_a_phone_field_is_a_located_error():
    data = seed_data()
    data["people"][0]["phone"] = "ring til Lene"
    message = "»ring til Lene« er ikke et telefonnummer (skriv fx 29204259 eller +46812345678)"

    line, problems = located_problems(data, "ring til Lene")

    assert problems == [f"x.yaml:{line} people[0].phone: {message}"]


@pytest.mark.django_db
def test_the_import_stores_the_seeds_numbers_in_e164(seeded_card):
    assert PhoneLine.objects.get(slug="hovednummer").number == "+4589402000"
    assert Person.objects.get(slug="per-ryolf").phone == "+4529204259"


@pytest.mark.django_db
def test_the_data_migration_normalises_stored_numbers(seeded_card):
    # Raw SQL: the rows as an older version stored them (the field normalises every save).
    with connection.cursor() as cursor:
        cursor.execute("UPDATE contacts_person SET phone = '29 20 42 59' WHERE slug = 'per-ryolf'")
        cursor.execute("UPDATE contacts_supportline SET phone = 'ring til TDC'")
        cursor.execute(
            "UPDATE cards_phoneline SET number = '89 40 20 00' WHERE slug = 'hovednummer'"
        )
    contacts = importlib.import_module("contacts.migrations.0002_phone_numbers_e164")
    cards = importlib.import_module("cards.migrations.0003_phone_numbers_e164")

    contacts.normalise_numbers(apps, None)
    cards.normalise_numbers(apps, None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM contacts_person WHERE slug = 'per-ryolf'")
        assert cursor.fetchone() == ("+4529204259",)
        cursor.execute("SELECT number FROM cards_phoneline WHERE slug = 'hovednummer'")
        assert cursor.fetchone() == ("+4589402000",)
        cursor.execute("SELECT DISTINCT phone FROM contacts_supportline")
        assert cursor.fetchall() == [("ring til TDC",)]  # left for an editor to fix


def test_step_text_is_escaped_first_then_its_numbers_linked():
    html = linkify_phones(
        '<script>alert("x")</script> Ring til TDC på 70709599 eller +46 8 123 456 78'
    )

    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<a href="tel:+4570709599">70709599</a>' in html
    assert '<a href="tel:+46812345678">+46 8 123 456 78</a>' in html


# --- Durations ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("show", "value", "label"),
    [
        (min_sec, 0, "0:00"),
        (min_sec, 5, "0:05"),
        (min_sec, 185, "3:05"),
        (min_sec, 3600, "60:00"),
        (min_sec, "75", "1:15"),
        (hours_min_sec, 0, "0:00"),
        (hours_min_sec, 185, "3:05"),
        (hours_min_sec, 3599, "59:59"),
        (hours_min_sec, 3725, "1:02:05"),
        (duration_words, 0, "0 minutter"),
        (duration_words, 1, "1 minut"),
        (duration_words, 60, "1 time"),
        (duration_words, 120, "2 timer"),
        (duration_words, 90, "1 time og 30 minutter"),
        (duration_print, 120, "2 timer"),
        (duration_print, 60, "1 time"),
        (duration_print, 90, "1 time 30 min."),
        (duration_print, 5, "5 min."),
        (duration_hours_mm_da, 0, "0 min"),
        (duration_hours_mm_da, 59, "59 min"),
        (duration_hours_mm_da, 62, "1 t 02 min"),
        (duration_hours_mm_da, 135, "2 t 15 min"),
    ],
)
def test_durations(show, value, label):
    assert show(value) == label


def test_hours_label():
    workdays = {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "16:00"}
    weekend = {
        "days": ["sat", "sun"],
        "opens": "10:00",
        "closes": "14:00",
        "open_on_holidays": True,
    }

    assert hours_label(workdays) == "Hverdage kl. 08:00–16:00, lukket på helligdage"
    assert hours_label(weekend) == "Lørdag, søndag kl. 10:00–14:00"
    assert hours_label(None) == "Åbningstid ikke oplyst"


def test_duration_hours_min_counts_whole_minutes_and_never_below_zero():
    cases = {-3: "0 min", 0: "0 min", 12: "12 min", 60: "1 t 0 min", 75: "1 t 15 min"}
    for minutes, label in cases.items():
        assert duration_hours_min(dt.timedelta(minutes=minutes, seconds=30)) == label


# --- Clock times and opening hours -------------------------------------------------------------


def test_hour_minute_and_hours_span():
    assert hour_minute(dt.time(8, 5)) == "8:05"
    assert hour_minute(dt.datetime(2026, 3, 2, 16, 0)) == "16:00"
    assert hours_span(dt.time(8, 0), dt.time(16, 30)) == "kl. 08:00–16:30"


def test_hours_label_every_day_and_a_list_of_days():
    every_day = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "opens": "07:00"}
    every_day |= {"closes": "22:00", "open_on_holidays": True}
    some_days = {"days": ["mon", "wed"], "opens": "09:00", "closes": "12:00"}

    assert hours_label(every_day) == "Alle dage kl. 07:00–22:00"
    assert hours_label(some_days) == "Mandag, onsdag kl. 09:00–12:00, lukket på helligdage"
