"""How the app reads, stores, shows and dials phone numbers — the one place that knows.

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

import re

import phonenumbers
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

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
