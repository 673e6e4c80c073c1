"""Reads of incidents."""

from django.conf import settings
from django.utils import timezone

from incidents.models import Incident


def incident_status_summary(*, incident: Incident, log_entries: int = 5) -> dict:
    """What a status update to the crisis communication team says, as plain data.

    Contract used by `notifications`: keys are stable; the incidents app fills them in.
    """
    now = timezone.now()
    latest = incident.figures.order_by("-reported_at").first()
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
    return {
        "id": incident.pk,
        "title": incident.title,
        "is_exercise": incident.is_exercise,
        "status": incident.status,
        "scenarios": list(incident.scenarios.values_list("title", flat=True)),
        "started_at": incident.started_at,
        "elapsed_minutes": int((now - incident.started_at).total_seconds() // 60),
        "latest_figures": figures,
        "open_steps": [],  # [text, …] — filled in by the incidents app's checklist
        "running_timers": [],  # [{"name", "ends_at", "overdue"}, …]
        "recent_log": [
            {
                "sequence": e.sequence,
                "created_at": e.created_at,
                "author": e.author.get_username() if e.author else "",
                "text": e.text,
            }
            for e in incident.log_entries.select_related("author").order_by("-sequence")[
                :log_entries
            ]
        ],
        "url": f"{settings.SITE_URL.rstrip('/')}/haendelser/{incident.pk}/",
    }
