"""How the app writes numbers for people: phone numbers, durations, clock times, opening hours.

Each way of showing a value is written once, here; template filters, selectors and message
renderers call these functions. Nothing here imports an app: every app may import it.

Phone numbers
-------------

A number is stored in E.164 (``+4529204259``), whatever way it was typed ("29 20 42 59",
"0045 2920 4259"): one form, so that lookups, de-duplication and ``tel:`` links agree.
Without a country code a number is Danish (Denmark has a closed 8-digit plan). It is shown
grouped the Danish way ("29 20 42 59"; a foreign number as "+46 8 123 456 78") and dialled
from a ``tel:`` link in E.164, which every phone understands, also abroad.

A number is accepted when it has a possible length for its country; ``phonenumbers``'
stricter "valid" would refuse the obviously made-up numbers of tests and training
material (0000 0042), and a number that merely looks unassigned is still what the
card says to call.
"""

import datetime as dt
import re

import phonenumbers
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

DEFAULT_REGION = "DK"
DANISH_CODE = 45

# Inside free text: 8 digits (the card writes them unspaced or in pairs), or a number with
# a country code. Not inside longer digit runs, dates (12/05) or identifiers.
TEXT_PHONE_RE = re.compile(
    r"(?<![\w/+.-])(?:\+\d{1,3}(?:[ -]?\d){6,12}|\d{2}(?: ?\d{2}){3}|\d{8})(?![\w/-]|\.\d)"
)


class InvalidPhoneNumber(ValueError):
    pass


def _parse(raw: str) -> phonenumbers.PhoneNumber:
    text = (raw or "").strip()
    if len(text) > 40:
        raise InvalidPhoneNumber(text)
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(text) from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber(text)
    return number


def phone_normalise(raw: str) -> str:
    """E.164 for any way of writing a number; "" stays "". Raises InvalidPhoneNumber."""
    if not (raw or "").strip():
        return ""
    return phonenumbers.format_number(_parse(raw), phonenumbers.PhoneNumberFormat.E164)


def phone_or_raw(raw: str) -> str:
    """E.164 when the text is a number, else the text unchanged (for display paths)."""
    try:
        return phone_normalise(raw)
    except InvalidPhoneNumber:
        return raw or ""


def phone_display(raw: str) -> str:
    """29 20 42 59 for a Danish number, +46 8 123 456 78 for a foreign one."""
    try:
        number = _parse(raw)
    except InvalidPhoneNumber:
        return raw or ""
    if number.country_code == DANISH_CODE:
        digits = str(number.national_number).zfill(8)
        if len(digits) == 8:
            # Pairs, as Danes say and write them; also for numbers phonenumbers has no
            # pattern for (made-up ones, new ranges).
            return " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def phone_mentioned(text: str, raw: str) -> bool:
    """Whether ``text`` already gives the number (in any spacing, with or without +45)."""
    digits = re.sub(r"\D", "", phone_display(raw))
    return bool(digits) and digits in re.sub(r"\D", "", text or "")


def phone_href(raw: str) -> str:
    """``tel:+4529204259``; text that is no number gets no link target but itself."""
    return f"tel:{phone_or_raw(raw)}"


def phone_link(raw: str, label: str | None = None) -> str:
    if not raw:
        return ""
    return format_html(
        '<a class="tel" href="{}">{}</a>', phone_href(raw), label or phone_display(raw)
    )


def linkify_phones(text: str, *, extra=None) -> str:
    """Escape ``text`` first, then make its phone numbers ``tel:`` links (safe HTML).

    Free text is always shown as text: only the escaped string is searched, and the link
    shows the number exactly as it was written, so the text stays word for word.
    ``extra`` is (compiled pattern, function) for further links in the same pass.
    """
    escaped = str(escape(text or ""))
    pattern = TEXT_PHONE_RE
    if extra is not None:
        pattern = re.compile(f"(?P<phone>{TEXT_PHONE_RE.pattern})|{extra[0].pattern}")

    def link(match):
        if extra is not None and match.group("phone") is None:
            return extra[1](match)
        written = match.group(0)
        try:
            target = phone_normalise(written)
        except InvalidPhoneNumber:
            return written
        return format_html('<a href="tel:{}">{}</a>', target, written)

    return mark_safe(pattern.sub(link, escaped))


# --- Durations ---------------------------------------------------------------------------------
# Four looks, each for its reader; they differ on purpose (and tests pin them), so they are
# four functions rather than one with switches.


def min_sec(seconds) -> str:
    """185 → "3:05": a wait time to the second (telephony figures)."""
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def hours_min_sec(seconds) -> str:
    """3725 → "1:02:05", 185 → "3:05": a response time that may run past the hour."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def duration_words(minutes) -> str:
    """120 → "2 timer", 90 → "1 time og 30 minutter": how the paper card says a deadline."""
    minutes = int(minutes)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d time", "%(n)d timer", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minut", "%(n)d minutter", rest) % {"n": rest})
    return " og ".join(parts)


def duration_print(minutes: int) -> str:
    """90 → "1 time 30 min.": a deadline on the printed card, where space is short."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(gettext("1 time") if hours == 1 else gettext("%(n)d timer") % {"n": hours})
    if rest:
        parts.append(gettext("%(n)d min.") % {"n": rest})
    return " ".join(parts)


def duration_hours_min(delta: dt.timedelta) -> str:
    """1 h 15 min → "1 t 15 min", 12 min → "12 min": elapsed and remaining time on screen."""
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(h)d t %(m)d min") % {"h": hours, "m": minutes}
    return gettext("%(m)d min") % {"m": minutes}


def duration_hours_mm_da(minutes: int) -> str:
    """75 → "1 t 15 min", 62 → "1 t 02 min": in a status update, always Danish."""
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} t {minutes % 60:02d} min"


# --- Clock times and opening hours -------------------------------------------------------------

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WORKDAYS = list(WEEKDAYS[:5])
WEEKDAY_NAMES = {
    "mon": gettext_lazy("mandag"),
    "tue": gettext_lazy("tirsdag"),
    "wed": gettext_lazy("onsdag"),
    "thu": gettext_lazy("torsdag"),
    "fri": gettext_lazy("fredag"),
    "sat": gettext_lazy("lørdag"),
    "sun": gettext_lazy("søndag"),
}


def hour_minute(moment: dt.datetime | dt.time) -> str:
    """8:05 — a clock time in running text ("lukker kl. 8:05")."""
    return f"{moment.hour}:{moment.minute:02d}"


def hours_span(opens: dt.time, closes: dt.time) -> str:
    """ "kl. 08:00–16:00": a support line's opening hours next to its number."""
    return f"kl. {opens:%H:%M}–{closes:%H:%M}"


def hours_label(hours: dict | None) -> str:
    """ "Hverdage kl. 08:00–16:00, lukket på helligdage" from card data's ``hours``."""
    if not hours:
        return gettext("Åbningstid ikke oplyst")
    days = hours.get("days") or []
    if days == WORKDAYS:
        day_text = gettext("hverdage")
    elif days == list(WEEKDAYS):
        day_text = gettext("alle dage")
    else:
        day_text = ", ".join(str(WEEKDAY_NAMES[d]) for d in days)
    label = gettext("%(days)s kl. %(opens)s–%(closes)s") % {
        "days": day_text,
        "opens": hours["opens"],
        "closes": hours["closes"],
    }
    if not hours.get("open_on_holidays"):
        label += ", " + gettext("lukket på helligdage")
    return label[:1].upper() + label[1:]
