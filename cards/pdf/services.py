"""Printed cards on disk: one bundle (and scenario cards) per published version.

Files live under ``MEDIA_ROOT/cards/<slug>/v<number>/``; no model is needed because a
version never changes after it is published, so the path *is* the cache key. Files are
written atomically (``printing.files``), so a reader (a download during an incident)
sees either no file or a whole one, never a half-written PDF.
"""

import logging
from pathlib import Path

from django.conf import settings

from cards.pdf.documents import render_card_bundle, render_scenario_card
from cards.snapshots import CardSnapshot
from core.tasks_by_name import task_enqueue_on_commit
from printing.files import file_write_atomic

logger = logging.getLogger(__name__)


def version_dir_for(version) -> Path:
    return Path(settings.MEDIA_ROOT) / "cards" / version.card.slug / f"v{version.number}"


def bundle_path_for(version) -> Path:
    return version_dir_for(version) / f"{version.card.slug}-v{version.number}.pdf"


def scenario_card_path_for(version, scenario_slug: str) -> Path:
    return version_dir_for(version) / "scenarier" / f"{scenario_slug}.pdf"


def card_bundle_write(*, version) -> Path:
    """Render the bundle of ``version`` and (re)write its file."""
    data = render_card_bundle(version=version)
    path = file_write_atomic(path=bundle_path_for(version), data=data)
    logger.info("Trykt PDF skrevet: %s", path)
    return path


def ensure_bundle(*, version) -> Path:
    """The bundle file of ``version``, rendered only if it is not on disk yet."""
    path = bundle_path_for(version)
    if path.is_file():
        return path
    return card_bundle_write(version=version)


def scenario_card_write(*, version, scenario_slug: str) -> Path:
    data = render_scenario_card(version=version, scenario_slug=scenario_slug)
    return file_write_atomic(path=scenario_card_path_for(version, scenario_slug), data=data)


def ensure_scenario_card(*, version, scenario_slug: str) -> Path:
    path = scenario_card_path_for(version, scenario_slug)
    if path.is_file():
        return path
    return scenario_card_write(version=version, scenario_slug=scenario_slug)


def card_version_render_all(*, version) -> list[Path]:
    """Bundle first (the binder), then every scenario card of the version."""
    paths = [ensure_bundle(version=version)]
    for slug in CardSnapshot(version.snapshot).scenario_slugs():
        paths.append(ensure_scenario_card(version=version, scenario_slug=slug))
    return paths


def card_bundle_schedule(*, version) -> None:
    """Render the printed card in the background once the publishing transaction commits.

    Called from ``card_publish``: if the broker is down the publish still succeeds, and
    the first download renders the file instead.
    """
    task_enqueue_on_commit(
        "cards.tasks.card_bundle_render",
        version.pk,
        unsent="Kunne ikke sætte PDF-opgaven i kø for version %s",
    )
