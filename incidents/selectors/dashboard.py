"""Reads of incidents for the dashboard.

The dashboard is drawn from a fixed number of queries however long the incident runs:
the log is cut to the latest entries, the chart is thinned to a fixed number of points,
and everything else comes in one query per table.
"""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _

from cards.placeholders import fill_template
from cards.snapshots import CardSnapshot
from core.formatting import duration_hours_min
from incidents.models import Incident
from incidents.selectors.charts import figure_series
from incidents.selectors.common import guarded, readable_figures
from incidents.selectors.contacts import contacts_panel
from incidents.selectors.labels import age_label
from incidents.selectors.live_state import LIVE_GROUPS, live_token
from incidents.selectors.logbook import dashboard_log


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
                    "d": duration_hours_min(ends - stopped)
                }
        elif overdue:
            label = _("Overskredet med %(d)s") % {"d": duration_hours_min(now - ends)}
        else:
            label = _("%(d)s tilbage") % {"d": duration_hours_min(ends - now)}
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


# One reader per fragment group: a changed poll reads only what its groups draw, each in a
# fixed number of queries. ``incident`` comes from ``incident_get`` (card version joined).


def escalation_options(*, snapshot: CardSnapshot, present) -> list[tuple[str, str]]:
    """(slug, title) of the card's scenarios the incident is not yet worked from."""
    return [
        (slug, snapshot.scenario(slug).title)
        for slug in snapshot.scenario_slugs()
        if slug not in present
    ]


def dashboard_header(*, incident: Incident, snapshot: CardSnapshot) -> dict:
    scenarios = list(incident.scenarios.all())
    present = {s.scenario_slug for s in scenarios}
    return {
        "scenarios": scenarios,
        "escalation_options": escalation_options(snapshot=snapshot, present=present),
    }


def dashboard_clock(*, incident, now: dt.datetime) -> dict:
    """What moves with the minute alone: the elapsed time and the next status update due.

    ``incident`` may be the live state (it has the same fields)."""
    from notifications.selectors import update_schedule  # notifications reads incidents

    running = incident.closed_at is None
    schedule = update_schedule(incident=incident, now=now) if running else None
    due = schedule[1] if schedule else None
    return {
        "elapsed": duration_hours_min((incident.closed_at or now) - incident.started_at),
        "next_update_at": due,
        "next_update_in": duration_hours_min(due - now) if due else "",
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
    series = None
    if charts:
        series = guarded(
            lambda: figure_series(incident=incident, now=now, min_points=2),
            None,
            problems=problems,
            what=_("graferne"),
        )
    return {
        "latest_figures": latest,
        "figures_age": age_label(latest.reported_at, now) if latest else "",
        "figure_series": series,
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
