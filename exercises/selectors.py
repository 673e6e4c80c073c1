"""Reads for exercises: scripts, injects as delivered, evaluations, and the response
metrics computed from the incident log's structured events."""

from exercises.models import Evaluation, ExerciseRun, ExerciseScript, ProposedChange
from incidents.metrics import METRICS, response_metrics
from incidents.models import Incident, IncidentScenario

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


def scenario_statistics(*, scenario_slug: str) -> dict:
    """Closed incidents and exercises of one scenario over time, with their metrics, and
    per metric that has a value the series of (started at, minutes), exercises and real
    incidents apart; ``first``/``last`` are the first and last start. Drawn by
    ``exercises.presentation.statistics_charts``."""
    incidents = list(
        Incident.objects.filter(
            status=Incident.Status.CLOSED, scenarios__scenario_slug=scenario_slug
        )
        .distinct()
        .order_by("-started_at")[:MAX_STATS_INCIDENTS]
    )
    incidents.reverse()
    rows = [{"incident": i, "metrics": response_metrics(incident=i)} for i in incidents]
    series = []
    for index, (key, _label) in enumerate(METRICS):
        values = {True: [], False: []}
        for row in rows:
            seconds = row["metrics"][index]["seconds"]
            if seconds is not None:
                values[row["incident"].is_exercise].append(
                    (row["incident"].started_at, seconds / 60)
                )
        if values[True] or values[False]:
            series.append({"key": key, "exercises": values[True], "incidents": values[False]})
    return {
        "exercises": [r for r in rows if r["incident"].is_exercise],
        "incidents": [r for r in rows if not r["incident"].is_exercise],
        "first": rows[0]["incident"].started_at if rows else None,
        "last": rows[-1]["incident"].started_at if rows else None,
        "series": series,
    }
