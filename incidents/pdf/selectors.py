"""What the incident report shows, read from the incident's rows and its log's events.

Everything comes from the incident's own rows (which copied what they need from the card
version when the incident started), never from the live card, so the report says what
happened on the version the incident ran on. Histories (a step's reopenings, a line's
switches, a timer's moves) and the decision summary come from ``LogEntry.event`` +
``LogEntry.data``: nothing is read back out of a sentence.

Built for size: the log is read as plain rows (one query, no model instances, no
prefetch), authors in one query, and each entry's text is rendered once here.
"""

import hashlib
import json
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.formatting import duration_hours_min
from core.names import person_name
from incidents.events import clock, report_text
from incidents.metrics import response_metrics
from incidents.models import Incident, LogEntry
from incidents.selectors import checklist_sections, figure_series
from notifications.content import REASONS
from notifications.models import OutboxMessage, StatusUpdate

E = LogEntry.Event
C = LogEntry.Category
# Bumped when the report's layout or content changes: every stored report is then stale.
REPORT_FORMAT = 2
LOG_FIELDS = (
    "id",
    "sequence",
    "created_at",
    "author_id",
    "kind",
    "event",
    "category",
    "text",
    "data",
    "corrects_id",
    "device_written_at",
)


def report_fingerprint(*, incident: Incident, language: str = "da") -> str:
    """A digest of everything the report shows: equal digests, equal reports.

    Three indexed aggregate queries, no rows loaded. The log is append-only and numbered,
    so its last sequence stands for it; the figures, steps and lines are frozen once the
    incident is closed (their writes are refused), except through a new log entry; the
    deliveries keep changing after the close and are counted by state.
    """
    row = (
        Incident.objects.filter(pk=incident.pk)
        .values("status", "closed_at", "summary", "closing_checklist", "last_log_sequence")
        .get()
    )
    # By number, not by time: a stored time Python cannot read (a bad row) must not stop the
    # close that asks for the report; the figures are frozen once it is closed.
    figures = incident.figures.aggregate(n=Count("pk"), top=Max("pk"))
    delivery = OutboxMessage.objects.filter(update__incident_id=incident.pk).aggregate(
        n=Count("pk"),
        sent=Count("pk", filter=Q(status=OutboxMessage.Status.SENT)),
        failed=Count("pk", filter=Q(status=OutboxMessage.Status.FAILED)),
        dup=Count("pk", filter=Q(possible_duplicate=True)),
        attempted=Max("last_attempt_at"),
        sent_at=Max("sent_at"),
        attempts=Max("attempts"),
        top=Max("pk"),
    )
    facts = {
        "format": REPORT_FORMAT,
        "language": language,
        "incident": row,
        "figures": figures,
        "delivery": delivery,
    }
    blob = json.dumps(facts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


def _authors(rows) -> dict:
    ids = {r["author_id"] for r in rows if r["author_id"]}
    users = get_user_model().objects.filter(pk__in=ids).only("username", "first_name", "last_name")
    return {u.pk: person_name(u) or u.get_username() for u in users}


def log_rows(*, incident: Incident) -> list[SimpleNamespace]:
    """The whole log as light rows with their text rendered in the active language."""
    rows = list(incident.log_entries.order_by("sequence").values(*LOG_FIELDS))
    names = _authors(rows)
    sequences = {r["id"]: r["sequence"] for r in rows}
    corrected_in: dict[int, list[int]] = {}
    for r in rows:
        if r["corrects_id"]:
            corrected_in.setdefault(r["corrects_id"], []).append(r["sequence"])
    kinds = dict(LogEntry.Kind.choices)
    categories = dict(C.choices)
    system = _("System")
    unknown = _("ukendt")
    return [
        SimpleNamespace(
            id=r["id"],
            sequence=r["sequence"],
            created_at=r["created_at"],
            device_written_at=r["device_written_at"],
            author=names.get(r["author_id"])
            or (system if r["kind"] == LogEntry.Kind.SYSTEM else unknown),
            kind=r["kind"],
            kind_label=kinds.get(r["kind"], ""),
            event=r["event"],
            data=r["data"] if isinstance(r["data"], dict) else {},
            category=r["category"],
            category_label=categories.get(r["category"], ""),
            text=report_text(event=r["event"], data=r["data"], text=r["text"]),
            corrects=sequences.get(r["corrects_id"]),
            corrected_in=corrected_in.get(r["id"], []),
        )
        for r in rows
    ]


def decisions(rows) -> list:
    """The beslutningsreferat: entries the logfører marked as decisions, and every step
    ticked with a chosen alternative (the card's "1. scenarie"/"2. scenarie")."""
    return [
        r
        for r in rows
        if r.category == C.DECISION
        or (
            r.event == E.STEP_DONE
            and (r.data.get("alternative") or r.data.get("alternative_label"))
        )
    ]


def omissions(rows) -> list:
    """What was deliberately not done (undladelser)."""
    return [r for r in rows if r.category == C.OMISSION]


def _by(rows, event: str, key: str) -> dict:
    found: dict = {}
    for r in rows:
        if r.event == event and key in r.data:
            found.setdefault(r.data[key], []).append(r)
    return found


def _steps(incident, rows):
    steps = list(incident.steps.select_related("done_by", "assigned_user", "changed_by"))
    reopened = _by(rows, E.STEP_REOPENED, "step_id")
    for step in steps:
        step.undo_reasons = [(r, r.data.get("reason", "")) for r in reopened.get(step.pk, [])]
    return steps


def _phone_lines(incident, rows):
    lines = list(incident.phone_lines.select_related("switched_by"))
    switches = _by(rows, E.LINE_SWITCHED, "line_slug")
    for line in lines:
        line.history = [
            SimpleNamespace(
                entry=r,
                announcement=r.data.get("to_announcement_title") or r.data.get("to_announcement"),
            )
            for r in switches.get(line.line_slug, [])
        ]
    return lines


def _timers(incident, rows):
    timers = list(incident.timers.all())
    moves = _by(rows, E.TIMER_MOVED, "timer_id")
    for timer in timers:
        timer.moves = [
            SimpleNamespace(
                entry=r,
                old=clock(r.data.get("from_started_at")),
                new=clock(r.data.get("to_started_at")),
            )
            for r in moves.get(timer.pk, [])
        ]
    return timers


def _updates(incident):
    updates = list(
        StatusUpdate.objects.filter(incident=incident)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=OutboxMessage.objects.select_related("recipient").order_by(
                    "recipient__name", "created_at", "pk"
                ),
            )
        )
        .order_by("created_at", "pk")
    )
    for update in updates:
        update.reason_label = (
            _(REASONS[update.reason]) if update.reason in REASONS else (update.get_kind_display())
        )
    return updates


