"""export_card / import_card: byte-identical round trip, located errors, nothing half-written."""

import io
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core.management import CommandError, call_command

from cards.models import ActionCard, CardVersion, Step
from cards.serialization import card_to_data
from cards.validation import parse_card_yaml
from contacts.models import Person

SEED = Path(__file__).resolve().parents[2] / "cards" / "data" / "telefoni.yaml"


def export(slug="telefoni"):
    out = io.StringIO()
    call_command("export_card", slug, stdout=out)
    return out.getvalue()


def import_file(tmp_path, text, *args, name="x.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_card", str(path), *args, stdout=out, stderr=err)
    return out.getvalue()


def import_errors(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_card", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def db_state():
    """Every card's content, and how many versions and steps there are."""
    cards = [card_to_data(card) for card in ActionCard.objects.order_by("pk")]
    return cards, CardVersion.objects.count(), Step.objects.count()


@pytest.mark.django_db
def test_export_import_export_is_byte_identical(seeded_card, tmp_path):
    first = export()
    import_file(tmp_path, first)

    assert export() == first


@pytest.mark.django_db
def test_round_trip_after_importing_the_seed_file(tmp_path):
    import_file(tmp_path, SEED.read_text(encoding="utf-8"))
    first = export()
    import_file(tmp_path, first)
    second = export()

    assert second == first
    assert yaml.safe_load(first)["card"]["slug"] == "telefoni"


@pytest.mark.django_db
def test_export_uses_the_documented_dump_options(seeded_card):
    expected = yaml.safe_dump(
        card_to_data(seeded_card), sort_keys=False, allow_unicode=True, width=4096
    )

    assert export() == expected
    assert "Søvang" in expected  # allow_unicode: no \xf8 escapes


@pytest.mark.django_db
def test_import_publishes_only_with_publish(card, tmp_path):
    text = export(card.slug)

    import_file(tmp_path, text)
    assert card.versions.count() == 1

    import_file(tmp_path, text, "--publish")
    assert list(card.versions.values_list("number", flat=True)) == [2, 1]


@pytest.mark.django_db
def test_export_of_unknown_card_fails_in_danish():
    with pytest.raises(CommandError, match="intet aktionskort"):
        call_command("export_card", "findes-ikke", stdout=io.StringIO())


@pytest.mark.django_db
def test_bad_file_reports_every_problem_with_line_and_path(seeded_card, tmp_path):
    data = yaml.safe_load(export())
    data["card"]["colour"] = "rød"  # unknown field
    del data["scenarios"][0]["reason"]  # missing required field
    data["scenarios"][3]["blocks"][0]["steps"][0]["text"] = ""  # step without text
    data["scenarios"][3]["blocks"][0]["steps"][1]["person"] = "testperson-ukendt"
    data["organisations"].append(dict(data["organisations"][0]))  # duplicate slug
    data["phone_lines"][0]["number"] = 12345678  # wrong type
    data["message_templates"][0]["text"] = "pga. {grund}"
    data["scenarios"][1]["links"][0]["scenario"] = "findes-ikke"
    data["scenarios"][2]["blocks"][0]["shared"] = "ingen-blok"
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=4096)
    lines = text.splitlines()
    before = db_state()

    errors = import_errors(tmp_path, text)

    def line_of(needle, start=0):
        return next(i + 1 for i, line in enumerate(lines) if needle in line and i + 1 > start)

    expected = {
        "card.colour": "ukendt felt »colour«",
        "scenarios[0]": "mangler det krævede felt »reason«",
        "scenarios[3].blocks[0].steps[0]": "trinnet har ingen tekst",
        "scenarios[3].blocks[0].steps[1].person": "»testperson-ukendt«, som ikke findes",
        "organisations[5].slug": "er brugt to gange",
        "phone_lines[0].number": "forventede tekst, fandt tallet 12345678",
        "message_templates[0].text": "ukendt pladsholder {grund}",
        "scenarios[1].links[0].scenario": "»findes-ikke«, som ikke findes",
        "scenarios[2].blocks[0].shared": "»ingen-blok«, som ikke findes",
    }
    assert len(errors) == len(expected), errors
    for path, message in expected.items():
        hits = [e for e in errors if f" {path}: " in e]
        assert hits and message in hits[0], (path, errors)
        assert hits[0].startswith(f"{tmp_path / 'x.yaml'}:")
    colour_error = next(e for e in errors if "card.colour" in e)
    assert colour_error.startswith(f"{tmp_path / 'x.yaml'}:{line_of('colour:')} ")
    text_error = next(e for e in errors if "steps[0]:" in e)
    step_line = line_of("text: ''", start=line_of("slug: systemnedbrud-miralix")) - 1
    assert f"x.yaml:{step_line} " in text_error  # the line of the step's "- kind:"
    assert db_state() == before


