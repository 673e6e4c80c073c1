"""Message templates: only {reason} and {scenario}; the fill never obeys format syntax."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cards.models import MessageTemplate
from cards.placeholders import fill_template, template_problems
from cards.snapshots import CardSnapshot
from incidents.selectors import yammer_normal_text
from tests.cards.card_files import located_problems, seed_data
from tests.cards.factories import ActionCardFactory, MessageTemplateFactory, published_version

HOSTILE = [
    "pga. {reason:>5000000}",
    "pga. {reason!r}",
    "pga. {reason.__class__.__mro__}",
    "pga. {reason[0]}",
    "pga. {0}",
    "pga. {}",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_the_fill_leaves_format_syntax_as_written(text):
    assert fill_template(text, reason="evakuering", scenario="Evakuering") == text


def test_the_fill_replaces_the_named_placeholders_and_unescapes_braces():
    filled = fill_template(
        "{{Vi}} kan ikke tage vagter pga. {reason} ({scenario}); {reason} igen.",
        reason="strømsvigt {scenario}",
        scenario="Strømsvigt på Dokk1",
    )
    # A value is text: braces inside it are not filled again.
    assert filled == (
        "{Vi} kan ikke tage vagter pga. strømsvigt {scenario} (Strømsvigt på Dokk1); "
        "strømsvigt {scenario} igen."
    )


@pytest.mark.django_db
def test_a_padding_spec_does_not_make_a_five_megabyte_text():
    card = ActionCardFactory(scenarios=1)
    MessageTemplateFactory(card=card)
    published_version(card)
    snapshot_data = copy.deepcopy(card.versions.get(number=1).snapshot)
    for template in snapshot_data["message_templates"]:
        template["text"] = "Vi kan ikke tage vagter pga. {reason:>5000000}"
    snapshot = CardSnapshot(snapshot_data)
    scenario = snapshot_data["scenarios"][0]

    filled = snapshot.fill(snapshot_data["message_templates"][0]["slug"], scenario)
    yammer = yammer_normal_text(
        snapshot=snapshot, scenarios=[type("S", (), {"reason": "x", "title": "y"})()]
    )

    assert len(filled) < 100 and len(yammer) < 100


@pytest.mark.parametrize("text", HOSTILE)
def test_every_hostile_template_is_refused_in_danish(text):
    assert template_problems(text)
    with pytest.raises(ValidationError) as refused:
        MessageTemplate(slug="x", kind="yammer", text=text).clean()
    message = str(refused.value).lower()
    assert "pladsholder" in message or "parenteser" in message


def test_a_format_spec_in_a_card_file_is_a_located_error():
    data = seed_data()
    data["message_templates"][0]["text"] = "pga. {reason:>5000000}"

    line, problems = located_problems(data, "5000000")

    assert problems == [
        f"x.yaml:{line} message_templates[0].text: pladsholderen {{reason:>5000000}} må ikke "
        "have formatering eller opslag (:, !, . eller [ ]); skriv kun {reason} eller {scenario}"
    ]


def test_the_seed_templates_still_fill():
    for template in seed_data()["message_templates"]:
        assert template_problems(template["text"]) == []
        assert "{reason}" not in fill_template(template["text"], reason="x", scenario="y")


@pytest.mark.django_db
def test_the_admin_refuses_a_format_spec_and_changes_nothing(client, admin_editor, card):
    template = MessageTemplateFactory(card=card)
    before = template.text
    client.force_login(admin_editor)

    response = client.post(
        reverse("admin:cards_messagetemplate_change", args=[template.pk]),
        {
            "card": card.pk,
            "slug": template.slug,
            "kind": template.kind,
            "text": "pga. {reason:>5000000}",
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert "må ikke have formatering eller opslag" in response.text
    template.refresh_from_db()
    assert template.text == before
