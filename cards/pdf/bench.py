"""Benchmark of the card bundle for `make bench`: render time and peak memory.

Renders the seed card straight from ``cards/data/telefoni.yaml`` (the same shape as a
published snapshot), so it needs no database and measures WeasyPrint, not the ORM.
"""

import resource
import time
from pathlib import Path

import yaml
from django.utils import timezone

from cards.models import ActionCard, CardVersion
from cards.pdf.documents import render_card_bundle

SEED = Path(__file__).resolve().parents[1] / "data" / "telefoni.yaml"


def seed_version() -> CardVersion:
    """An unsaved version 1 of the seed card, as `load_seed` would publish it."""
    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    card = ActionCard(slug=data["card"]["slug"], title=data["card"]["title"])
    return CardVersion(card=card, number=1, published_at=timezone.now(), snapshot=data)


def bench_card_bundle(*, runs: int = 3) -> dict:
    """Render the seed bundle ``runs`` times.

    ``render_ms`` is the first (cold) render, as the Celery task does it once per
    publish; ``render_ms_best`` the best of the warm ones. ``peak_rss_mb`` is the peak
    resident memory of this process (Linux reports ru_maxrss in KiB).
    """
    version = seed_version()
    times, size = [], 0
    for _ in range(max(1, runs)):
        start = time.perf_counter()
        size = len(render_card_bundle(version=version))
        times.append((time.perf_counter() - start) * 1000)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "render_ms": round(times[0], 1),
        "render_ms_best": round(min(times), 1),
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "bytes": size,
    }


if __name__ == "__main__":  # pragma: no cover - `python -m cards.pdf.bench`
    import django

    django.setup()
    print(bench_card_bundle())
