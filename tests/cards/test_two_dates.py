"""Senest ajourført / senest afprøvet: on the card page and in the printed card."""

import datetime as dt
import io
import re

import pypdf
import pytest
from django.urls import reverse

from cards.pdf.documents import render_card_bundle, render_scenario_card
from cards.services import card_publish
from tests.exercises.factories import closed_incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TESTED = dt.datetime(2026, 10, 14, 10, 30, tzinfo=dt.UTC)


def pdf_text(data):
    pages = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    return [re.sub(r"\s+", " ", page) for page in pages]


@pytest.fixture
def tested_card(card, editor):
    """Published again by a named Redaktør; last tested in an exercise a named
    Koordinator ran on 14 October 2026."""
    editor.first_name, editor.last_name = "Testredaktør", "Testesen"
    editor.save()
    coordinator = UserFactory(first_name="Testkoordinator", last_name="Testsen")
    slug = card.scenarios.get().slug
    closed_incident(card, started_at=TESTED - dt.timedelta(days=40), user=coordinator, slug=slug)
    closed_incident(card, started_at=TESTED, is_exercise=True, user=coordinator, slug=slug)
    card_publish(card=card, user=editor)
    return card


def test_the_card_page_shows_both_dates(client, tested_card, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("cards:card", args=[tested_card.slug])).content.decode()

    updated = re.search(r'data-date="updated">([^<]*)<', html).group(1)
    tested = re.search(r'data-date="tested">([^<]*)<', html).group(1)
    assert "Senest ajourført" in html and "Senest afprøvet" in html
    assert "Testredaktør Testesen" in updated
    assert "14. oktober 2026" in tested and "Testkoordinator Testsen" in tested
    assert "(øvelse)" in tested


def test_a_card_never_tested_says_so(client, card, staff_user):
    client.force_login(staff_user)
    html = client.get(reverse("cards:card", args=[card.slug])).content.decode()

    assert re.search(r'data-date="tested">aldrig afprøvet<', html)


def test_the_pdf_header_and_the_bundle_cover_show_both_dates(tested_card):
    version = tested_card.versions.get(number=2)
    pages = pdf_text(render_card_bundle(version=version))

    cover = pages[0]
    assert "Senest ajourført" in cover and "Testredaktør Testesen" in cover
    assert "Senest afprøvet" in cover and "14. oktober 2026" in cover
    assert "Testkoordinator Testsen" in cover
    # Every page after the cover carries the two dates in its header.
    for page in pages[1:]:
        assert "Senest afprøvet: 14.10.2026, Testkoordinator Testsen" in page, page[:300]
        assert "Senest ajourført:" in page
    scenario = pdf_text(
        render_scenario_card(version=version, scenario_slug=tested_card.scenarios.get().slug)
    )
    assert all("Senest afprøvet: 14.10.2026" in page for page in scenario)
