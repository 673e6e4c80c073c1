"""How the statistics page draws what ``exercises.selectors`` reads: SVG coordinates and labels.

The selector returns minutes and times; only the page knows its chart is 300 × 80 units.
"""

from types import SimpleNamespace

from core.formatting import hours_min_sec
from incidents.metrics import METRICS

CHART_WIDTH, CHART_HEIGHT = 300, 80


def _points(rows, start, span, top) -> list[tuple[str, str]]:
    """SVG coordinates (x, y) of a series; the template draws a line and a dot each, so
    a series of one is still visible."""
    return [
        (
            f"{4 + (at - start).total_seconds() / span * (CHART_WIDTH - 8):.1f}",
            f"{CHART_HEIGHT - value / top * (CHART_HEIGHT - 8) - 4:.1f}",
        )
        for at, value in rows
    ]


def statistics_charts(stats: dict) -> list[SimpleNamespace]:
    """One small chart per metric (x: when it started, y: the duration), from
    ``scenario_statistics``."""
    if not stats["series"]:
        return []
    labels = dict(METRICS)
    start = stats["first"]
    span = max((stats["last"] - start).total_seconds(), 1)
    charts = []
    for series in stats["series"]:
        values = [v for _at, v in series["exercises"] + series["incidents"]]
        top = max(max(values), 1)
        charts.append(
            SimpleNamespace(
                key=series["key"],
                label=labels[series["key"]],
                top=hours_min_sec(top * 60),
                exercises=_points(series["exercises"], start, span, top),
                incidents=_points(series["incidents"], start, span, top),
                exercise_count=len(series["exercises"]),
                incident_count=len(series["incidents"]),
            )
        )
    return charts
