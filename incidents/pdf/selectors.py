"""What the incident report shows, read once the incident is closed.

Everything comes from the incident's own rows (which copied what they need from the card
version when the incident started), never from the live card, so the report says what
happened on the version the incident ran on.
"""

import re
from types import SimpleNamespace

from django.db.models import Max, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import Incident, LogEntry
from incidents.selectors import checklist_sections, duration_label, figure_charts
from incidents.services import short
from notifications.content import REASONS
from notifications.models import OutboxMessage, StatusUpdate

# Placeholders the log texts below are formatted with, to turn them back into patterns.
_MARK = "\x00{}\x00"


def _pattern(msgid_text: str, **groups) -> re.Pattern:
    """A regex for a text that ``incidents.services`` formatted from ``msgid_text``.

    The services write a step's undo reason and a phone line's switches only into the
    log, so the report finds them there, through the same (translated) message.
    """
    formatted = msgid_text % {name: _MARK.format(name) for name in groups}
    pattern = re.escape(formatted)
    for name, group in groups.items():
        pattern = pattern.replace(re.escape(_MARK.format(name)), f"(?P<{name}>{group})")
    return re.compile(f"^{pattern}$", re.DOTALL)


def _reopen_pattern():
    return _pattern(_("Genåbnet: »%(step)s« – begrundelse: %(reason)s"), step=".+?", reason=".*")


def _line_patterns():
    return (
        _pattern(_("Infobesked »%(a)s« slået til på %(line)s"), a=".+?", line=".+"),
        _pattern(_("%(line)s skiftet tilbage til normal (ingen infobesked)"), line=".+"),
    )


def _undo_reasons(log_entries) -> dict[str, list]:
    """Reopened steps by their shortened text: [(entry, reason), …]."""
    pattern = _reopen_pattern()
    reasons: dict[str, list] = {}
    for entry in log_entries:
        if entry.kind != LogEntry.Kind.SYSTEM:
            continue
        if match := pattern.match(entry.text):
            reasons.setdefault(match["step"], []).append((entry, match["reason"]))
    return reasons


def _line_history(log_entries, lines) -> dict[str, list]:
    """Each phone line's switches (on, back to normal), oldest first, from the log."""
    switched_on, back_to_normal = _line_patterns()
    history: dict[str, list] = {line.name: [] for line in lines}
    for entry in log_entries:
        if entry.kind != LogEntry.Kind.SYSTEM:
            continue
        if match := switched_on.match(entry.text):
            if match["line"] in history:
                history[match["line"]].append(SimpleNamespace(entry=entry, announcement=match["a"]))
        elif (match := back_to_normal.match(entry.text)) and match["line"] in history:
            history[match["line"]].append(SimpleNamespace(entry=entry, announcement=""))
    return history


def _timer_moves(log_entries, timers) -> dict[str, list]:
    """Each timer's start moves (to when the trouble began), oldest first, from the log."""
    moved = _pattern(
        _("Timeren »%(name)s« regnes nu fra kl. %(new)s (før %(old)s)"),
        name=".+?",
        new=r"\d\d:\d\d",
        old=r"\d\d:\d\d",
    )
    moves: dict[str, list] = {timer.name: [] for timer in timers}
    for entry in log_entries:
        if entry.kind != LogEntry.Kind.SYSTEM:
            continue
        if (match := moved.match(entry.text)) and match["name"] in moves:
            moves[match["name"]].append(
                SimpleNamespace(entry=entry, new=match["new"], old=match["old"])
            )
    return moves


def delivery_changed_at(*, incident: Incident):
    """When a message of the incident last changed state (sent, failed, retried, queued)."""
    state = OutboxMessage.objects.filter(update__incident=incident).aggregate(
        created=Max("created_at"), attempted=Max("last_attempt_at"), sent=Max("sent_at")
    )
    times = [t for t in state.values() if t is not None]
    return max(times) if times else None


def incident_report(*, incident: Incident, now=None) -> dict:
    """The template context of the incident report."""
    now = now or timezone.now()
    incident = Incident.objects.select_related(
        "card_version__card", "card_version__published_by", "started_by", "closed_by"
    ).get(pk=incident.pk)
    scenarios = list(incident.scenarios.select_related("added_by"))
    steps = list(incident.steps.select_related("done_by", "assigned_user", "changed_by"))
    log_entries = list(
        incident.log_entries.select_related("author", "corrects")
        .prefetch_related(Prefetch("corrections", queryset=LogEntry.objects.order_by("sequence")))
        .order_by("sequence")
    )
    reasons = _undo_reasons(log_entries)
    tasks = [s for s in steps if s.is_task]
    for step in steps:
        step.undo_reasons = reasons.get(short(step.text), [])
    phone_lines = list(incident.phone_lines.select_related("switched_by"))
    history = _line_history(log_entries, phone_lines)
    for line in phone_lines:
        line.history = history[line.name]
    timers = list(incident.timers.all())
    moves = _timer_moves(log_entries, timers)
    for timer in timers:
        timer.moves = moves[timer.name]
    figures = list(incident.figures.select_related("reported_by").order_by("reported_at"))
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
        update.reason_label = REASONS.get(update.reason, update.get_kind_display())
    messages = [m for u in updates for m in u.messages.all()]
    delivery = {
        status.label: sum(1 for m in messages if m.status == status)
        for status in OutboxMessage.Status
    }
    end = incident.closed_at or now
    return {
        "incident": incident,
        "version": incident.card_version,
        "generated_at": now,
        "duration": duration_label(end - incident.started_at),
        "scenarios": scenarios,
        "sections": checklist_sections(scenarios=scenarios, steps=steps),
        "tasks_total": len(tasks),
        "tasks_done": sum(1 for s in tasks if s.is_done),
        "reopened_total": sum(len(s.undo_reasons) for s in steps),
        "log_entries": log_entries,
        "timers": timers,
        "phone_lines": phone_lines,
        "figures": figures,
        "charts": figure_charts(incident=incident, now=now),
        "chart_start": min([incident.started_at, *(f.reported_at for f in figures[:1])]),
        "chart_end": end,
        "updates": updates,
        "delivery": {label: n for label, n in delivery.items() if n},
        "messages_total": len(messages),
        "checklist": incident.closing_checklist or {},
    }
