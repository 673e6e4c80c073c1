"""Staff pages: what every role sees, read from the latest published version."""

import re

import pytest
from django.urls import reverse

from cards.models import Step
from cards.services import card_publish
from tests.cards.drafts import step_text_set

SCENARIO = "systemnedbrud-miralix"


def scenario_url(slug=SCENARIO, card_slug="telefoni"):
    return reverse("cards:scenario", args=[card_slug, slug])


# Every staff page, given a card's slug, one of its scenarios and a word to search for.
PAGES = [
    lambda card_slug, scenario_slug, word: reverse("home"),
    lambda card_slug, scenario_slug, word: reverse("cards:card", args=[card_slug]),
    lambda card_slug, scenario_slug, word: scenario_url(scenario_slug, card_slug),
    lambda card_slug, scenario_slug, word: reverse("cards:search") + f"?q={word}",
    lambda card_slug, scenario_slug, word: reverse("contacts:list"),
]


def page_of(page, card):
    """The page for a made-up card: its one scenario, and a word of its step text."""
    return page(card.slug, card.scenarios.get().slug, "Testtrin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["editor", "coordinator", "staff_user"])
@pytest.mark.parametrize("page", PAGES)
def test_every_role_can_read_every_page(client, request, card, role, page):
    client.force_login(request.getfixturevalue(role))

    response = client.get(page_of(page, card))

    assert response.status_code == 200
    assert "Aktionskort" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_anonymous_is_sent_to_login(client, card, page):
    response = client.get(page_of(page, card))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_user_without_role_gets_the_no_role_page(client, no_role_user, seeded_card, page):
    client.force_login(no_role_user)

    response = client.get(page("telefoni", SCENARIO, "Miralix"))

    assert "ingen rolle" in response.text
    assert "76410979" not in response.text


@pytest.mark.django_db
def test_scenario_page_links_every_number_and_address(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(scenario_url()).text

    for number in ("76410979", "40921002", "29204353", "41854185", "70709599", "29204259"):
        assert f'href="tel:+45{number}"' in html, number
    assert 'href="mailto:per@aarhus.dk"' in html


@pytest.mark.django_db
def test_scenario_page_shows_columns_announcement_and_support_state(
    client, staff_user, seeded_card
):
    client.force_login(staff_user)

    html = client.get(scenario_url()).text

    assert [h for h in ("Løsning", "Kommunikation", "Ansvarlig") if f">{h}</h2>" in html] == [
        "Løsning",
        "Kommunikation",
        "Ansvarlig",
    ]
    assert '<blockquote class="copy-text">Aarhus Kommune oplever i øjeblikket problemer' in html
    assert "89402000 Aarhus Kommunes nedbrud" in html
    assert "Ejendomsbeskatningen" in html
    assert "åbningstid ukendt" in html  # Miralix helpdesk: the card gives no hours
    assert re.search(r"(åben nu|lukket — åbner \w+ kl\. 8:00)", html)  # TDC support
    assert 'class="step step--note"' in html


@pytest.mark.django_db
def test_scenario_page_shows_alternatives_links_and_timers(client, staff_user, seeded_card):
    client.force_login(staff_user)

    evacuation = client.get(scenario_url("evakuering-dokk1")).text
    power = client.get(scenario_url("stromsvigt-aarhus-kommune")).text

    assert "1. scenarie" in evacuation and "2. scenarie" in evacuation
    assert "Aktionskort for Den Digitale Hotline" in evacuation
    assert scenario_url("evakuering-dokk1") in power  # "Ved evakuering følges procedure …"
    assert "Strøm på telefonmasterne:</strong> 2 timer fra hændelsen starter" in power


@pytest.mark.django_db
def test_step_text_is_escaped(client, staff_user, card):
    step = Step.objects.get(block__card=card)
    step_text_set(step=step, text='<script>alert("x")</script> ring 00001234')
    card_publish(card=card)
    client.force_login(staff_user)

    html = client.get(scenario_url(card.scenarios.get().slug, card.slug)).text

    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="tel:+4500001234"' in html


@pytest.mark.django_db
def test_staff_see_the_published_version_not_the_draft(client, staff_user, seeded_card):
    step = Step.objects.get(text__startswith="Pose med oplader")
    step_text_set(step=step, text="Kladdetekst, ikke udgivet")
    client.force_login(staff_user)

    html = client.get(scenario_url("stromsvigt-dokk1")).text

    assert "Kladdetekst" not in html
    assert "Pose med oplader" in html


@pytest.mark.django_db
def test_scenario_page_query_count_does_not_grow_with_the_scenario(
    client, coordinator, seeded_card, django_assert_num_queries
):
    client.force_login(coordinator)
    client.get(scenario_url())  # warm caches that are not per request

    # user, roles (groups), the card version, the permissions for perms.* (2), the access
    # log's one insert (audit/); the session comes from the cache (cached_db)
    with django_assert_num_queries(6):
        big = client.get(scenario_url("evakuering-dokk1"))
    with django_assert_num_queries(6):
        small = client.get(scenario_url("nedbrud-mobildata"))
    assert big.status_code == small.status_code == 200


@pytest.mark.django_db
def test_unknown_scenario_is_404(client, staff_user, card):
    client.force_login(staff_user)

    assert client.get(scenario_url("findes-ikke", card.slug)).status_code == 404


@pytest.mark.django_db
def test_home_links_to_the_scenario_pages(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(reverse("home")).text

    assert f'href="{scenario_url("evakuering-dokk1")}"' in html
    assert html.count('class="scenario-list__item"') == 7


@pytest.mark.django_db
def test_card_page_shows_version_footer_and_health_to_editors_only(
    client, editor, staff_user, seeded_card
):
    url = reverse("cards:card", args=["telefoni"])
    client.force_login(editor)
    editor_html = client.get(url).text
    client.force_login(staff_user)
    staff_html = client.get(url).text

    for html in (editor_html, staff_html):
        assert "Version 1, udgivet" in html
        assert "OBS: Ved nedbrud af aarhus.dk" in html
        assert 'href="mailto:tinalau@aarhus.dk"' in html
    assert "Lene har intet telefonnummer." in editor_html
    assert "Kortets sundhed" not in staff_html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("charger", None),
        ("oplader", "stromsvigt-dokk1/#trin-stromsvigt-dokk1-1-0"),
        ("Evakuering af Dokk1", "evakuering-dokk1"),
        ("29 20 42 59", "/kontakter/#person-per-ryolf"),
        ("TDC support", "/kontakter/#linje-tdc-support"),
        ("tinalau@aarhus.dk", "/kontakter/#gruppe-aarhus-dk-nedbrud"),
    ],
)
def test_search_finds_scenarios_steps_and_contacts(
    client, staff_user, seeded_card, query, expected
):
    client.force_login(staff_user)

    html = client.get(reverse("cards:search"), {"q": query}).text

    if expected is None:
        assert "Ingen resultater for »charger«" in html
    else:
        assert expected in html


@pytest.mark.django_db
def test_empty_search_asks_for_a_word(client, staff_user, card):
    client.force_login(staff_user)

    html = client.get(reverse("cards:search"), {"q": "  "}).text

    assert "Skriv et ord" in html


@pytest.mark.django_db
def test_search_query_is_escaped(client, staff_user, card):
    client.force_login(staff_user)

    html = client.get(reverse("cards:search"), {"q": "<b>x</b>"}).text

    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


@pytest.mark.django_db
def test_a_groups_members_are_listed_once_per_scenario(client, staff_user, seeded_card):
    client.force_login(staff_user)

    html = client.get(scenario_url("evakuering-dokk1")).text

    # Both communication steps name the crisis team; its phone list is shown once.
    assert html.count('<a class="tel" href="tel:+4529204259">') == 1
    assert html.count("Mangler telefonnummer") == 1  # Lene


@pytest.mark.django_db
def test_search_while_typing_returns_only_the_results(client, staff_user, seeded_card):
    client.force_login(staff_user)

    response = client.get(
        reverse("cards:search"),
        {"q": "oplader"},
        headers={"HX-Request": "true", "HX-Target": "search-results"},
    )

    assert response.text.lstrip().startswith('<div id="search-results"')
    assert "<html" not in response.text
    assert "Pose med oplader" in response.text


@pytest.mark.django_db
def test_coordinator_gets_pdf_links_and_a_stale_print_warning(client, coordinator, seeded_card):
    from cards.services import card_publish

    card_publish(card=seeded_card)  # version 2; nothing printed in this test
    client.force_login(coordinator)

    card_page = client.get(reverse("cards:card", args=[seeded_card.slug])).text
    scenario_page = client.get(scenario_url()).text

    assert reverse("cards_pdf:bundle", args=[seeded_card.slug, 2]) in card_page
    assert "ingen trykt PDF" in card_page
    assert "/pdf/telefoni/v2/" in scenario_page


@pytest.mark.django_db
def test_staff_get_pdf_links_but_no_binder_warnings(client, staff_user, seeded_card):
    """Issue 11 §7: a Medarbejder evacuated with a phone needs the card as a file; the
    "print it again" notes are for whoever keeps the binder."""
    client.force_login(staff_user)

    card_page = client.get(reverse("cards:card", args=[seeded_card.slug])).text
    scenario_page = client.get(scenario_url()).text

    assert reverse("cards_pdf:bundle", args=[seeded_card.slug, 1]) in card_page
    assert "/pdf/telefoni/v1/" in scenario_page
    assert "ingen trykt PDF" not in card_page and "Print kortet igen" not in card_page
