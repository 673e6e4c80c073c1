"""The per-card change history: who changed what and when, from django-simple-history."""

import pytest
from django.urls import reverse

from cards.models import Block, Step
from cards.selectors import card_history
from tests.cards.drafts import step_text_set
from tests.cards.test_admin import step_form_data
from tests.contacts.factories import PersonFactory

NEW_TEXT = "Orientér Testperson 2 på 00002222."


def kommunikation_step(card):
    return Block.objects.get(card=card, slug="kommunikation").steps.get(order=0)


@pytest.mark.django_db
def test_an_admin_edit_is_recorded_with_user_and_field_diff(client, admin_editor, card):
    step = Step.objects.get(block__card=card)
    old_text = step.text
    client.force_login(admin_editor)
    client.post(
        reverse("admin:cards_step_change", args=[step.pk]), step_form_data(step, text=NEW_TEXT)
    )

    change = card_history(card=card)[0]

    assert change["user"] == admin_editor
    assert change["type"] == "Ændret"
    assert change["model"] == "trin"
    assert change["changes"] == [{"field": "tekst", "old": old_text, "new": NEW_TEXT}]


@pytest.mark.django_db
def test_history_page_shows_edits_of_steps_and_contacts(client, editor, card):
    step_text_set(step=Step.objects.get(block__card=card), text=NEW_TEXT, user=editor)
    person = PersonFactory()
    person.phone = "00003333"
    person._history_user = editor
    person.save()
    client.force_login(editor)

    html = client.get(reverse("cards:history", args=[card.slug])).text

    assert html.count(editor.get_username()) >= 2
    assert f"<ins>{NEW_TEXT}</ins>" in html
    # The history shows what is stored: the number in E.164.
    assert "<ins>+4500003333</ins>" in html
    assert html.index("+4500003333") < html.index(NEW_TEXT), "newest first"


@pytest.mark.django_db
def test_history_shows_deleted_objects_too(seeded_card, editor):
    scenario = seeded_card.scenarios.get(slug="nedbrud-mobildata")
    scenario._history_user = editor
    scenario.delete()

    change = card_history(card=seeded_card)[0]

    assert (change["type"], change["model"], change["user"]) == ("Slettet", "scenarie", editor)
    assert change["object"].startswith("Nedbrud af andre systemer")


@pytest.mark.django_db
def test_history_page_is_for_editors_only(client, staff_user, coordinator, card):
    url = reverse("cards:history", args=[card.slug])
    for user in (staff_user, coordinator):
        client.force_login(user)
        assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_history_page_lists_the_versions_once_and_its_title_is_plain_text(client, editor, card):
    client.force_login(editor)

    html = client.get(reverse("cards:history", args=[card.slug])).text

    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "Ændringshistorik" in title
    assert html.count('<h2 id="versions">') == 1
