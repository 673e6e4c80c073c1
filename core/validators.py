"""Validators shared by the apps' forms and admin."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Line breaks (also the Unicode ones), tabs and other control characters: text that can
# reach an e-mail header (a subject made of titles, a recipient's name) may hold none of
# them, or a title could smuggle in a header of its own.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def validate_single_line(value: str) -> None:
    if value and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _(
                "Teksten skal stå på én linje uden linjeskift, tabulatorer eller styretegn "
                "(den kan indgå i emnet på en e-mail)."
            ),
            code="single_line",
        )


def header_safe(text: str) -> str:
    """The defensive twin of ``validate_single_line`` where a header is built: any control
    character becomes a space, and runs of whitespace one space."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())
