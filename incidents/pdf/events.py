"""A log entry's text for the report, rendered from its event type and data.

The facts are stored as data (``LogEntry.event`` + ``LogEntry.data``, keys documented on
``LogEntry.Event``); the sentence a reader sees is made here, in the active language, at
render time. Nothing is ever parsed back out of a sentence. A person's note, and an old
entry written before events existed, keep their ``text``.

The msgids are the ones ``incidents.services`` writes its log lines with, so their English
translations already exist.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import min_sec
from incidents.models import LogEntry

E = LogEntry.Event


def clock(value: str) -> str:
    """An ISO time from ``data`` as local "HH:MM" (blank if missing or unreadable)."""
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return ""
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return timezone.localtime(when).strftime("%H:%M")


def _started(d):
    text = _("Hændelsen startet fra scenariet »%(scenario)s« (kortversion %(v)s).") % {
        "scenario": d.get("scenario_title", ""),
        "v": d.get("card_version", ""),
    }
    return _("ØVELSE: ") + text if d.get("is_exercise") else text


def _closed(d):
    text = _("Hændelsen afsluttet.")
    if d.get("summary"):
        text += " " + _("Opsummering: %(summary)s") % {"summary": d["summary"]}
    return text


def _scenario_added(d):
    return _("Scenariet »%(scenario)s« tilføjet.") % {"scenario": d.get("scenario_title", "")}


def _step_done(d):
    text = _("Udført: »%(step)s«") % {"step": d.get("step_text", "")}
    if d.get("alternative_label"):
        text += _(" – valgt: %(alt)s") % {"alt": d["alternative_label"]}
    return text


def _step_reopened(d):
    return _("Genåbnet: »%(step)s« – begrundelse: %(reason)s") % {
        "step": d.get("step_text", ""),
        "reason": d.get("reason", ""),
    }


def _step_assigned(d):
    if d.get("assignee_name"):
        return _("»%(step)s« tildelt %(name)s") % {
            "step": d.get("step_text", ""),
            "name": d["assignee_name"],
        }
    return _("Tildeling fjernet fra »%(step)s«") % {"step": d.get("step_text", "")}


def _step_note(d):
    if d.get("note"):
        return _("Note til »%(step)s«: %(note)s") % {
            "step": d.get("step_text", ""),
            "note": d["note"],
        }
    return _("Note fjernet fra »%(step)s«") % {"step": d.get("step_text", "")}


def _figures(d):
    text = _(
        "Tal: %(on)s på vagt, %(free)s ledige, %(queue)s i kø, længste ventetid %(longest)s, "
        "gennemsnit %(avg)s"
    ) % {
        "on": d.get("agents_on_duty", ""),
        "free": d.get("agents_available", ""),
        "queue": d.get("calls_in_queue", ""),
        "longest": min_sec(d.get("longest_wait_seconds") or 0),
        "avg": min_sec(d.get("average_wait_seconds") or 0),
    }
    if d.get("source"):
        text += _(" (fra %(source)s)") % {"source": d["source"]}
    return text


def _line(d):
    if d.get("to_announcement"):
        return _("Infobesked »%(a)s« slået til på %(line)s") % {
            "a": d.get("to_announcement_title") or d["to_announcement"],
            "line": d.get("line_name", ""),
        }
    return _("%(line)s skiftet tilbage til normal (ingen infobesked)") % {
        "line": d.get("line_name", "")
    }


def _timer(d):
    return _("Timeren »%(name)s« regnes nu fra kl. %(new)s (før %(old)s)") % {
        "name": d.get("timer_name", ""),
        "new": clock(d.get("to_started_at")),
        "old": clock(d.get("from_started_at")),
    }


def _update_sent(d):
    return _("Statusopdatering sendt til %(n)s modtagere (%(channel)s).") % {
        "n": d.get("recipients", 0),
        "channel": d.get("channel", ""),
    }


def _update_failed(d):
    return _("Statusopdatering kunne ikke leveres til %(recipient)s (%(channel)s): %(error)s") % {
        "recipient": d.get("recipient", ""),
        "channel": d.get("channel", ""),
        "error": d.get("error_class", ""),
    }


RENDERERS = {
    E.INCIDENT_STARTED: _started,
    E.INCIDENT_CLOSED: _closed,
    E.SCENARIO_ADDED: _scenario_added,
    E.STEP_DONE: _step_done,
    E.STEP_REOPENED: _step_reopened,
    E.STEP_ASSIGNED: _step_assigned,
    E.STEP_NOTE: _step_note,
    E.FIGURES_REPORTED: _figures,
    E.LINE_SWITCHED: _line,
    E.TIMER_MOVED: _timer,
    E.UPDATE_SENT: _update_sent,
    E.UPDATE_FAILED: _update_failed,
}


def event_text(*, event: str, data: dict, text: str) -> str:
    """The sentence for one entry in the active language; a note keeps what was written."""
    render = RENDERERS.get(event)
    if render is None or not isinstance(data, dict) or not data:
        return text
    return render(data)
