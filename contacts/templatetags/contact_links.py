"""Phone numbers and e-mail addresses as links, and the open/closed state of a line.

Staff call straight from the page, often on a phone, so every number is a ``tel:`` link
and every address a ``mailto:`` link — also inside a step's free text, which is escaped
first and only then given links (never ``|safe`` on the text itself).
"""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from contacts.opening_hours import opening_label

register = template.Library()

# Danish numbers are 8 digits; the card also writes them without spaces.
PHONE_RE = re.compile(r"(?<![\d/])(\d{8})(?![\d/])")
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
LINK_RE = re.compile(f"{PHONE_RE.pattern}|(?P<email>{EMAIL_RE.pattern})")


def _digits(number):
    return re.sub(r"[^\d+]", "", number or "")


@register.filter
def tel_href(number):
    digits = _digits(number)
    return f"tel:+45{digits}" if len(digits) == 8 else f"tel:{digits}"


@register.filter
def phone_display(number):
    """29204259 → 29 20 42 59: easier to read aloud and to dial by hand."""
    digits = _digits(number)
    if len(digits) == 8:
        return " ".join(digits[i : i + 2] for i in range(0, 8, 2))
    return number


@register.simple_tag
def tel_link(number, label=None):
    if not number:
        return ""
    return format_html(
        '<a class="tel" href="{}">{}</a>', tel_href(number), label or phone_display(number)
    )


@register.simple_tag
def mailto_link(address):
    if not address:
        return ""
    return format_html('<a class="mailto" href="mailto:{}">{}</a>', address, address)


@register.filter(needs_autoescape=False)
def linkify(text):
    """Escape ``text``, then turn 8-digit numbers and e-mail addresses into links."""

    def link(match):
        if match.group("email"):
            return format_html('<a href="mailto:{0}">{0}</a>', match.group("email"))
        # Inside prose the number keeps its printed form, so the text stays word for word.
        return format_html('<a href="{}">{}</a>', tel_href(match.group(1)), match.group(1))

    return mark_safe(LINK_RE.sub(link, str(escape(text))))


@register.filter
def opening(line, now=None):
    return opening_label(line, now)
