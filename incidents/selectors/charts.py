"""The figures' small line charts over the incident."""

import datetime as dt
from types import SimpleNamespace

from django.utils.translation import gettext as _

from incidents.models import Incident
from incidents.selectors.common import readable_figures
from incidents.selectors.labels import wait_label

CHART_POINTS = 120

CHART_WIDTH, CHART_HEIGHT = 300, 80


def _thin(rows, limit):
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def figure_charts(*, incident: Incident, now: dt.datetime, min_points: int = 1) -> list:
    """Small line charts over the incident, as SVG point lists drawn by the template.

    The dashboard asks for two points at least: one point is not a line, only an empty box.
    """
    rows = list(
        readable_figures(incident)
        .order_by("reported_at")
        .values_list("reported_at", "agents_available", "calls_in_queue", "longest_wait_seconds")
    )
    rows = _thin(rows, CHART_POINTS)
    if not rows or len(rows) < min_points:
        return []
    start = min(incident.started_at, rows[0][0])
    end = incident.closed_at or max(now, rows[-1][0])
    span = max((end - start).total_seconds(), 60)
    series = [
        (_("Ledige medarbejdere"), 1, str),
        (_("Opkald i kø"), 2, str),
        (_("Længste ventetid (min:sek)"), 3, wait_label),
    ]
    charts = []
    for label, index, fmt in series:
        values = [row[index] for row in rows]
        top = max(max(values), 1)
        points = " ".join(
            f"{(row[0] - start).total_seconds() / span * CHART_WIDTH:.1f},"
            f"{CHART_HEIGHT - row[index] / top * (CHART_HEIGHT - 4) - 2:.1f}"
            for row in rows
        )
        charts.append(
            SimpleNamespace(
                label=label, points=points, top=fmt(top), latest=fmt(values[-1]), count=len(rows)
            )
        )
    return charts
