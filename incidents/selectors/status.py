"""What a status update says about an incident, as plain data for ``notifications``."""

from django.conf import settings
from django.utils import timezone

from core.names import person_name
from incidents.events import entry_text
from incidents.models import Incident, IncidentStep, LogEntry
from incidents.selectors.common import READABLE_TIMES, readable_figures


def incident_status_summary(*, incident: Incident, log_entries: int = 5) -> dict:
    """What a status update to the crisis communication team says, as plain data.

    Contract used by `notifications`: keys are stable; the incidents app fills them in.
    """
    now = timezone.now()
    latest = readable_figures(incident).order_by("-reported_at").first()
    figures = None
    if latest is not None:
        figures = {
            "agents_on_duty": latest.agents_on_duty,
            "agents_available": latest.agents_available,
            "calls_in_queue": latest.calls_in_queue,
            "longest_wait_seconds": latest.longest_wait_seconds,
            "average_wait_seconds": latest.average_wait_seconds,
            "reported_at": latest.reported_at,
            "age_minutes": int((now - latest.reported_at).total_seconds() // 60),
        }
    running = incident.is_running
    return {
        "id": incident.pk,
        "title": incident.title,
        "is_exercise": incident.is_exercise,
        "status": incident.status,
        "scenarios": list(incident.scenarios.values_list("title", flat=True)),
        "started_at": incident.started_at,
        "elapsed_minutes": int((now - incident.started_at).total_seconds() // 60),
        "latest_figures": figures,
        "open_steps": list(
            incident.steps.filter(kind__in=IncidentStep.TASK_KINDS, done_at__isnull=True)
            .order_by("order", "pk")
            .values_list("text", flat=True)
        ),
        "running_timers": [
            {"name": t.name, "ends_at": t.ends_at, "overdue": now >= t.ends_at}
            # A bad timer row (a time Python cannot read) is left out, not a failed update.
            for t in (incident.timers.filter(started_at__range=READABLE_TIMES) if running else [])
        ],
        "recent_log": [
            {
                "sequence": e.sequence,
                "created_at": e.created_at,
                "author": person_name(e.author),
                "text": entry_text(e),
                "category": e.category if e.kind == LogEntry.Kind.MANUAL else "",
            }
            for e in incident.log_entries.select_related("author").order_by("-sequence")[
                :log_entries
            ]
        ],
        "url": f"{settings.SITE_URL.rstrip('/')}/haendelser/{incident.pk}/",
    }
