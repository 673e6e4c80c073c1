"""The scenario page has the paper card's four labelled columns (issue 11 §7)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _page(client, user, slug):
    client.force_login(user)
    return client.get(reverse("cards:scenario", args=["telefoni", slug])).text


def test_the_scenario_page_labels_the_four_columns_of_the_paper_card(
    client, staff_user, seeded_card
):
    html = _page(client, staff_user, "stromsvigt-aarhus-kommune")

    columns = html[html.index('class="scenario-columns"') :]
    headings = re.findall(r'<h2 id="column-\w+">([^<]+)</h2>', columns)
    assert headings == ["Problem", "Løsning", "Kommunikation", "Ansvarlig"]


def test_the_problem_column_holds_the_deadline(client, staff_user, seeded_card):
    html = _page(client, staff_user, "stromsvigt-aarhus-kommune")

    problem = html[html.index('id="column-problem"') : html.index('id="column-solution"')]
    assert "Strøm på telefonmasterne:</strong> 2 timer" in problem