@pytest.mark.django_db
def test_bad_yaml_reports_the_parsers_line(card, tmp_path):
    before = db_state()

    errors = import_errors(tmp_path, "card:\n  slug: telefoni\n  title: [x\npeople: []\n")

    assert len(errors) == 1
    assert errors[0].startswith(f"{tmp_path / 'x.yaml'}:4") and "ugyldig YAML" in errors[0]
    assert db_state() == before


def test_template_with_unpaired_brace_is_rejected():
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["message_templates"][0]["text"] = "pga. {reason"

    _, problems = parse_card_yaml(yaml.safe_dump(data, allow_unicode=True))

    assert [p.path for p in problems] == ["message_templates[0].text"]


def test_seed_file_is_valid():
    data, problems = parse_card_yaml(SEED.read_text(encoding="utf-8"))

    assert problems == []
    assert data["card"]["slug"] == "telefoni"


def test_duplicate_key_and_top_level_shape_are_reported():
    _, problems = parse_card_yaml("card: {slug: a, title: b}\ncard: {slug: a, title: b}\n")
    messages = [p.message for p in problems]

    assert "feltet »card« står to gange" in messages
    assert "mangler det krævede felt »scenarios«" in messages


@pytest.mark.django_db
def test_failure_while_writing_rolls_everything_back(card, tmp_path):
    data = yaml.safe_load(export(card.slug))
    data["people"].append({"slug": "testperson-1", "name": "Testperson 1", "phone": "00000001"})
    before = db_state()

    with (
        mock.patch(
            "cards.management.commands.import_card.card_publish", side_effect=RuntimeError("x")
        ),
        pytest.raises(RuntimeError),
    ):
        import_file(tmp_path, yaml.safe_dump(data, allow_unicode=True), "--publish")

    assert db_state() == before
    assert not Person.objects.filter(slug="testperson-1").exists()


def test_text_longer_than_its_column_is_reported():
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["scenarios"][0]["slug"] = "s" * 51
    data["phone_lines"][0]["number"] = "0" * 41

    _, problems = parse_card_yaml(yaml.safe_dump(data, allow_unicode=True))

    found = {p.path: p.message for p in problems}
    assert found["scenarios[0].slug"] == "højst 50 tegn, fandt 51"
    assert found["phone_lines[0].number"] == "højst 40 tegn, fandt 41"


def test_wrong_shapes_inside_lists_are_reported_not_crashed_on():
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    data["card"]["footer_blocks"] = "aarhus-dk-nedbrud"
    data["contact_groups"][0]["members"] = {"person": "lene"}
    data["shared_blocks"][2]["steps"][0]["phone_lines"] = [1, "hovednummer"]
    data["support_lines"][1]["hours"]["days"] = ["mon", 2, "fre"]
    data["scenarios"][0]["blocks"] = "kommunikation"

    _, problems = parse_card_yaml(yaml.safe_dump(data, allow_unicode=True))

    assert {p.path: p.message.split(",")[0] for p in problems} == {
        "card.footer_blocks": "forventede en liste",
        "contact_groups[0].members": "forventede en liste",
        "shared_blocks[2].steps[0].phone_lines[0]": "forventede et kort navn (a-z",
        "support_lines[1].hours.days[1]": "forventede tekst",
        "support_lines[1].hours.days[2]": "ukendt dag »fre« (brug mon",
        "scenarios[0].blocks": "forventede en liste",
    }
