"""A card file is bounded input: size, anchors, depth, time, control characters, numbers.

Each hostile file is refused with the project's located error (``file:line path:
message``), in Danish, with nothing written — never a traceback from YAML or the database.
"""

import io
import time

import pytest
import yaml
from django.core.management import CommandError, call_command

from cards.models import ActionCard, Scenario
from cards.services import card_import
from cards.validation import parse_card_yaml
from tests.cards.card_files import (
    billion_laughs,
    card_with_entries,
    deeply_nested,
    dump,
    large_card_text,
    seed_data,
)

pytestmark = pytest.mark.django_db


def import_errors(tmp_path, text, name="x.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_card", str(path), stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines(), str(refused.value), str(path)


def messages(text):
    data, problems = parse_card_yaml(text)
    assert data is None
    return [p.format("x.yaml") for p in problems]


def test_billion_laughs_is_refused_at_its_first_anchor_without_expanding(tmp_path):
    started = time.monotonic()
    errors, _, path = import_errors(tmp_path, billion_laughs())

    assert errors == [f"{path}:1: YAML-ankeret &a0 er ikke tilladt; skriv teksten ud"]
    assert time.monotonic() - started < 1


def test_an_alias_alone_is_refused_where_it_stands():
    data = seed_data()
    text = dump(data).replace("people:\n", "people: *folk\n", 1)
    line = text.splitlines().index("people: *folk") + 1

    assert messages(text) == [
        f"x.yaml:{line}: YAML-henvisningen *folk er ikke tilladt; skriv teksten ud"
    ]


@pytest.mark.parametrize("depth", [25, 900, 10_000])
def test_deep_nesting_is_a_located_error_not_a_recursion_error(depth):
    found = messages(deeply_nested(depth))

    assert len(found) == 1 and found[0].startswith("x.yaml:1: ")
    assert "indlejret mere end 20 niveauer" in found[0] or "nesting depth" in found[0]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, settings):
    settings.CARD_IMPORT_MAX_BYTES = 1000
    _, refused, _ = import_errors(tmp_path, "# " + "x" * 2000 + "\n")

    assert "højst 1,000 byte er tilladt" in refused and "Intet er ændret" in refused
    assert messages("# " + "x" * 2000 + "\n") == [
        "x.yaml: filen fylder 2,003 byte; højst 1,000 byte er tilladt"
    ]


def test_the_default_size_limit_is_2_mb(settings):
    assert settings.CARD_IMPORT_MAX_BYTES == 2 * 1024 * 1024
    text = "# " + "x" * (2 * 1024 * 1024) + "\n"
    assert messages(text) == [
        "x.yaml: filen fylder 2,097,155 byte; højst 2,097,152 byte er tilladt"
    ]


def test_a_file_that_takes_too_long_is_refused(settings):
    settings.CARD_IMPORT_MAX_SECONDS = 0

    assert messages(dump(seed_data())) == [
        "x.yaml: filen tog mere end 0 sekunder at læse; del den op"
    ]


def test_a_raw_nul_byte_is_refused_at_its_line(tmp_path):
    text = dump(seed_data()).replace("title: Aktionskort", "title: Aktions\x00kort", 1)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "\x00" in s)

    errors, _, path = import_errors(tmp_path, text)

    assert errors == [f"{path}:{line}: kontroltegnet U+0000 (NUL) er ikke tilladt i et aktionskort"]
    assert not ActionCard.objects.exists()


@pytest.mark.parametrize("escape, shown", [("\\0", "U+0000 (NUL)"), ("\\e", "U+001B (ESC)")])
def test_an_escaped_control_character_is_refused_with_its_path(tmp_path, escape, shown):
    data = seed_data()
    data["scenarios"][0]["reason"] = "MARK"
    text = dump(data).replace("reason: MARK", f'reason: "testårsag{escape}x"', 1)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "testårsag" in s)

    errors, _, path = import_errors(tmp_path, text)

    assert errors == [
        f"{path}:{line} scenarios[0].reason: kontroltegnet {shown} er ikke tilladt i et aktionskort"
    ]


def test_a_minute_count_beyond_the_integer_column_is_a_located_error(tmp_path):
    data = seed_data()
    scenario = next(s for s in data["scenarios"] if s.get("timers"))
    index = data["scenarios"].index(scenario)
    scenario["timers"][0]["minutes"] = 2**31  # PostgreSQL integer ends at 2**31 - 1
    text = dump(data)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if f"minutes: {2**31}" in s)

    errors, _, path = import_errors(tmp_path, text)

    assert errors == [
        f"{path}:{line} scenarios[{index}].timers[0].minutes: "
        "tallet skal ligge mellem 0 og 2147483647"
    ]
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("digits", [25, 5000])
def test_a_number_too_long_for_any_column_is_refused_where_it_stands(tmp_path, digits):
    data = seed_data()
    data["phone_lines"][0]["number"] = "MARK"
    text = dump(data).replace("number: MARK", "number: " + "9" * digits, 1)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if "9" * digits in s)

    errors, _, path = import_errors(tmp_path, text)

    assert len(errors) == 1
    assert errors[0].startswith(f"{path}:{line}: tallet 99999999999999999999… er for stort")


def test_a_1_mb_card_file_fails_within_2_seconds_at_its_entry_limit():
    text = large_card_text(1024 * 1024)
    assert len(text.encode()) >= 1024 * 1024

    started = time.monotonic()
    data, problems = parse_card_yaml(text)
    took = time.monotonic() - started

    print(f"\n1 MB card file ({len(text.encode()):,} bytes) refused in {took:.2f} s")
    assert data is None
    assert [p.message for p in problems] == ["filen har mere end 1,000 poster (scenarier, trin, …)"]
    assert problems[0].line > 1
    assert took < 2


def test_the_largest_card_the_bounds_allow_is_read_and_imported_within_2_seconds(settings):
    assert settings.CARD_IMPORT_MAX_ENTRIES == 1000  # about 8 times the seed card
    text = card_with_entries(1000)

    started = time.monotonic()
    data, problems = parse_card_yaml(text)
    parsed = time.monotonic() - started
    assert problems == []
    card = card_import(data=data)
    took = time.monotonic() - started

    print(
        f"\ncard with ~1,000 entries ({len(text.encode()):,} bytes): checked in "
        f"{parsed:.2f} s, checked and imported in {took:.2f} s"
    )
    assert card.scenarios.count() == len(data["scenarios"]) > 100
    assert took < 2


def test_a_1_mb_hostile_file_fails_within_2_seconds(settings):
    settings.CARD_IMPORT_MAX_ENTRIES = 10**6  # so it is the content checks that must be fast
    text = large_card_text(1024 * 1024).replace("reason: test", 'reason: "te\\0st"')

    started = time.monotonic()
    _, problems = parse_card_yaml(text)
    took = time.monotonic() - started

    print(f"\n1 MB file with {len(problems)} control characters refused in {took:.2f} s")
    assert len(problems) > 100 and all("U+0000" in p.message for p in problems)
    assert took < 2


def test_the_export_writes_no_anchors_even_for_a_block_used_seven_times(seeded_card):
    out = io.StringIO()
    call_command("export_card", "telefoni", stdout=out)
    events = list(yaml.parse(out.getvalue()))

    assert not any(getattr(e, "anchor", None) for e in events)
    assert parse_card_yaml(out.getvalue())[1] == []
