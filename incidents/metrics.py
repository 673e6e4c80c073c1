"""Response metrics, computed from the incident log's structured events: how long from the
start to the first status update, the announcement, the first figures, everyone's
acknowledgement of the alert and the close. Read by the report and by exercises."""

from django.utils.translation import gettext_lazy as _

from core.formatting import hours_min_sec
from incidents.models import Incident, LogEntry

ALERT_ALL_ACKED = LogEntry.Event.ALERT_ALL_ACKED

METRICS = (
    ("first_update", _("Første statusopdatering")),
    ("announcement_on", _("Infobesked slået til")),
    ("first_figures", _("Første tal")),
    ("all_acknowledged", _("Alle har kvitteret for alarmen")),
    ("closed", _("Afsluttet")),
)


def duration_label(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return hours_min_sec(seconds)


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

    For the report (incidents/pdf), the evaluation and the statistics page (exercises)."""
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
