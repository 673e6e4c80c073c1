"""The SMS grammar staff write in, as a pure function: ``parse(text)`` gives a ``Command``
or raises ``GrammarError`` whose message is the exact Danish reply.

    TAL <på vagt> <ledige> <i kø> <længste ventetid> <gennemsnitlig ventetid>
    LOG <tekst>
    OK
    #<hændelse> before any of them picks the incident (else the newest running one).

Wait times are minutes ("7") or minutes:seconds ("7:45"; "7.45" as phones autocorrect).
Keywords are case-insensitive. Bounds are the figure form's (incidents.forms). Replies
keep to GSM 03.38 (a plain "-", no typographic dash), so they stay 153 characters a part.
"""

import re
import unicodedata
from dataclasses import dataclass, field

MAX_AGENTS = 1000
MAX_QUEUE = 10_000
MAX_WAIT_SECONDS = 24 * 3600
MAX_LOG_CHARS = 1000

EXAMPLE = "TAL 12 3 17 7:45 3:20"
HELP = f"Skriv TAL, LOG eller OK - fx {EXAMPLE}, LOG Strømmen er tilbage eller OK."
TAL_FIELDS = ("på vagt", "ledige", "i kø", "længste ventetid", "gennemsnitlig ventetid")
COUNT_LIMITS = (MAX_AGENTS, MAX_AGENTS, MAX_QUEUE)
WAIT = re.compile(r"^(\d{1,4})(?:[:.](\d{2}))?$")
INCIDENT = re.compile(r"^#(\d{1,9})$")


class GrammarError(ValueError):
    """``str(error)`` is the reply, word for word."""


@dataclass(frozen=True)
class Command:
    kind: str  # "TAL", "LOG" or "OK"
    incident_id: int | None = None
    figures: dict = field(default_factory=dict)
    text: str = ""


def _normalise(text: str) -> str:
    # NFKC folds full-width digits and odd spaces phones produce; then one space each.
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def _count(token: str, index: int) -> int:
    name, limit = TAL_FIELDS[index], COUNT_LIMITS[index]
    if not token.isdigit() or not token.isascii():
        raise GrammarError(f"»{token}« er ikke et antal ({name}). {_tal_usage()}")
    value = int(token)
    if value > limit:
        raise GrammarError(f"For stort tal for {name}: {value} (højst {limit}).")
    return value


def _wait(token: str, index: int) -> int:
    name = TAL_FIELDS[index]
    match = WAIT.match(token)
    if not match:
        raise GrammarError(
            f"»{token}« er ikke en ventetid ({name}). Skriv minutter eller min:sek, fx 7:45."
        )
    minutes, seconds = int(match.group(1)), int(match.group(2) or 0)
    if seconds >= 60:
        raise GrammarError(
            f"»{token}« er ikke en ventetid ({name}): sekunderne skal være under 60."
        )
    total = minutes * 60 + seconds
    if total > MAX_WAIT_SECONDS:
        raise GrammarError(f"For lang ventetid ({name}): {token} (højst 24 timer).")
    return total


TAL_USAGE = (
    f"Skriv: TAL på vagt, ledige, i kø, længste ventetid, gennemsnitlig ventetid - fx {EXAMPLE}."
)


def _tal_usage() -> str:
    return TAL_USAGE


def _tal(args: list[str]) -> dict:
    if len(args) != 5:
        raise GrammarError(f"TAL skal have 5 tal, men fik {len(args)}. {_tal_usage()}")
    on, free, queue = (_count(args[i], i) for i in range(3))
    longest, average = _wait(args[3], 3), _wait(args[4], 4)
    if free > on:
        raise GrammarError(
            f"Der kan ikke være flere ledige ({free}) end medarbejdere på vagt ({on})."
        )
    if average > longest:
        raise GrammarError("Den gennemsnitlige ventetid kan ikke være længere end den længste.")
    return {
        "agents_on_duty": on,
        "agents_available": free,
        "calls_in_queue": queue,
        "longest_wait_seconds": longest,
        "average_wait_seconds": average,
    }


def parse(text: str) -> Command:
    words = _normalise(text).split(" ")
    if words == [""]:
        raise GrammarError(f"Beskeden er tom. {HELP}")
    incident_id = None
    if words[0].startswith("#"):
        match = INCIDENT.match(words[0])
        if not match:
            raise GrammarError(f"»{words[0]}« er ikke et hændelsesnummer. Skriv fx #12 {EXAMPLE}.")
        incident_id = int(match.group(1))
        words = words[1:]
        if not words:
            raise GrammarError(f"Efter #{incident_id} mangler TAL, LOG eller OK.")
    keyword, args = words[0].upper(), words[1:]
    if keyword == "TAL":
        return Command("TAL", incident_id, figures=_tal(args))
    if keyword == "LOG":
        body = " ".join(args)
        if not body:
            raise GrammarError("LOG skal efterfølges af en tekst, fx LOG Strømmen er tilbage.")
        if len(body) > MAX_LOG_CHARS:
            raise GrammarError(f"Teksten er for lang ({len(body)} tegn, højst {MAX_LOG_CHARS}).")
        return Command("LOG", incident_id, text=body)
    if keyword == "OK":
        if args:
            raise GrammarError("OK skal stå alene (eller som #12 OK).")
        return Command("OK", incident_id)
    raise GrammarError(f"Ukendt kommando »{words[0][:20]}«. {HELP}")
