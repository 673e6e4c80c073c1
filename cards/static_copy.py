"""A copy of the published card that needs no server (issue 15): one self-contained HTML file.

The same content as the printed bundle (every scenario, step, note and the contact list,
with version and publication date), rendered from the published snapshot through the
bundle's own context, with the stylesheets inlined, no JavaScript and no address outside
the file (phone and mail links aside). It opens from a USB stick, the intranet or a second
web host outside the municipal network. Written on every publish (a Celery task, enqueued
on commit) to ``MEDIA_ROOT/cards/<slug>/<slug>.html`` and per version beside the PDFs.
"""

import logging
import re
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from cards.pdf.documents import CARD_STYLESHEETS, CardDocument
from cards.pdf.services import version_dir_for
from core.tasks_by_name import task_enqueue_on_commit
from printing.files import file_write_atomic

logger = logging.getLogger(__name__)

# Fonts are files next to the CSS: a copy without them falls back to the system's sans.
FONT_FACE = re.compile(r"@font-face\s*{[^}]*}", re.S)


def inline_css() -> str:
    css = "\n".join(Path(path).read_text(encoding="utf-8") for path in CARD_STYLESHEETS)
    return FONT_FACE.sub("", css)


def static_copy_html(*, version) -> str:
    context = {**CardDocument(version).bundle_context(), "inline_css": inline_css()}
    with translation.override("da"):
        return render_to_string("cards/static/copy.html", context)


def static_copy_path_for(card) -> Path:
    return Path(settings.MEDIA_ROOT) / "cards" / card.slug / f"{card.slug}.html"


def static_copy_write(*, version) -> Path:
    """Write the copy of ``version``: the card's current file, and the version's own."""
    data = static_copy_html(version=version).encode("utf-8")
    version_copy = version_dir_for(version) / f"{version.card.slug}-v{version.number}.html"
    file_write_atomic(path=version_copy, data=data)
    path = file_write_atomic(path=static_copy_path_for(version.card), data=data)
    logger.info("Statisk kopi skrevet: %s", path)
    return path


def static_copy_schedule(*, version) -> None:
    """From ``card_publish``: regenerate the copy once the publish commits."""
    task_enqueue_on_commit(
        "cards.tasks.card_static_copy_write",
        version.pk,
        unsent="Kunne ikke sætte den statiske kopi i kø for version %s",
    )
