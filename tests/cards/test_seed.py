"""The seed card, read from the paper card's text itself: nothing may be lost in transcription."""

import re
from pathlib import Path

import pytest

from cards.models import Announcement, PhoneLine, Scenario, Step
from contacts.models import ContactGroupMember, Person, SupportLine
from tests.conftest import SEED_SCENARIO_TITLES

SEED_TEXT = (Path(__file__).resolve().parents[1] / "data" / "aktionskort-telefoni.txt").read_text(
    encoding="utf-8"
)
PHONE_NUMBERS = sorted(set(re.findall(r"(?<!\d)\d{8}(?!\d)", SEED_TEXT)))
EMAILS = sorted(set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", SEED_TEXT)))


def structured_sources(value):
    """Where a number or address lives as data (not only inside a step's prose)."""
    sources = {
        "Person.phone": Person.objects.filter(phone=value).exists()
        or Person.objects.filter(phone_secondary=value).exists(),
        "Person.email": Person.objects.filter(email=value).exists(),
        "SupportLine.phone": SupportLine.objects.filter(phone=value).exists(),
        "PhoneLine.number": PhoneLine.objects.filter(number=value).exists(),
        "ContactGroupMember.email": ContactGroupMember.objects.filter(email=value).exists(),
    }
    return {name for name, found in sources.items() if found}


def test_the_seed_text_has_the_numbers_and_addresses_we_expect_to_find():
    # Guards the regexes: if they found nothing, the tests below would pass vacuously.
    assert len(PHONE_NUMBERS) == 10
    assert len(EMAILS) == 6


@pytest.mark.django_db
@pytest.mark.parametrize("number", PHONE_NUMBERS)
def test_every_phone_number_of_the_seed_is_data(seeded_card, number):
    assert structured_sources(number), f"{number} is not a phone field of any contact or line"


@pytest.mark.django_db
@pytest.mark.parametrize("address", EMAILS)
def test_every_email_address_of_the_seed_is_data(seeded_card, address):
    assert structured_sources(address), f"{address} is not an e-mail field of anyone"


@pytest.mark.django_db
def test_where_the_seeds_numbers_live(seeded_card):
    assert structured_sources("89402000") == {"PhoneLine.number"}
    assert structured_sources("70709599") == {"SupportLine.phone"}
    assert structured_sources("29204259") == {"Person.phone"}
    assert structured_sources("per@aarhus.dk") == {"Person.email"}
    assert structured_sources("tinalau@aarhus.dk") == {"ContactGroupMember.email"}


@pytest.mark.django_db
def test_per_ryolf_exists_once_though_the_text_names_him_seven_times(seeded_card):
    assert SEED_TEXT.count("Per Ryolf") == 7
    assert Person.objects.filter(name="Per Ryolf").count() == 1


@pytest.mark.django_db
def test_seven_scenarios_in_the_order_of_the_paper_card(seeded_card):
    positions = [SEED_TEXT.index(title) for title in SEED_SCENARIO_TITLES]
    assert positions == sorted(positions)

    titles = list(Scenario.objects.filter(card=seeded_card).values_list("title", flat=True))
    assert titles == SEED_SCENARIO_TITLES


@pytest.mark.django_db
def test_the_charger_bag_note_is_in_power_failure_at_dokk1(seeded_card):
    note = "Pose med oplader til pc´er ligger i skabet bag Tina på niveau 3"
    assert note in SEED_TEXT

    step = Step.objects.get(text=note)
    assert step.kind == Step.Kind.NOTE
    assert step.block.uses.get().scenario.slug == "stromsvigt-dokk1"


@pytest.mark.django_db
def test_the_aarhus_dk_note_is_in_the_cards_footer(seeded_card):
    note = next(line for line in SEED_TEXT.splitlines() if "nedbrud af aarhus.dk" in line)

    step = Step.objects.get(text=note)
    assert step.block.footer_order == 0
    assert step.contact_group.members.count() == 5


@pytest.mark.django_db
def test_announcement_texts_and_audio_files_are_word_for_word(seeded_card):
    spoken = re.findall(r"^Lydfilen (?:tekst|siger): (.+)$", SEED_TEXT, flags=re.MULTILINE)
    audio_files = set(re.findall(r"hedder (.+?)\. Lydfilen", SEED_TEXT))

    assert len(spoken) == 2
    assert sorted(Announcement.objects.values_list("text", flat=True)) == sorted(spoken)
    assert set(Announcement.objects.values_list("audio_file", flat=True)) == audio_files
