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
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cards.placeholders import fill_template
from cards.snapshots import CardSnapshot
from contacts.opening_hours import opening_state
from core.names import person_name
from incidents.events import entry_text
from incidents.models import Incident, IncidentStep, LogEntry

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


# The dashboard's fragment groups, in the order of the live token (see incidents/README.md).
LIVE_GROUPS = ("header", "steps", "log", "figures", "lines", "timers", "notifications", "contacts")
# Groups whose fragments also change with the clock ("for 3 min siden", "12 min tilbage",
# "Åben nu", the stuck-queue warning); a new minute re-sends them and the elapsed time,
# nothing else.
TIMED_GROUPS = frozenset({"figures", "timers", "contacts", "notifications"})
_STATE_FIELDS = (
    "revision",
    "status",
    "started_at",
    "closed_at",
    "update_interval_minutes",
    "rev_header",
    "rev_steps",
    "last_log_sequence",
    "rev_figures",
    "rev_lines",
    "rev_timers",
    "rev_notifications",
    "rev_contacts",
)


def minute_of(now: dt.datetime) -> int:
    return int(now.timestamp() // 60)


def live_token(*, revision: int, now: dt.datetime, groups=()) -> str:
    """What a poll compares: the revision, the group revisions and the minute."""
    return ".".join(str(n) for n in (revision, *groups, minute_of(now)))


def parse_live_token(token: str):
    """(revision, {group: revision}, minute) from a token, or None when it is not one."""
    parts = token.split(".")
    if len(parts) != len(LIVE_GROUPS) + 2 or not all(p.isdigit() and len(p) < 20 for p in parts):
        return None
    numbers = [int(p) for p in parts]
    return numbers[0], dict(zip(LIVE_GROUPS, numbers[1:-1], strict=True)), numbers[-1]


def _live_state_sql() -> str:
    """The state query as SQL, built once from the models' own table and column names.

    Every poll of every viewer runs it, and building it through the ORM (an Exists
    subquery, values_list, compilation) cost about as much CPU as everything else in an
    unchanged poll; the SQL is the same one query the ORM sent.
    """
    global _LIVE_STATE_SQL
    if _LIVE_STATE_SQL is None:
        quote = connection.ops.quote_name
        users = get_user_model()._meta
        columns = ", ".join(f"i.{quote(Incident._meta.get_field(f).column)}" for f in _STATE_FIELDS)
        _LIVE_STATE_SQL = (
            f"SELECT {columns}, EXISTS(SELECT 1 FROM {quote(users.db_table)} u"
            f" WHERE u.{quote(users.pk.column)} = %s AND u.{quote('is_active')})"
            f" FROM {quote(Incident._meta.db_table)} i WHERE i.{quote('id')} = %s"
        )
    return _LIVE_STATE_SQL


_LIVE_STATE_SQL = None


def _aware(value):
    """A time from the raw state query as the ORM gives it (SQLite hands back naive UTC
    or text; PostgreSQL an aware time)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def _live_state_of(pk, row):
    revision, status, started_at, closed_at, interval, *groups = row
    return SimpleNamespace(
        pk=pk,
        revision=revision,
        status=status,
        is_running=status == Incident.Status.RUNNING,
        started_at=_aware(started_at),
        closed_at=_aware(closed_at),
        update_interval_minutes=interval,
        groups=dict(zip(LIVE_GROUPS, groups, strict=True)),
    )


def incident_live_state(*, pk: int, viewer_id=None):
    """The revisions of every fragment group, from one indexed query; None if no incident.

    With ``viewer_id`` the same query also asks whether that user is still active (an
    EXISTS on the user's primary key): a deactivated viewer gets None, like a missing
    incident.
    """
    with connection.cursor() as cursor:
        cursor.execute(_live_state_sql(), [int(viewer_id or 0), int(pk)])
        row = cursor.fetchone()
    if row is None or (viewer_id is not None and not row[-1]):
        return None
    return _live_state_of(pk, row[:-1])


def running_live_states() -> list:
    """The live state of every running incident, oldest first, from one query (the wall)."""
    rows = (
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .order_by("started_at")
        .values_list("pk", *_STATE_FIELDS)
    )
    return [_live_state_of(pk, row) for pk, *row in rows]


def wall_open_steps(*, incident_id: int, limit: int = 3) -> list:
    return list(
        IncidentStep.objects.filter(
            incident_id=incident_id, kind__in=IncidentStep.TASK_KINDS, done_at__isnull=True
        ).order_by("order")[:limit]
    )


def state_token(state, now: dt.datetime) -> str:
    return live_token(revision=state.revision, now=now, groups=state.groups.values())


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


def figure_charts(*, incident: Incident, now: dt.datetime, min_points: int = 1) -> list:
    """Small line charts over the incident, as SVG point lists drawn by the template.

    The dashboard asks for two points at least: one point is not a line, only an empty box.
    """
    rows = list(
        readable_figures(incident)
        .order_by("reported_at")
        .values_list("reported_at", "agents_available", "calls_in_queue", "longest_wait_seconds")
    )
    rows = _thin(rows, CHART_POINTS)
    if not rows or len(rows) < min_points:
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


def steps_progress(steps) -> dict:
    tasks = [s for s in steps if s.is_task]
    done = sum(1 for s in tasks if s.is_done)
    return {"tasks_total": len(tasks), "tasks_done": done, "tasks_open": len(tasks) - done}


def _log_entries(incident: Incident):
    return incident.log_entries.select_related(
        "author", "corrects", "corrects__author", "corrects__corrects"
    ).annotate(n_corrections=Count("corrections"))


# One reader per fragment group: a changed poll reads only what its groups draw, each in a
# fixed number of queries. ``incident`` comes from ``incident_get`` (card version joined).


def dashboard_header(*, incident: Incident, snapshot: CardSnapshot) -> dict:
    scenarios = list(incident.scenarios.all())
    present = {s.scenario_slug for s in scenarios}
    return {
        "scenarios": scenarios,
        "escalation_options": [
            (slug, snapshot.scenario(slug).title)
            for slug in snapshot.scenario_slugs()
            if slug not in present
        ],
    }


def dashboard_clock(*, incident, now: dt.datetime) -> dict:
    """What moves with the minute alone: the elapsed time and the next status update due.

    ``incident`` may be the live state (it has the same fields)."""
    from notifications.selectors import update_schedule  # notifications reads incidents

    running = incident.closed_at is None
    schedule = update_schedule(incident=incident, now=now) if running else None
    due = schedule[1] if schedule else None
    return {
        "elapsed": duration_label((incident.closed_at or now) - incident.started_at),
        "next_update_at": due,
        "next_update_in": duration_label(due - now) if due else "",
    }


def dashboard_steps(*, incident: Incident, scenarios=None) -> dict:
    """The whole checklist (and the steps, which the contacts panel reads too)."""
    if scenarios is None:
        scenarios = list(incident.scenarios.all())
    steps = list(incident.steps.select_related("done_by", "assigned_user"))
    return {
        "steps": steps,
        "sections": checklist_sections(scenarios=scenarios, steps=steps),
        **steps_progress(steps),
    }


def dashboard_steps_since(*, incident: Incident, since: int, upto: int) -> dict:
    """The steps changed after revision ``since`` (up to ``upto``, the token being sent)."""
    steps = list(incident.steps.select_related("done_by", "assigned_user"))
    changed = [s for s in steps if since < s.revision <= upto and s.kind != "responsibility"]
    return {"changed_steps": changed, **steps_progress(steps)}


def log_older_page(log_total: int) -> int | None:
    """The full log's page with the entries just older than the dashboard shows."""
    older = log_total - DASHBOARD_LOG_ENTRIES
    return (older - 1) // FULL_LOG_PAGE + 1 if older > 0 else None


def dashboard_log(*, incident: Incident, log_total: int, problems=None) -> dict:
    problems = [] if problems is None else problems
    entries = guarded(
        lambda: list(_log_entries(incident).order_by("-sequence")[:DASHBOARD_LOG_ENTRIES]),
        [],
        problems=problems,
        what=_("loggen"),
    )
    return {
        "log_entries": entries,
        "problems": problems,
        "log_total": log_total,
        "log_older_page": log_older_page(log_total),
    }


def dashboard_log_since(*, incident: Incident, since: int, upto: int) -> dict:
    """Entries after ``since``, newest first, and the older ones they correct (their badge
    "Rettet senere" changes); None when there are more than the dashboard shows."""
    if upto - since > DASHBOARD_LOG_ENTRIES:
        return None
    new = list(
        _log_entries(incident).filter(sequence__gt=since, sequence__lte=upto).order_by("-sequence")
    )
    corrected = []
    for entry in new:
        old = entry.corrects
        if old is not None and old.sequence <= since:
            old.n_corrections = 1
            corrected.append(old)
    return {
        "new_log_entries": new,
        "corrected_log_entries": corrected,
        "log_total": upto,
        "log_older_page": log_older_page(upto),
    }


def dashboard_figures(*, incident: Incident, now: dt.datetime, charts=True, problems=None) -> dict:
    problems = [] if problems is None else problems
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
    drawn = []
    if charts:
        drawn = guarded(
            lambda: figure_charts(incident=incident, now=now, min_points=2),
            [],
            problems=problems,
            what=_("graferne"),
        )
    return {
        "latest_figures": latest,
        "figures_age": age_label(latest.reported_at, now) if latest else "",
        "charts": drawn,
        "problems": problems,
    }


def dashboard_lines(*, incident: Incident, snapshot: CardSnapshot) -> dict:
    phone_lines = list(incident.phone_lines.select_related("switched_by"))
    return {
        "phone_lines": phone_lines,
        "announcements": list(snapshot.announcements.values()),
        "announcements_on": [line for line in phone_lines if line.has_announcement],
    }


def dashboard_timers(*, incident: Incident, now: dt.datetime, problems=None) -> dict:
    problems = [] if problems is None else problems
    before = len(problems)
    timers = guarded(
        lambda: timer_views(
            list(incident.timers.all()),
            now=now,
            running=incident.is_running,
            closed_at=incident.closed_at,
        ),
        [],
        problems=problems,
        what=_("timerne"),
    )
    return {"timers": timers, "timers_broken": len(problems) > before, "problems": problems}


def dashboard_contacts(*, incident: Incident, snapshot: CardSnapshot, now, steps=None) -> dict:
    if steps is None:
        steps = list(incident.steps.only("kind", "details"))
    return {"contacts": contacts_panel(snapshot=snapshot, steps=steps, now=now)}


def incident_dashboard(*, incident: Incident, now: dt.datetime | None = None) -> dict:
    """Everything the dashboard and its fragments draw, in a fixed number of queries."""
    now = now or timezone.now()
    snapshot = CardSnapshot(incident.card_version.snapshot)
    context = {"incident": incident, "now": now, "snapshot": snapshot}
    context.update(dashboard_header(incident=incident, snapshot=snapshot))
    context.update(dashboard_clock(incident=incident, now=now))
    context.update(dashboard_steps(incident=incident, scenarios=context["scenarios"]))
    # One list for the whole page: the header names every part that could not be read.
    problems = []
    context.update(
        dashboard_log(incident=incident, log_total=incident.last_log_sequence, problems=problems)
    )
    context.update(dashboard_figures(incident=incident, now=now, problems=problems))
    context.update(dashboard_lines(incident=incident, snapshot=snapshot))
    context.update(dashboard_timers(incident=incident, now=now, problems=problems))
    context.update(
        dashboard_contacts(incident=incident, snapshot=snapshot, now=now, steps=context["steps"])
    )
    context["yammer_text"] = yammer_normal_text(snapshot=snapshot, scenarios=context["scenarios"])
    context["live_token"] = live_token(
        revision=incident.revision,
        now=now,
        groups=[
            incident.last_log_sequence if g == "log" else getattr(incident, f"rev_{g}")
            for g in LIVE_GROUPS
        ],
    )
    return context


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


# A decision step ticked with a chosen alternative is a decision, like a person's
# "Beslutning" (the same rule as ``incidents.events.entry_category``).
_CHOSEN = (
    Q(event=LogEntry.Event.STEP_DONE)
    & ~Q(data__alternative_label="")
    & Q(data__has_key="alternative_label")
)


def log_category_filter(entries, category: str = ""):
    """Entries of one kind (the log's ``?art=`` filter); "system" is what the app logged."""
    manual = LogEntry.Kind.MANUAL
    if not category:
        return entries
    if category == "system":
        return entries.exclude(kind=manual).exclude(_CHOSEN)
    kind = Q(kind=manual, category=category)
    return entries.filter(kind | _CHOSEN if category == LogEntry.Category.DECISION else kind)


def full_log(*, incident: Incident, page: int = 1, category: str = ""):
    entries = (
        incident.log_entries.select_related("author", "corrects")
        .annotate(n_corrections=Count("corrections"))
        .order_by("sequence")
    )
    return Paginator(log_category_filter(entries, category), FULL_LOG_PAGE).get_page(page)


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
