"""The scenario page has the paper card's four labelled columns (issue 11 §7)."""

import re

import pytest
from django.urls import reverse

from tests.cards.factories import (
    ActionCardFactory,
    BlockFactory,
    ScenarioBlockFactory,
    StepFactory,
    published_version,
)

pytestmark = pytest.mark.django_db


def _page(client, user, slug, card_slug="telefoni"):
    client.force_login(user)
    return client.get(reverse("cards:scenario", args=[card_slug, slug])).text


def test_the_scenario_page_labels_the_four_columns_of_the_paper_card(client, staff_user):
    # A made-up scenario with a step for each of the last three columns.
    card = ActionCardFactory()
    block = BlockFactory(card=card, steps=0)
    for kind in ({}, {"communication": True}, {"responsibility": True}):
        StepFactory(block=block, **kind)
    scenario = ScenarioBlockFactory(scenario__card=card, block=block).scenario
    published_version(card)

    html = _page(client, staff_user, scenario.slug, card.slug)

    columns = html[html.index('class="scenario-columns"') :]
    headings = re.findall(r'<h2 id="column-\w+">([^<]+)</h2>', columns)
    assert headings == ["Problem", "Løsning", "Kommunikation", "Ansvarlig"]


def test_the_problem_column_holds_the_deadline(client, staff_user, seeded_card):
    html = _page(client, staff_user, "stromsvigt-aarhus-kommune")

    problem = html[html.index('id="column-problem"') : html.index('id="column-solution"')]
    assert "Strøm på telefonmasterne:</strong> 2 timer" in problem
