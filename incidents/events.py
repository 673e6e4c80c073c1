"""The text of a log entry, rendered from its event type and data in the active language.

The log stores facts (``LogEntry.event`` + ``LogEntry.data``, keys documented on
``LogEntry.Event``); the sentence a reader sees is made here, at display time, in the
reader's language — the dashboard, the full log, the status summaries and the e-mails
(under ``translation.override("da")``) all call ``entry_text``. It runs per entry per
render: no queries, only dictionary look-ups and a ``gettext`` each.

The Danish sentences are word for word the ones the services used to store, so the same
msgids (and their English translations) serve. The incident report reads the same
sentences through ``report_text``, with its own wording only where its columns already
say who did it (``REPORT_RENDERERS``).
"""

import datetime as dt
from functools import partial

from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formatting import min_sec
from incidents.models import LogEntry

E = LogEntry.Event

# Labels of the notifications app's values, as the log names them. Kept here (not read from
# notifications.models) so the incidents app never imports notifications to draw its log.
UPDATE_KINDS = {
    "update": gettext_lazy("Statusopdatering"),
    "reminder": gettext_lazy("Påmindelse til logfører"),
}
UPDATE_REASONS = {
    "started": gettext_lazy("Hændelsen er startet"),
    "scenario_added": gettext_lazy("Nyt scenarie tilføjet"),
    "closed": gettext_lazy("Hændelsen er afsluttet – sidste opdatering"),
    "manual": gettext_lazy("Sendt manuelt"),
    "scheduled": gettext_lazy("Planlagt statusopdatering"),
}
CHANNELS = {
    "email": gettext_lazy("E-mail"),
    "sms": gettext_lazy("SMS"),
    "webhook": gettext_lazy("Webhook"),
}


def short(text: str, length: int = 100) -> str:
    return Truncator(" ".join(text.split())).chars(length)


def clock(value: str) -> str:
    """An ISO time from ``data`` as local "HH:MM" (blank if missing)."""
    if not value:
        return ""
    when = dt.datetime.fromisoformat(value)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return timezone.localtime(when).strftime("%H:%M")


def _started(d):
    text = _("%(who)s startede hændelsen fra scenariet »%(scenario)s« (kortversion %(v)s).") % {
        "who": d["actor_name"],
        "scenario": d["scenario_title"],
        "v": d["card_version"],
    }
    return _("ØVELSE: ") + text if d.get("is_exercise") else text


def _closed(d):
    text = _("%(who)s afsluttede hændelsen.") % {"who": d["actor_name"]}
    if d.get("summary"):
        text += " " + _("Opsummering: %(summary)s") % {"summary": d["summary"]}
    return text


def _scenario_added(d):
    return _("%(who)s tilføjede scenariet »%(scenario)s«.") % {
        "who": d["actor_name"],
        "scenario": d["scenario_title"],
    }


def _step_done(d, step=short):
    text = _("Udført: »%(step)s«") % {"step": step(d["step_text"])}
    if d.get("alternative_label"):
        text += _(" – valgt: %(alt)s") % {"alt": d["alternative_label"]}
    return text


def _step_reopened(d, step=short):
    return _("Genåbnet: »%(step)s« – begrundelse: %(reason)s") % {
        "step": step(d["step_text"]),
        "reason": d["reason"],
    }


def _step_value(key, placeholder, set_text, removed_text):
    """The renderer for a step's value (its assignee, its note): set, or removed when blank.
    The sentences are lazy, so each is translated when an entry is rendered."""

    def render(d, step=short):
        values = {"step": step(d["step_text"])}
        if d.get(key):
            return set_text % {**values, placeholder: d[key]}
        return removed_text % values

    return render


_step_assigned = _step_value(
    "assignee_name",
    "name",
    gettext_lazy("»%(step)s« tildelt %(name)s"),
    gettext_lazy("Tildeling fjernet fra »%(step)s«"),
)
_step_note = _step_value(
    "note",
    "note",
    gettext_lazy("Note til »%(step)s«: %(note)s"),
    gettext_lazy("Note fjernet fra »%(step)s«"),
)


def _figures(d):
    text = _(
        "Tal: %(on)s på vagt, %(free)s ledige, %(queue)s i kø, længste ventetid %(longest)s, "
        "gennemsnit %(avg)s"
    ) % {
        "on": d["agents_on_duty"],
        "free": d["agents_available"],
        "queue": d["calls_in_queue"],
        "longest": min_sec(d["longest_wait_seconds"] or 0),
        "avg": min_sec(d["average_wait_seconds"] or 0),
    }
    if d.get("source"):
        text += _(" (fra %(source)s)") % {"source": d["source"]}
    return text


def _line(d):
    if d.get("to_announcement"):
        return _("Infobesked »%(a)s« slået til på %(line)s") % {
            "a": d["to_announcement_title"] or d["to_announcement"],
            "line": d["line_name"],
        }
    return _("%(line)s skiftet tilbage til normal (ingen infobesked)") % {"line": d["line_name"]}


def _timer(d):
    return _("Timeren »%(name)s« regnes nu fra kl. %(new)s (før %(old)s)") % {
        "name": d["timer_name"],
        "new": clock(d["to_started_at"]),
        "old": clock(d["from_started_at"]),
    }