def _delivery(messages) -> dict:
    counts = {
        status.label: sum(1 for m in messages if m.status == status)
        for status in OutboxMessage.Status
    }
    return {label: n for label, n in counts.items() if n}


def incident_report(*, incident: Incident, now=None) -> dict:
    """The template context of the incident report, in the active language."""
    now = now or timezone.now()
    incident = Incident.objects.select_related(
        "card_version__card", "card_version__published_by", "started_by", "closed_by"
    ).get(pk=incident.pk)
    scenarios = list(incident.scenarios.select_related("added_by"))
    rows = log_rows(incident=incident)
    steps = _steps(incident, rows)
    tasks = [s for s in steps if s.is_task]
    figures = list(incident.figures.select_related("reported_by").order_by("reported_at"))
    updates = _updates(incident)
    messages = [m for u in updates for m in u.messages.all()]
    end = incident.closed_at or now
    return {
        "incident": incident,
        "version": incident.card_version,
        "language": get_language(),
        "generated_at": now,
        "duration": duration_hours_min(end - incident.started_at),
        "scenarios": scenarios,
        "sections": checklist_sections(scenarios=scenarios, steps=steps),
        "tasks_total": len(tasks),
        "tasks_done": sum(1 for s in tasks if s.is_done),
        "reopened_total": sum(len(s.undo_reasons) for s in steps),
        "log_entries": rows,
        "decisions": decisions(rows),
        "omissions": omissions(rows),
        "timers": _timers(incident, rows),
        "phone_lines": _phone_lines(incident, rows),
        "figures": figures,
        "figure_series": figure_series(incident=incident, now=now),
        "chart_start": min([incident.started_at, *(f.reported_at for f in figures[:1])]),
        "chart_end": end,
        "updates": updates,
        "delivery": _delivery(messages),
        "possible_duplicates": sum(1 for m in messages if m.possible_duplicate),
        "messages_total": len(messages),
        "checklist": incident.closing_checklist or {},
        "metrics": response_metrics(incident=incident),
    }
