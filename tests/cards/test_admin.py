"""The admin for Redaktører: editing a shared block once, publishing, previewing, permissions."""

import pytest
from django.urls import reverse

from cards.models import Block, CardVersion, Step
from cards.snapshots import CardSnapshot
from tests.factories import change_form_data

NEW_TEXT = "Krisekommunikationsteamet orienteres straks af Testperson 1 (tlf. 00001111)."


def communication_step(card):
    return Block.objects.get(card=card, slug="kommunikation").steps.get(order=0)


def step_form_data(step, **changes):
    """The POST the Step change form sends, with ``changes`` applied."""
    fields = ["block", "order", "kind", "text", "template", "person", "contact_group"]
    fields += ["support_line", "announcement", "external_card", "phone_lines"]
    no_alternatives = {
        "alternatives-TOTAL_FORMS": "0",
        "alternatives-INITIAL_FORMS": "0",
        "alternatives-MIN_NUM_FORMS": "0",
        "alternatives-MAX_NUM_FORMS": "1000",
    }
    return change_form_data(step, fields, **no_alternatives, **changes)


def publish_through_admin(client, card):
    url = reverse("admin:cards_actioncard_changelist")
    selected = {"action": "publish", "_selected_action": [card.pk]}
    confirmation = client.post(url, selected)
    done = client.post(url, {**selected, "confirm": "yes", "note": "Ny kommunikation"})
    return confirmation, done


@pytest.mark.django_db
def test_editing_the_shared_block_in_the_admin_changes_all_seven_scenarios(
    client, admin_editor, seeded_card
):
    step = communication_step(seeded_card)
    client.force_login(admin_editor)

    response = client.post(
        reverse("admin:cards_step_change", args=[step.pk]), step_form_data(step, text=NEW_TEXT)
    )
    assert response.status_code == 302, response.content
    confirmation, done = publish_through_admin(client, seeded_card)

    assert confirmation.status_code == 200
    assert "Udgiv ny version" in confirmation.text and seeded_card.title in confirmation.text
    assert done.status_code == 302
    version = seeded_card.versions.get(number=2)
    assert version.published_by == admin_editor
    assert version.note == "Ny kommunikation"
    scenarios = CardSnapshot(version.snapshot).scenarios()
    texts = [next(s.text for s in sc.steps if s.key == "kommunikation/0") for sc in scenarios]
    assert texts == [NEW_TEXT] * 7


@pytest.mark.django_db
def test_publish_asks_before_publishing(client, admin_editor, card):
    client.force_login(admin_editor)

    client.post(
        reverse("admin:cards_actioncard_changelist"),
        {"action": "publish", "_selected_action": [card.pk]},
    )

    assert CardVersion.objects.filter(card=card).count() == 1


@pytest.mark.django_db
def test_medarbejder_gets_403_in_the_admin_and_cannot_change_a_step(client, admin_staff_user, card):
    step = Step.objects.get(block__card=card)
    url = reverse("admin:cards_step_change", args=[step.pk])
    client.force_login(admin_staff_user)

    assert client.get(url).status_code == 403
    assert client.post(url, step_form_data(step, text=NEW_TEXT)).status_code == 403
    step.refresh_from_db()
    assert step.text != NEW_TEXT


@pytest.mark.django_db
def test_medarbejder_cannot_publish(client, admin_staff_user, card):
    client.force_login(admin_staff_user)

    publish_through_admin(client, card)

    assert CardVersion.objects.filter(card=card).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:cards_actioncard_change",
        "admin:cards_scenario_change",
        "admin:cards_block_change",
        "admin:cards_step_change",
    ],
)
def test_editor_can_open_the_change_pages(client, admin_editor, card, url_name):
    model = {
        "actioncard": lambda: card,
        "scenario": lambda: card.scenarios.get(),
        "block": lambda: card.blocks.get(),
        "step": lambda: Step.objects.get(block__card=card),
    }[url_name.split("_")[1]]()
    client.force_login(admin_editor)

    response = client.get(reverse(url_name, args=[model.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        ("step", "oplader", "Pose med oplader"),
        ("scenario", "Miralix", "Systemnedbrud af Miralix"),
        ("block", "krisekommunikationsteamet", "Kommunikation"),
        ("person", "Ryolf", "Per Ryolf"),
    ],
)
def test_admin_search(client, admin_editor, seeded_card, model, query, expected):
    app = "contacts" if model == "person" else "cards"
    client.force_login(admin_editor)

    html = client.get(reverse(f"admin:{app}_{model}_changelist"), {"q": query}).text

    assert expected in html


@pytest.mark.django_db
def test_preview_renders_the_unpublished_draft_with_the_staff_template(client, admin_editor, card):
    step = Step.objects.get(block__card=card)
    step.text = "Kladde: <b>ny</b> tekst"
    step.save()
    scenario = card.scenarios.get()
    client.force_login(admin_editor)

    response = client.get(reverse("admin:cards_scenario_preview", args=[scenario.pk]))
    staff_page = client.get(reverse("cards:scenario", args=[card.slug, scenario.slug]))

    assert response.status_code == 200
    assert "cards/scenario.html" in [t.name for t in response.templates]
    assert "Kladde: &lt;b&gt;ny&lt;/b&gt; tekst" in response.text
    assert "Forhåndsvisning af kladden" in response.text
    assert "Kladde:" not in staff_page.text


@pytest.mark.django_db
def test_preview_is_for_editors_only(client, admin_staff_user, card):
    scenario = card.scenarios.get()
    client.force_login(admin_staff_user)

    response = client.get(reverse("admin:cards_scenario_preview", args=[scenario.pk]))

    assert response.status_code == 403


@pytest.mark.django_db
def test_block_steps_are_ordered_by_their_number(client, admin_editor, seeded_card):
    block = Block.objects.get(slug="ansvarlige")
    first, last = block.steps.get(order=0), block.steps.get(order=3)
    first.order, last.order = 3, 0
    first.save()
    last.save()
    client.force_login(admin_editor)

    html = client.get(reverse("admin:cards_block_change", args=[block.pk])).text

    assert html.index("Tina Lauridsen tlf.") < html.index("Vibeke Bech tlf.")


@pytest.mark.django_db
def test_a_redaktor_needs_no_staff_flag_to_open_the_admin(client, editor):
    client.force_login(editor)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200


@pytest.mark.django_db
def test_a_medarbejder_without_staff_flag_is_sent_to_the_admin_login(client, staff_user):
    client.force_login(staff_user)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
