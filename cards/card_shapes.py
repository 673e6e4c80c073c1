"""The shapes of a card file: which fields each kind of mapping has, and of what kind.

Read by `cards.validation`; kept apart so the checks stay readable.
"""

import datetime as dt
import re

SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# --- Field shapes --------------------------------------------------------------------------
# A kind is checked by a predicate and described in Danish for the error message.
KINDS = {
    "text": (lambda v: isinstance(v, str), "tekst"),
    "slug": (lambda v: isinstance(v, str) and bool(SLUG_RE.match(v)), "et kort navn (a-z, 0-9, -)"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "et heltal"),
    "bool": (lambda v: isinstance(v, bool), "true eller false"),
    "list": (lambda v: isinstance(v, list), "en liste"),
    "mapping": (lambda v: isinstance(v, dict), "en tabel (nøgle: værdi)"),
    "date": (
        lambda v: isinstance(v, dt.date) or (isinstance(v, str) and _is_iso_date(v)),
        "en dato som 2026-12-31",
    ),
    "time": (
        lambda v: isinstance(v, str) and bool(TIME_RE.match(v)),
        'et klokkeslæt som "16:00" (i anførselstegn)',
    ),
}


def _is_iso_date(value):
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# name -> (kind, required). A kind ending in "?" also accepts null.
SHAPES = {
    "card": {
        "slug": ("slug", True),
        "title": ("text", True),
        "owner": ("slug?", False),
        "log_keeper": ("slug?", False),
        "next_review": ("date?", False),
        "footer_blocks": ("list", False),
    },
    "organisation": {
        "slug": ("slug", True),
        "name": ("text", True),
        "kind": ("text", True),
        "url": ("text", False),
    },
    "person": {
        "slug": ("slug", True),
        "name": ("text", True),
        "title": ("text", False),
        "organisation": ("slug?", False),
        "phone": ("text", False),
        "phone_secondary": ("text", False),
        "email": ("text", False),
    },
    "support_line": {
        "slug": ("slug", True),
        "name": ("text", True),
        "organisation": ("slug?", False),
        "phone": ("text", True),
        "hours": ("mapping?", False),
    },
    "hours": {
        "days": ("list", True),
        "opens": ("time", True),
        "closes": ("time", True),
        "open_on_holidays": ("bool", False),
    },
    "contact_group": {"slug": ("slug", True), "name": ("text", True), "members": ("list", False)},
    "member": {"person": ("slug", False), "email": ("text", False)},
    "phone_line": {"slug": ("slug", True), "name": ("text", True), "number": ("text", True)},
    "announcement": {
        "slug": ("slug", True),
        "name": ("text", True),
        "audio_file": ("text", True),
        "text": ("text", True),
    },
    "external_card": {"slug": ("slug", True), "title": ("text", True), "url": ("text", False)},
    "message_template": {"slug": ("slug", True), "kind": ("text", True), "text": ("text", True)},
    "shared_block": {"slug": ("slug", True), "title": ("text", False), "steps": ("list", True)},
    "scenario": {
        "slug": ("slug", True),
        "title": ("text", True),
        "reason": ("text", True),
        "description": ("text", False),
        "timers": ("list", False),
        "links": ("list", False),
        "blocks": ("list", True),
    },
    "timer": {
        "slug": ("slug", True),
        "name": ("text", True),
        "minutes": ("int", True),
        "text": ("text", False),
    },
    "link": {"scenario": ("slug", False), "external_card": ("slug", False), "text": ("text", True)},
    "block_use": {"shared": ("slug", False), "steps": ("list", False)},
    "step": {
        "kind": ("text", True),
        "text": ("text", False),
        "template": ("slug", False),
        "person": ("slug", False),
        "contact_group": ("slug", False),
        "support_line": ("slug", False),
        "announcement": ("slug", False),
        "phone_lines": ("list", False),
        "external_card": ("slug", False),
        "alternatives": ("list", False),
    },
    "alternative": {"label": ("text", True), "text": ("text", True)},
}
