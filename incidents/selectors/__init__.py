"""Reads of incidents, returning data.

One module per subject: ``dashboard`` (the dashboard's fragment readers), ``live_state``
(what a poll compares), ``logbook``, ``charts``, ``contacts``, ``wall``, ``lists``,
``status`` (for notifications), ``labels``; ``common`` holds the guard against bad rows.
Callers import from ``incidents.selectors``.
"""

from incidents.selectors.charts import CHART_POINTS, figure_series
from incidents.selectors.common import BAD_ROW_ERRORS, READABLE_TIMES, guarded, readable_figures
from incidents.selectors.contacts import contacts_panel
from incidents.selectors.dashboard import (
    checklist_sections,
    dashboard_clock,
    dashboard_contacts,
    dashboard_figures,
    dashboard_header,
    dashboard_lines,
    dashboard_steps,
    dashboard_steps_since,
    dashboard_timers,
    escalation_options,
    incident_dashboard,
    steps_progress,
    timer_views,
    yammer_normal_text,
)
from incidents.selectors.labels import age_label
from incidents.selectors.lists import (
    CLOSED_INCIDENTS_PAGE,
    incident_get,
    incident_list,
    running_incidents,
)
from incidents.selectors.live_state import (
    LIVE_GROUPS,
    TIMED_GROUPS,
    incident_live_state,
    live_token,
    minute_of,
    parse_live_token,
    running_live_states,
    state_token,
)
from incidents.selectors.logbook import (
    DASHBOARD_LOG_ENTRIES,
    FULL_LOG_PAGE,
    dashboard_log,
    dashboard_log_since,
    full_log,
    log_category_filter,
    log_older_page,
)
from incidents.selectors.status import incident_status_summary
from incidents.selectors.wall import running_wall_state, wall_open_steps, wall_overview

__all__ = [
    "BAD_ROW_ERRORS",
    "CHART_HEIGHT",
    "CHART_POINTS",
    "CLOSED_INCIDENTS_PAGE",
    "DASHBOARD_LOG_ENTRIES",
    "FULL_LOG_PAGE",
    "LIVE_GROUPS",
    "READABLE_TIMES",
    "TIMED_GROUPS",
    "age_label",
    "checklist_sections",
    "contacts_panel",
    "dashboard_clock",
    "dashboard_contacts",
    "dashboard_figures",
    "dashboard_header",
    "dashboard_lines",
    "dashboard_log",
    "dashboard_log_since",
    "dashboard_steps",
    "dashboard_steps_since",
    "dashboard_timers",
    "escalation_options",
    "figure_series",
    "full_log",
    "guarded",
    "incident_dashboard",
    "incident_get",
    "incident_list",
    "incident_live_state",
    "incident_status_summary",
    "live_token",
    "log_category_filter",
    "log_older_page",
    "minute_of",
    "parse_live_token",
    "readable_figures",
    "running_incidents",
    "running_live_states",
    "running_wall_state",
    "state_token",
    "steps_progress",
    "timer_views",
    "wall_open_steps",
    "wall_overview",
    "yammer_normal_text",
]
