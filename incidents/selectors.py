"""Reads of incidents.

The dashboard is drawn from a fixed number of queries however long the incident runs:
the log is cut to the latest entries, the chart is thinned to a fixed number of points,
and everything else comes in one query per table.
"""

import datetime as dt
import logging
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Exists, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cards.placeholders import fill_template
from cards.snapshots import CardSnapshot
from config.names import person_name
from contacts.opening_hours import opening_state
from incidents.models import Incident, IncidentStep

DASHBOARD_LOG_ENTRIES = 20
FULL_LOG_PAGE = 200
CHART_POINTS = 120
CHART_WIDTH, CHART_HEIGHT = 300, 80
# PostgreSQL stores times that Python cannot read back (a year-1 time at +14:00 is 1 BC
# in UTC). None can enter any more (services.incident_time_check), but reads of figures
# skip anything outside this range, so an old bad row never takes a page down.
READABLE_TIMES = (
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9000, 1, 1, tzinfo=dt.UTC),
)
# What a broken row raises when it is read or computed with.
BAD_ROW_ERRORS = (DatabaseError, ValueError, OverflowError, TypeError, KeyError)

logger = logging.getLogger(__name__)


def readable_figures(incident: Incident):
    return incident.figures.filter(reported_at__range=READABLE_TIMES)


