"""Benchmark of the card bundle for `make bench`: render time and peak memory.

Renders the seed card straight from ``cards/data/telefoni.yaml`` (the same shape as a
published snapshot), so it needs no database and measures WeasyPrint, not the ORM.
"""

import resource
import time
from pathlib import Path

import yaml

SEED = Path(__file__).resolve().parents[1] / "cards" / "data" / "telefoni.yaml"


# Django imports inside the functions: `python -m bench.card_pdf` sets Django up first.


def seed_version():
    """An unsaved version 1 of the seed card, as `load_seed` would publish it."""
    from django.utils import timezone

    from cards.models import ActionCard, CardVersion

    data = yaml.safe_load(SEED.read_text(encoding="utf-8"))
    card = ActionCard(slug=data["card"]["slug"], title=data["card"]["title"])
    return CardVersion(card=card, number=1, published_at=timezone.now(), snapshot=data)


def bench_card_bundle(*, runs: int = 3) -> dict:
    """Render the seed bundle ``runs`` times.

    ``render_ms`` is the first (cold) render, as the Celery task does it once per
    publish; ``render_ms_best`` the best of all runs. ``peak_rss_mb`` is the peak
    resident memory of this process (Linux reports ru_maxrss in KiB).
    """
    from cards.pdf.documents import render_card_bundle

    version = seed_version()
    times, cpu, size = [], [], 0
    for _ in range(max(1, runs)):
        start, start_cpu = time.perf_counter(), time.process_time()
        size = len(render_card_bundle(version=version))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "render_ms": round(times[0], 1),
        "render_ms_best": round(min(times), 1),
        # CPU time of the cold render: steadier than wall time on a shared machine.
        "render_cpu_ms": round(cpu[0], 1),
        "peak_rss_mb": round(peak_kib / 1024, 1),
        "bytes": size,
    }


if __name__ == "__main__":  # pragma: no cover - `python -m bench.card_pdf`
    import json
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    print(json.dumps({"card_bundle": bench_card_bundle()}))
