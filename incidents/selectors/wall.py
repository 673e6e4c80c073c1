"""The wall screen: every running incident at a glance."""

import datetime as dt
from types import SimpleNamespace

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import duration_hours_min
from incidents.models import Incident, IncidentStep
from incidents.selectors.common import guarded, readable_figures
from incidents.selectors.dashboard import timer_views
from incidents.selectors.labels import age_label


def wall_open_steps(*, incident_id: int, limit: int = 3) -> list:
    return list(
        IncidentStep.objects.filter(
            incident_id=incident_id, kind__in=IncidentStep.TASK_KINDS, done_at__isnull=True
        ).order_by("order")[:limit]
    )


def running_wall_state():
    """One aggregate over the running incidents for the wall screen's poll."""
    state = Incident.objects.filter(status=Incident.Status.RUNNING).aggregate(
        n=Count("pk"), rev=Sum("revision"), top=Max("pk")
    )
    return f"{state['n']}-{state['rev'] or 0}-{state['top'] or 0}"


def wall_overview(*, now: dt.datetime | None = None) -> list:
    """All running incidents for the wall screen (rarely more than two or three at once)."""
    now = now or timezone.now()
    incidents = (
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .order_by("started_at")
        .annotate(
            tasks_total=Count("steps", filter=Q(steps__kind__in=IncidentStep.TASK_KINDS)),
            tasks_done=Count(
                "steps",
                filter=Q(steps__kind__in=IncidentStep.TASK_KINDS, steps__done_at__isnull=False),
            ),
        )
        # Timers are read per incident: one bad timer row must not blank the whole wall.
        .prefetch_related("scenarios", "phone_lines")
    )
    overview = []
    for incident in incidents:
        problems = []
        item = guarded(
            lambda incident=incident: _wall_item(incident=incident, now=now),
            None,
            problems=problems,
            what=_("hændelsen"),
        )
        # The rest of the wall is drawn; this incident says it cannot be shown.
        overview.append(item or SimpleNamespace(incident=incident, broken=True))
    return overview


def _wall_item(*, incident, now):
    latest = readable_figures(incident).order_by("-reported_at").first()
    return SimpleNamespace(
        incident=incident,
        broken=False,
        elapsed=duration_hours_min(now - incident.started_at),
        timers=timer_views(list(incident.timers.all()), now=now),
        figures=latest,
        figures_age=age_label(latest.reported_at, now) if latest else "",
        lines_on=[line for line in incident.phone_lines.all() if line.has_announcement],
        log=list(incident.log_entries.order_by("-sequence")[:4]),
        open_steps=list(
            incident.steps.filter(kind__in=IncidentStep.TASK_KINDS, done_at__isnull=True).order_by(
                "order"
            )[:3]
        ),
    )
