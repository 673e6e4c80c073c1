"""Phone numbers and e-mail addresses as links, and the open/closed state of a line.

Staff call straight from the page, often on a phone, so every number is a ``tel:`` link
and every address a ``mailto:`` link — also inside a step's free text, which is escaped
first and only then given links (never ``|safe`` on the text itself). How a number is
shown and dialled is decided in `core.formatting`, the one place for it.
"""

import re

from django import template
from django.utils.html import format_html

from contacts.opening_hours import opening_label
from core import formatting

register = template.Library()

EMAIL_RE = re.compile(r"(?P<email>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)")


@register.filter
def tel_href(number):
    return formatting.phone_href(number)


@register.filter
def phone_display(number):
    """+4529204259 → 29 20 42 59: easier to read aloud and to dial by hand."""
    return formatting.phone_display(number)


@register.filter
def phone_mentioned_in(number, text):
    return formatting.phone_mentioned(text, number)


@register.simple_tag
def tel_link(number, label=None):
    return formatting.phone_link(number, label)


@register.simple_tag
def mailto_link(address):
    if not address:
        return ""
    return format_html('<a class="mailto" href="mailto:{}">{}</a>', address, address)


def _mailto(match):
    return format_html('<a href="mailto:{0}">{0}</a>', match.group("email"))


@register.filter(needs_autoescape=False)
def linkify(text):
    """Escape ``text``, then turn phone numbers and e-mail addresses into links."""
    return formatting.linkify_phones(text, extra=(EMAIL_RE, _mailto))


@register.filter
def opening(line, now=None):
    return opening_label(line, now)
