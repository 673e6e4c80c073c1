"""How the dashboard and the report draw what ``incidents.selectors`` reads: the figures'
small line charts as SVG coordinates and labels.

The selector returns times and values; only the page knows its chart is 300 × 80 units.
"""

from types import SimpleNamespace

from django.utils.translation import gettext as _

from core.formatting import min_sec

CHART_WIDTH, CHART_HEIGHT = 300, 80


def _points(rows, index, start, span, top) -> str:
    return " ".join(
        f"{(row[0] - start).total_seconds() / span * CHART_WIDTH:.1f},"
        f"{CHART_HEIGHT - row[index] / top * (CHART_HEIGHT - 4) - 2:.1f}"
        for row in rows
    )


def figure_charts(series: dict | None) -> list[SimpleNamespace]:
    """One chart per figure (label, SVG points, highest and latest value) from
    ``incidents.selectors.figure_series``; none without figures."""
    if not series:
        return []
    rows, start = series["rows"], series["start"]
    span = max((series["end"] - start).total_seconds(), 60)
    kinds = [
        (_("Ledige medarbejdere"), 1, str),
        (_("Opkald i kø"), 2, str),
        (_("Længste ventetid (min:sek)"), 3, min_sec),
    ]
    charts = []
    for label, index, fmt in kinds:
        values = [row[index] for row in rows]
        top = max(max(values), 1)
        charts.append(
            SimpleNamespace(
                label=label,
                points=_points(rows, index, start, span, top),
                top=fmt(top),
                latest=fmt(values[-1]),
                count=len(rows),
            )
        )
    return charts
