"""The figures over the incident, for its small line charts (drawn by incidents.presentation)."""

import datetime as dt

from incidents.models import Incident
from incidents.selectors.common import readable_figures

CHART_POINTS = 120


def _thin(rows, limit):
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def figure_series(*, incident: Incident, now: dt.datetime, min_points: int = 1) -> dict | None:
    """The figure reports over the incident, thinned to ``CHART_POINTS``, with the time span
    they are drawn over; None with fewer than ``min_points`` (the dashboard asks for two:
    one point is not a line, only an empty box)."""
    rows = list(
        readable_figures(incident)
        .order_by("reported_at")
        .values_list("reported_at", "agents_available", "calls_in_queue", "longest_wait_seconds")
    )
    rows = _thin(rows, CHART_POINTS)
    if not rows or len(rows) < min_points:
        return None
    start = min(incident.started_at, rows[0][0])
    end = incident.closed_at or max(now, rows[-1][0])
    return {"start": start, "end": end, "rows": rows}