def _sent(d):
    kind = UPDATE_KINDS.get(d.get("kind"), d.get("kind", ""))
    channels = ", ".join(sorted(str(CHANNELS.get(c, c)) for c in d.get("channels", []))) or "-"
    text = _("%(kind)s sendt (%(what)s) til %(n)s af %(total)s modtagere via %(channels)s.") % {
        "kind": kind,
        "what": UPDATE_REASONS.get(d.get("reason"), kind),
        "n": d["recipients"],
        "total": d.get("total", d["recipients"]),
        "channels": channels,
    }
    if d.get("possible_duplicates"):
        text += " " + _(
            "%(n)s kan have fået den to gange (mulig dublet efter et nedbrud under afsendelsen)."
        ) % {"n": d["possible_duplicates"]}
    return text


def _failed(d):
    return _(
        "%(kind)s kunne ikke leveres til %(name)s (%(channel)s %(address)s): [%(error_class)s] "
        "%(error)s"
    ) % {
        "kind": UPDATE_KINDS.get(d.get("kind"), d.get("kind", "")),
        "name": d["recipient"],
        "channel": CHANNELS.get(d["channel"], d["channel"]),
        "address": d.get("address", ""),
        "error_class": d["error_class"],
        "error": d.get("error", ""),
    }


def _schedule_failed(d):
    return _(
        "Den planlagte statusopdatering kunne ikke dannes (teknisk fejl: %(error)s). Der prøves "
        "igen ved hvert tjek, hvert minut."
    ) % {"error": d["error_class"]}


def _schedule_recovered(d):
    return _("De planlagte statusopdateringer virker igen.")


def _alert_sent(d):
    if d.get("round"):
        return _("Alarm sendt igen til %(n)s, der ikke har kvitteret: %(text)s") % {
            "n": d["recipients"],
            "text": d["text"],
        }
    return _("Alarm sendt til %(n)s (%(group)s): %(text)s") % {
        "n": d["recipients"],
        "group": d.get("group") or _("alle"),
        "text": d["text"],
    }


def _alert_all_acked(d):
    return _("Alle %(n)s har kvitteret for alarmen.") % {"n": d["recipients"]}


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
    E.UPDATE_SENT: _sent,
    E.UPDATE_FAILED: _failed,
    E.SCHEDULE_FAILED: _schedule_failed,
    E.SCHEDULE_RECOVERED: _schedule_recovered,
    E.ALERT_SENT: _alert_sent,
    E.ALERT_ALL_ACKED: _alert_all_acked,
}


def entry_text(entry: LogEntry) -> str:
    """What the entry says, in the active language: a person's text as written; an event's
    sentence from its data. An entry whose data does not fit (an old entry the migration
    could not parse keeps its old text) shows its stored text."""
    render = RENDERERS.get(entry.event)
    if render is None or (entry.text and not entry.data):
        return entry.text
    try:
        return str(render(entry.data))[:2000]
    except (KeyError, TypeError, ValueError):
        return entry.text or str(entry.get_event_display())


def _report_started(d):
    text = _("Hændelsen startet fra scenariet »%(scenario)s« (kortversion %(v)s).") % {
        "scenario": d["scenario_title"],
        "v": d["card_version"],
    }
    return _("ØVELSE: ") + text if d.get("is_exercise") else text


def _report_closed(d):
    text = _("Hændelsen afsluttet.")
    if d.get("summary"):
        text += " " + _("Opsummering: %(summary)s") % {"summary": d["summary"]}
    return text


def _report_scenario_added(d):
    return _("Scenariet »%(scenario)s« tilføjet.") % {"scenario": d["scenario_title"]}


def _report_update_sent(d):
    return _("Statusopdatering sendt til %(n)s modtagere (%(channel)s).") % {
        "n": d.get("recipients", 0),
        "channel": d["channel"],
    }


def _report_update_failed(d):
    return _("Statusopdatering kunne ikke leveres til %(recipient)s (%(channel)s): %(error)s") % {
        "recipient": d["recipient"],
        "channel": d["channel"],
        "error": d["error_class"],
    }


# The report names the author in a column of its own and prints a step's whole text; the
# alerts' and the schedule's lines it prints as they were stored.
REPORT_RENDERERS = {
    E.FIGURES_REPORTED: _figures,
    E.LINE_SWITCHED: _line,
    E.TIMER_MOVED: _timer,
    E.INCIDENT_STARTED: _report_started,
    E.INCIDENT_CLOSED: _report_closed,
    E.SCENARIO_ADDED: _report_scenario_added,
    E.STEP_DONE: partial(_step_done, step=str),
    E.STEP_REOPENED: partial(_step_reopened, step=str),
    E.STEP_ASSIGNED: partial(_step_assigned, step=str),
    E.STEP_NOTE: partial(_step_note, step=str),
    E.UPDATE_SENT: _report_update_sent,
    E.UPDATE_FAILED: _report_update_failed,
}


class _Blanks(dict):
    """An entry's data for the report: a missing key reads as blank, so a sentence is
    printed even for an entry whose data is short of a fact."""

    def __missing__(self, key):
        return ""


def report_text(*, event: str, data: dict, text: str) -> str:
    """The sentence for one entry in the report; a note keeps what was written, and so
    does an entry whose data cannot be read (a time that is not a time)."""
    render = REPORT_RENDERERS.get(event)
    if render is None or not isinstance(data, dict) or not data:
        return text
    try:
        return render(_Blanks(data))
    except (TypeError, ValueError):
        return text


# What the log's filter calls each entry: a person's entry by its kind; a decision step
# ticked with a chosen alternative is a decision too (the card's "1./2. scenarie").
SYSTEM_CATEGORY = "system"


def entry_category(entry: LogEntry) -> str:
    if entry.kind == LogEntry.Kind.MANUAL:
        return entry.category
    if entry.event == E.STEP_DONE and (entry.data or {}).get("alternative_label"):
        return LogEntry.Category.DECISION
    return SYSTEM_CATEGORY
