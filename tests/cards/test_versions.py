"""Shared blocks change every scenario; published versions never change under an incident."""

import pytest

from cards.models import Block, Step
from cards.services import card_publish
from cards.snapshots import CardSnapshot
from incidents.models import Incident
from tests.cards.drafts import step_text_set
from tests.cards.factories import (
    ActionCardFactory,
    BlockFactory,
    ScenarioBlockFactory,
    published_version,
)

NEW_TEXT = "Ring til Testperson 1 på 00001111 før alt andet."


def communication_texts(version):
    return [
        next(s.text for s in scenario.steps if s.key == "kommunikation/0")
        for scenario in CardSnapshot(version.snapshot).scenarios()
    ]


@pytest.mark.django_db
def test_one_edit_of_the_shared_block_changes_all_seven_scenarios(seeded_card, editor):
    step = Block.objects.get(card=seeded_card, slug="kommunikation").steps.get(order=0)
    old_text = step.text

    step_text_set(step=step, text=NEW_TEXT, user=editor)
    version = card_publish(card=seeded_card, user=editor)

    assert communication_texts(version) == [NEW_TEXT] * 7
    assert communication_texts(seeded_card.versions.get(number=1)) == [old_text] * 7


@pytest.mark.django_db
def test_a_running_incident_keeps_showing_version_1(editor):
    # A made-up card with a shared communication block, as communication_texts reads.
    card = ActionCardFactory()
    block = BlockFactory(card=card, slug="kommunikation", is_shared=True)
    ScenarioBlockFactory.create_batch(2, scenario__card=card, block=block)
    published_version(card)
    version_1 = card.versions.get(number=1)
    incident = Incident.objects.create(card_version=version_1, title="Testhændelse")
    step = block.steps.get()
    old_text = step.text

    step_text_set(step=step, text=NEW_TEXT, user=editor)
    version_2 = card_publish(card=card, user=editor)
    incident.refresh_from_db()

    shown = CardSnapshot(incident.card_version.snapshot).scenario(card.scenarios.first().slug)
    texts = [s.text for s in shown.steps if s.key == "kommunikation/0"]
    assert version_2.number == 2
    assert incident.card_version.number == 1
    assert texts == [old_text]
    assert NEW_TEXT in communication_texts(version_2)


@pytest.mark.django_db
def test_a_step_edit_refuses_an_empty_step(card):
    from django.core.exceptions import ValidationError

    step = Step.objects.get(block__card=card)

    with pytest.raises(ValidationError, match="tekst eller en skabelon"):
        step_text_set(step=step, text="  ")
