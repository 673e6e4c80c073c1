"""Reads for exercises: scripts, injects as delivered, evaluations, and the response
metrics computed from the incident log's structured events."""

from types import SimpleNamespace

from django.utils.translation import gettext_lazy as _

from exercises.models import Evaluation, ExerciseRun, ExerciseScript, ProposedChange
from incidents.models import Incident, IncidentScenario, LogEntry

# The reserved event type of the alerts app (see LogEntry.Event): read by value, so the
# metric appears the day that app writes it, without a change here.
ALERT_ALL_ACKED = "alert_all_acked"

METRICS = (
    ("first_update", _("Første statusopdatering")),
    ("announcement_on", _("Infobesked slået til")),
    ("first_figures", _("Første tal")),
    ("all_acknowledged", _("Alle har kvitteret for alarmen")),
    ("closed", _("Afsluttet")),
)
CHART_WIDTH, CHART_HEIGHT = 300, 80
MAX_STATS_INCIDENTS = 50


def duration_label(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _first_times(incident: Incident) -> dict:
    """The time of the first log entry of each event type that a metric needs."""
    wanted = [
        LogEntry.Event.UPDATE_SENT,
        LogEntry.Event.LINE_SWITCHED,
        LogEntry.Event.FIGURES_REPORTED,
        LogEntry.Event.INCIDENT_CLOSED,
        ALERT_ALL_ACKED,
    ]
    firsts: dict = {}
    rows = (
        LogEntry.objects.filter(incident=incident, event__in=wanted)
        .order_by("created_at", "sequence")
        .values_list("event", "data", "created_at")
    )
    for event, data, created_at in rows:
        # Only switching an announcement on counts; back to normal does not.
        if event == LogEntry.Event.LINE_SWITCHED and not (data or {}).get("to_announcement"):
            continue
        firsts.setdefault(event, created_at)
    return firsts


def response_metrics(*, incident: Incident) -> list[dict]:
    """Seconds from the incident's start to: the first status update sent, the first
    announcement switched on, the first figures, everyone acknowledging the alert (when
    the alerts app logs it; "—" otherwise) and the close. ``None`` when it never happened.

    For the report (incidents/pdf), the evaluation and the statistics page."""
    firsts = _first_times(incident)
    events = {
        "first_update": firsts.get(LogEntry.Event.UPDATE_SENT),
        "announcement_on": firsts.get(LogEntry.Event.LINE_SWITCHED),
        "first_figures": firsts.get(LogEntry.Event.FIGURES_REPORTED),
        "all_acknowledged": firsts.get(ALERT_ALL_ACKED),
        "closed": firsts.get(LogEntry.Event.INCIDENT_CLOSED),
    }
    metrics = []
    for key, label in METRICS:
        at = events[key]
        seconds = None if at is None else max(int((at - incident.started_at).total_seconds()), 0)
        metrics.append(
            {"key": key, "label": label, "seconds": seconds, "display": duration_label(seconds)}
        )
    return metrics


def scripts_for_list():
    return ExerciseScript.objects.select_related("card").prefetch_related("injects")


def script_detail(*, pk: int) -> ExerciseScript:
    return (
        ExerciseScript.objects.select_related("card")
        .prefetch_related("participants", "injects__recipients")
        .get(pk=pk)
    )


def run_for_incident(*, incident: Incident) -> ExerciseRun | None:
    return ExerciseRun.objects.filter(incident=incident).select_related("script").first()


def run_injects(*, run: ExerciseRun) -> list[dict]:
    """The script's injects with when each arrived (None: not yet)."""
    delivered = dict(run.deliveries.values_list("inject_id", "delivered_at"))
    return [
        {"inject": inject, "delivered_at": delivered.get(inject.pk)}
        for inject in run.script.injects.all()
    ]


def evaluation_for(*, incident: Incident) -> Evaluation | None:
    return (
        Evaluation.objects.filter(incident=incident)
        .prefetch_related("findings__proposed_change")
        .first()
    )


def proposed_changes_open():
    return ProposedChange.objects.filter(status=ProposedChange.Status.PROPOSED).select_related(
        "card", "finding__evaluation__incident"
    )


def scenario_choices() -> list[tuple[str, str]]:
    """Scenarios that closed incidents were worked from: (slug, title), for the stats page."""
    rows = (
        IncidentScenario.objects.filter(incident__status=Incident.Status.CLOSED)
        .order_by("scenario_slug", "-added_at")
        .values_list("scenario_slug", "title")
    )
    seen: dict = {}
    for slug, title in rows:
        seen.setdefault(slug, title)
    return sorted(seen.items(), key=lambda item: item[1])


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


def scenario_statistics(*, scenario_slug: str) -> dict:
    """Closed incidents and exercises of one scenario over time, with their metrics, and
    one small SVG chart per metric with exercises and real incidents as separate series
    (x: when it started, y: the duration)."""
    incidents = list(
        Incident.objects.filter(
            status=Incident.Status.CLOSED, scenarios__scenario_slug=scenario_slug
        )
        .distinct()
        .order_by("-started_at")[:MAX_STATS_INCIDENTS]
    )
    incidents.reverse()
    rows = [{"incident": i, "metrics": response_metrics(incident=i)} for i in incidents]
    charts = []
    if rows:
        start = rows[0]["incident"].started_at
        span = max((rows[-1]["incident"].started_at - start).total_seconds(), 1)
        for index, (key, label) in enumerate(METRICS):
            values = {True: [], False: []}
            for row in rows:
                seconds = row["metrics"][index]["seconds"]
                if seconds is not None:
                    values[row["incident"].is_exercise].append(
                        (row["incident"].started_at, seconds / 60)
                    )
            all_values = [v for series in values.values() for _at, v in series]
            if not all_values:
                continue
            top = max(max(all_values), 1)
            charts.append(
                SimpleNamespace(
                    key=key,
                    label=label,
                    top=duration_label(top * 60),
                    exercises=_points(values[True], start, span, top),
                    incidents=_points(values[False], start, span, top),
                    exercise_count=len(values[True]),
                    incident_count=len(values[False]),
                )
            )
    return {
        "exercises": [r for r in rows if r["incident"].is_exercise],
        "incidents": [r for r in rows if not r["incident"].is_exercise],
        "charts": charts,
    }
