"""Reads for the printed cards: which version is printed, which version to print."""

import re

from cards.models import CardVersion
from cards.pdf.services import bundle_path_for, version_dir_for

VERSION_DIR_RE = re.compile(r"^v(\d+)$")


def printed_version_number(card) -> int | None:
    """The newest version of ``card`` whose bundle file is on disk, or None.

    Read from the file system, not the database: the question is what a download (or
    the binder) would get, and that is whatever file is there.
    """
    probe = CardVersion(card=card, number=0)
    cards_dir = version_dir_for(probe).parent
    if not cards_dir.is_dir():
        return None
    numbers = sorted(
        (int(m[1]) for d in cards_dir.iterdir() if (m := VERSION_DIR_RE.match(d.name))),
        reverse=True,
    )
    for number in numbers:
        if bundle_path_for(CardVersion(card=card, number=number)).is_file():
            return number
    return None
