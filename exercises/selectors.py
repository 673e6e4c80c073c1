"""Reads for exercises: scripts, injects as delivered, evaluations, and the response
metrics computed from the incident log's structured events."""

from types import SimpleNamespace

from exercises.models import Evaluation, ExerciseRun, ExerciseScript, ProposedChange
from incidents.metrics import METRICS, duration_label, response_metrics
from incidents.models import Incident, IncidentScenario

CHART_WIDTH, CHART_HEIGHT = 300, 80
MAX_STATS_INCIDENTS = 50


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
