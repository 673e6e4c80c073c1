"""Reading a card file within bounds, before any check of its content.

A card file is text from outside (an editor's laptop, a mail attachment), and YAML has
features that make a small file expensive: anchors and aliases (``&a`` / ``*a``) expand
a few lines into gigabytes ("billion laughs" reached 1.6 GB), deep nesting makes the
composer recurse until ``RecursionError``, and a long digit run becomes an integer that
no column holds. A card never needs any of that (the export writes no anchors), so the
file is refused with a located Danish message instead:

- its size is bounded (``CARD_IMPORT_MAX_BYTES``) before it is parsed;
- control characters (NUL and the like, raw or escaped) are refused where they stand;
- one pass over the parser's events — flat, so it cannot recurse — refuses anchors,
  aliases, nesting deeper than ``CARD_IMPORT_MAX_DEPTH``, more entries (mappings: a
  scenario, a step, a person …) than ``CARD_IMPORT_MAX_ENTRIES`` — each is a row to
  write, so this bounds the import's time too — and over-long numbers, and keeps to the
  time limit (``CARD_IMPORT_MAX_SECONDS``);
- only then is the node tree composed (once) and turned into data.
"""

import re
import time

import yaml
from django.conf import settings

# libyaml when present: the pure-Python parser takes seconds for a 1 MB file.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# C0 controls except tab, line feed and carriage return; DEL; C1 controls.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# 19 digits no longer fit PostgreSQL's bigint; nothing in a card is a number that large.
LONG_NUMBER_RE = re.compile(r"[-+]?(?:0[xob])?[0-9_]{19,}")
CHECK_CLOCK_EVERY = 2000


class CardFileError(Exception):
    """The file cannot be read as a card file at all; ``line`` is 1-based or None."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def control_character_message(char: str) -> str:
    name = {"\x00": " (NUL)", "\x1b": " (ESC)", "\x7f": " (DEL)"}.get(char, "")
    return f"kontroltegnet U+{ord(char):04X}{name} er ikke tilladt i et aktionskort"


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _check_size(text: str):
    limit = settings.CARD_IMPORT_MAX_BYTES
    size = len(text.encode("utf-8"))
    if size > limit:
        raise CardFileError(None, f"filen fylder {size:,} byte; højst {limit:,} byte er tilladt")


def _check_events(text: str, deadline: float):
    max_depth, max_entries = settings.CARD_IMPORT_MAX_DEPTH, settings.CARD_IMPORT_MAX_ENTRIES
    depth = entries = 0
    for count, event in enumerate(yaml.parse(text, Loader=Loader)):
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise CardFileError(
                line, f"YAML-henvisningen *{event.anchor} er ikke tilladt; skriv teksten ud"
            )
        if getattr(event, "anchor", None):
            raise CardFileError(
                line, f"YAML-ankeret &{event.anchor} er ikke tilladt; skriv teksten ud"
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise CardFileError(line, f"filen er indlejret mere end {max_depth} niveauer dybt")
            if isinstance(event, yaml.MappingStartEvent):
                entries += 1
                if entries > max_entries:
                    raise CardFileError(
                        line, f"filen har mere end {max_entries:,} poster (scenarier, trin, …)"
                    )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif (
            isinstance(event, yaml.ScalarEvent)
            and not event.style  # plain: None from PyYAML, "" from libyaml
            and LONG_NUMBER_RE.fullmatch(event.value)
        ):
            raise CardFileError(
                line,
                f"tallet {event.value[:20]}… er for stort (sæt anførselstegn om tekst og numre)",
            )
        if count % CHECK_CLOCK_EVERY == 0 and time.monotonic() > deadline:
            raise _too_slow()


def _too_slow():
    seconds = settings.CARD_IMPORT_MAX_SECONDS
    return CardFileError(None, f"filen tog mere end {seconds:g} sekunder at læse; del den op")


def load_card_yaml(text: str):
    """(node tree, data) of a card file, or CardFileError; ``yaml.YAMLError`` passes up."""
    deadline = time.monotonic() + settings.CARD_IMPORT_MAX_SECONDS
    _check_size(text)
    bad = CONTROL_RE.search(text)
    if bad:
        raise CardFileError(_line_of(text, bad.start()), control_character_message(bad.group()))
    _check_events(text, deadline)
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        if time.monotonic() > deadline:
            raise _too_slow()
        data = loader.construct_document(node) if node is not None else None
    except (ValueError, OverflowError) as exc:
        # A value no Python type takes (a date like 2026-02-31): the file is wrong.
        raise CardFileError(None, f"en værdi kan ikke læses: {exc}") from exc
    finally:
        loader.dispose()
    if time.monotonic() > deadline:
        raise _too_slow()
    return node, data
