"""Writes to incidents. Every write bumps ``Incident.revision`` and the revisions of the
dashboard fragment groups it changes (``incident_touch(groups=...)``; see incidents/README.md).

Lock order, everywhere: the incident row first, then a step/line/timer row. Taking the
incident row also serialises the log's sequence numbers and lets ``incident_close``
shut out every late write.

One module per subject, as in Zulip's ``zerver/actions``: ``lifecycle`` (start, escalate,
close), ``steps``, ``logbook``, ``figures``, ``lines``, ``timers``, ``tokens``; ``common``
and ``times`` hold what they share. Callers import from ``incidents.services``.
"""

# Re-exported for callers that used them from here; new code imports incidents.log.
from incidents.events import minutes_seconds, short
from incidents.log import (
    ALL_GROUPS,
    GROUP_FIELDS,
    IncidentClosedError,
    incident_lock_running,
    incident_touch,
    log_entry_create,
)
from incidents.services.common import SYSTEM, user_label
from incidents.services.figures import figure_report_create
from incidents.services.lifecycle import incident_close, incident_scenario_add, incident_start
from incidents.services.lines import phone_line_switch
from incidents.services.logbook import incident_log_write
from incidents.services.steps import (
    StaleStepError,
    step_assign,
    step_complete,
    step_note_set,
    step_reopen,
)
from incidents.services.timers import timer_start_set, timer_start_validate
from incidents.services.times import (
    CLOCK_SKEW,
    INCIDENT_TIME_BACKDATE,
    TIMER_MAX_BACKDATE,
    incident_time_check,
)
from incidents.services.tokens import integration_token_check, integration_token_create
from notifications import services as notification_services

__all__ = [
    "ALL_GROUPS",
    "CLOCK_SKEW",
    "GROUP_FIELDS",
    "INCIDENT_TIME_BACKDATE",
    "SYSTEM",
    "TIMER_MAX_BACKDATE",
    "IncidentClosedError",
    "StaleStepError",
    "figure_report_create",
    "incident_close",
    "incident_lock_running",
    "incident_log_write",
    "incident_scenario_add",
    "incident_start",
    "incident_time_check",
    "incident_touch",
    "integration_token_check",
    "integration_token_create",
    "log_entry_create",
    "minutes_seconds",
    "notification_services",
    "phone_line_switch",
    "short",
    "step_assign",
    "step_complete",
    "step_note_set",
    "step_reopen",
    "timer_start_set",
    "timer_start_validate",
    "user_label",
]