def guarded(read, default, *, problems: list, what: str):
    """``read()``, or ``default`` when a bad row breaks it: the rest of the page is drawn,
    and ``what`` is named in ``problems`` for the page to show."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint keeps the caller's transaction usable
                return read()
        return read()
    except BAD_ROW_ERRORS:
        logger.exception("Could not draw %s", what)
        problems.append(what)
        return default


def live_token(*, revision: int, now: dt.datetime) -> str:
    """What a poll compares: the revision, and the minute (countdowns and ages move on)."""
    return f"{revision}.{int(now.timestamp() // 60)}"


def incident_poll_state(*, pk: int, viewer_id=None):
    """(revision, status) from one indexed query, or None: the unchanged poll's only read.

    With ``viewer_id`` the same query also asks whether that user is still active (an
    EXISTS on the user's primary key): a deactivated viewer gets None, like a missing
    incident.
    """
    incidents = Incident.objects.filter(pk=pk)
    if viewer_id is None:
        return incidents.values_list("revision", "status").first()
    viewer = get_user_model().objects.filter(pk=viewer_id, is_active=True)
    state = incidents.values_list("revision", "status", Exists(viewer)).first()
    return state[:2] if state and state[2] else None


def running_wall_state():
    """One aggregate over the running incidents for the wall screen's poll."""
    state = Incident.objects.filter(status=Incident.Status.RUNNING).aggregate(
        n=Count("pk"), rev=Sum("revision"), top=Max("pk")
    )
    return f"{state['n']}-{state['rev'] or 0}-{state['top'] or 0}"


def running_incidents():
    return list(
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .only("pk", "title", "is_exercise", "started_at", "status")
        .order_by("started_at")
    )


CLOSED_INCIDENTS_PAGE = 50


def incident_list(*, page=1) -> dict:
    """Running incidents (all: never hide one that is going on), then the closed ones a
    page at a time. Three queries however many incidents there are."""
    fields = ("pk", "title", "is_exercise", "status", "started_at", "closed_at")
    running = list(
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .only(*fields)
        .order_by("-started_at")
    )
    closed = (
        Incident.objects.filter(status=Incident.Status.CLOSED)
        .only(*fields)
        .order_by("-started_at", "-pk")
    )
    return {"running": running, "closed": Paginator(closed, CLOSED_INCIDENTS_PAGE).get_page(page)}


def incident_get(*, pk: int) -> Incident:
    return Incident.objects.select_related("card_version", "started_by", "closed_by").get(pk=pk)


def duration_label(delta: dt.timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d t %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


def age_label(when: dt.datetime, now: dt.datetime) -> str:
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return _("lige nu")
    if minutes < 60:
        return ngettext("for %(n)d min siden", "for %(n)d min siden", minutes) % {"n": minutes}
    return _("for %(d)s siden") % {"d": duration_label(now - when)}


def wait_label(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def timer_views(timers, *, now, running=True, closed_at=None):
    """Countdowns of a running incident; a closed incident's timers stand still at the
    moment it was closed (they no longer count down)."""
    views = []
    for timer in timers:
        ends = timer.ends_at
        overdue = now >= ends
        if not running:
            stopped = closed_at or now
            if stopped >= ends:
                label = _("Stoppet – udløb kl. %(t)s, før hændelsen blev afsluttet") % {
                    "t": timezone.localtime(ends).strftime("%H:%M")
                }
            else:
                label = _("Stoppet ved afslutningen, %(d)s før fristen") % {
                    "d": duration_label(ends - stopped)
                }
        elif overdue:
            label = _("Overskredet med %(d)s") % {"d": duration_label(now - ends)}
        else:
            label = _("%(d)s tilbage") % {"d": duration_label(ends - now)}
        views.append(
            SimpleNamespace(
                timer=timer,
                ends_at=ends,
                overdue=overdue and running,
                label=label,
                progress=min(100, int((now - timer.started_at) / (ends - timer.started_at) * 100)),
            )
        )
    return views


def _thin(rows, limit):
    if len(rows) <= limit:
        return rows
    step = (len(rows) - 1) / (limit - 1)
    return [rows[round(i * step)] for i in range(limit)]


def figure_charts(*, incident: Incident, now: dt.datetime) -> list:
    """Small line charts over the incident, as SVG point lists drawn by the template."""
    rows = list(
        readable_figures(incident)
        .order_by("reported_at")
        .values_list("reported_at", "agents_available", "calls_in_queue", "longest_wait_seconds")
    )
    rows = _thin(rows, CHART_POINTS)
    if not rows:
        return []
    start = min(incident.started_at, rows[0][0])
    end = incident.closed_at or max(now, rows[-1][0])
    span = max((end - start).total_seconds(), 60)
    series = [
        (_("Ledige medarbejdere"), 1, str),
        (_("Opkald i kø"), 2, str),
        (_("Længste ventetid (min:sek)"), 3, wait_label),
    ]
    charts = []
    for label, index, fmt in series:
        values = [row[index] for row in rows]
        top = max(max(values), 1)
        points = " ".join(
            f"{(row[0] - start).total_seconds() / span * CHART_WIDTH:.1f},"
            f"{CHART_HEIGHT - row[index] / top * (CHART_HEIGHT - 4) - 2:.1f}"
            for row in rows
        )
        charts.append(
            SimpleNamespace(
                label=label, points=points, top=fmt(top), latest=fmt(values[-1]), count=len(rows)
            )
        )
    return charts


class _Line(SimpleNamespace):
    """A support line from a snapshot, shaped for ``contacts.opening_hours``."""

    @property
    def has_hours(self):
        return self.opens_at is not None and self.closes_at is not None


def _support_line(data, now):
    hours = data.get("hours") or {}
    line = _Line(
        day_list=hours.get("days", []),
        opens_at=dt.time.fromisoformat(hours["opens"]) if hours.get("opens") else None,
        closes_at=dt.time.fromisoformat(hours["closes"]) if hours.get("closes") else None,
        open_on_holidays=hours.get("open_on_holidays", False),
    )
    is_open, next_opening = opening_state(line, now)
    hours_label = f"kl. {line.opens_at:%H:%M}–{line.closes_at:%H:%M}" if line.has_hours else ""
    return {**data, "is_open": is_open, "next_opening": next_opening, "hours_label": hours_label}


def contacts_panel(*, snapshot: CardSnapshot, steps, now) -> dict:
    """Responsible persons, contact groups and vendor lines that the incident's steps name."""
    responsible, people, groups, lines = {}, {}, {}, {}
    for step in steps:
        d = step.details
        if person := d.get("person"):
            target = responsible if step.kind == "responsibility" else people
            target.setdefault(person["slug"], person)
        if group := d.get("contact_group"):
            groups.setdefault(group["slug"], group)
        if line := d.get("support_line"):
            lines.setdefault(line["slug"], line)
    keeper = snapshot.log_keeper
    return {
        "log_keeper": keeper,
        "responsible": list(responsible.values()),
        "people": [p for slug, p in people.items() if slug not in responsible],
        "groups": list(groups.values()),
        "support_lines": [_support_line(line, now) for line in lines.values()],
    }


def checklist_sections(*, scenarios, steps):
    """Steps grouped under the scenario that brought them; responsible persons go to contacts."""
    by_scenario = {s.pk: [] for s in scenarios}
    for step in steps:
        if step.kind != "responsibility":
            by_scenario[step.scenario_id].append(step)
    return [SimpleNamespace(scenario=s, steps=by_scenario[s.pk]) for s in scenarios]


def yammer_normal_text(*, snapshot: CardSnapshot, scenarios) -> str:
    template = snapshot.templates.get("yammer-normal")
    if template is None:
        return ""
    reasons = [s.reason for s in scenarios]
    reason = reasons[0] if len(reasons) == 1 else ", ".join(reasons[:-1]) + " og " + reasons[-1]
    return fill_template(
        template["text"], reason=reason, scenario=", ".join(s.title for s in scenarios)
    )


def incident_dashboard(*, incident: Incident, now: dt.datetime | None = None) -> dict:
    """Everything the dashboard and its fragments draw, in a fixed number of queries."""
    now = now or timezone.now()
    snapshot = CardSnapshot(incident.card_version.snapshot)
    scenarios = list(incident.scenarios.all())
    steps = list(incident.steps.select_related("done_by", "assigned_user"))
    tasks = [s for s in steps if s.is_task]
    problems = []
    log = guarded(
        lambda: list(
            incident.log_entries.select_related("author", "corrects")
            .annotate(n_corrections=Count("corrections"))
            .order_by("-sequence")[:DASHBOARD_LOG_ENTRIES]
        ),
        [],
        problems=problems,
        what=_("loggen"),
    )
    latest = guarded(
        lambda: (
            readable_figures(incident)
            .select_related("reported_by")
            .order_by("-reported_at")
            .first()
        ),
        None,
        problems=problems,
        what=_("tallene"),
    )
    running = incident.is_running
    phone_lines = list(incident.phone_lines.select_related("switched_by"))
    present = {s.scenario_slug for s in scenarios}
    return {
        "incident": incident,
        "now": now,
        "live_token": live_token(revision=incident.revision, now=now),
        "elapsed": duration_label((incident.closed_at or now) - incident.started_at),
        "snapshot": snapshot,
        "scenarios": scenarios,
        "sections": checklist_sections(scenarios=scenarios, steps=steps),
        "tasks_total": len(tasks),
        "tasks_done": sum(1 for s in tasks if s.is_done),
        "log_entries": log,
        "log_total": incident.last_log_sequence,
        "latest_figures": latest,
        "figures_age": age_label(latest.reported_at, now) if latest else "",
        "charts": guarded(
            lambda: figure_charts(incident=incident, now=now),
            [],
            problems=problems,
            what=_("graferne"),
        ),
        "timers": guarded(
            lambda: timer_views(
                list(incident.timers.all()),
                now=now,
                running=running,
                closed_at=incident.closed_at,
            ),
            [],
            problems=problems,
            what=_("timerne"),
        ),
        "problems": problems,
        "phone_lines": phone_lines,
        "announcements": list(snapshot.announcements.values()),
        "announcements_on": [line for line in phone_lines if line.has_announcement],
        "contacts": contacts_panel(snapshot=snapshot, steps=steps, now=now),
        "escalation_options": [
            (slug, snapshot.scenario(slug).title)
            for slug in snapshot.scenario_slugs()
            if slug not in present
        ],
        "yammer_text": yammer_normal_text(snapshot=snapshot, scenarios=scenarios),
    }


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
        elapsed=duration_label(now - incident.started_at),
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


def full_log(*, incident: Incident, page: int = 1):
    entries = (
        incident.log_entries.select_related("author", "corrects")
        .annotate(n_corrections=Count("corrections"))
        .order_by("sequence")
    )
    return Paginator(entries, FULL_LOG_PAGE).get_page(page)


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
                "text": e.text,
            }
            for e in incident.log_entries.select_related("author").order_by("-sequence")[
                :log_entries
            ]
        ],
        "url": f"{settings.SITE_URL.rstrip('/')}/haendelser/{incident.pk}/",
    }
