"""Old log entries as events: the system's Danish sentences parsed once into type + data.

Until issue 13 the services stored sentences ("Udført: »…«", "Tal: …") and the report
found the facts again with regexes. This migration parses every system entry still stored
as text (``event`` = note) with the Danish sentences the services wrote, and keeps a parse
only if ``incidents.events.entry_text`` renders it back to exactly the stored text (so no
entry reads differently afterwards). The rest — texts written under the English UI, or
edited by hand — stay plain text (event note, text kept); the count is printed.

Reversible: backwards, every event gets its Danish sentence back as text.
"""

import datetime as dt
import re
import zoneinfo

from django.conf import settings
from django.db import migrations, models
from django.utils.text import Truncator, slugify

STEP = r"»(?P<step>.+)«"
PATTERNS = [
    (
        "incident_started",
        r"(?P<exercise>ØVELSE: )?(?P<who>.+) startede hændelsen fra scenariet »(?P<scenario>.+)«"
        r" \(kortversion (?P<v>\d+)\)\.",
    ),
    ("scenario_added", r"(?P<who>.+) tilføjede scenariet »(?P<scenario>.+)«\."),
    ("incident_closed", r"(?P<who>.+?) afsluttede hændelsen\.(?: Opsummering: (?P<summary>.*))?"),
    ("step_done", r"Udført: »(?P<step>.+?)«(?: – valgt: (?P<alt>.+))?"),
    ("step_reopened", r"Genåbnet: »(?P<step>.+?)« – begrundelse: (?P<reason>.*)"),
    ("step_assigned", STEP + r" tildelt (?P<name>.+)"),
    ("step_assigned", r"Tildeling fjernet fra " + STEP),
    ("step_note", r"Note til »(?P<step>.+?)«: (?P<note>.*)"),
    ("step_note", r"Note fjernet fra " + STEP),
    (
        "figures_reported",
        r"Tal: (?P<on>\d+) på vagt, (?P<free>\d+) ledige, (?P<queue>\d+) i kø, længste ventetid"
        r" (?P<lm>\d+):(?P<ls>\d\d), gennemsnit (?P<am>\d+):(?P<as>\d\d)"
        r"(?: \(fra (?P<source>.+)\))?",
    ),
    ("line_switched", r"Infobesked »(?P<a>.+)« slået til på (?P<line>.+)"),
    ("line_switched", r"(?P<line>.+) skiftet tilbage til normal \(ingen infobesked\)"),
    (
        "timer_moved",
        r"Timeren »(?P<name>.+)« regnes nu fra kl\. (?P<new>\d\d:\d\d) \(før (?P<old>\d\d:\d\d)\)",
    ),
    (
        "update_sent",
        r"(?P<kind>Statusopdatering|Påmindelse til logfører) sendt \((?P<what>.+)\) til"
        r" (?P<n>\d+) af (?P<total>\d+) modtagere via (?P<channels>.+?)\."
        r"(?: (?P<dup>\d+) kan have fået den to gange \(mulig dublet efter et nedbrud under"
        r" afsendelsen\)\.)?",
    ),
    (
        "update_failed",
        r"(?P<kind>Statusopdatering|Påmindelse til logfører) kunne ikke leveres til (?P<name>.*?)"
        r" \((?P<channel>E-mail|SMS|Webhook) (?P<address>.*?)\): \[(?P<error_class>[^\]]*)\]"
        r" (?P<error>.*)",
    ),
    (
        "schedule_failed",
        r"Den planlagte statusopdatering kunne ikke dannes \(teknisk fejl: (?P<error>.*)\)\."
        r" Der prøves igen ved hvert tjek, hvert minut\.",
    ),
    ("schedule_recovered", r"De planlagte statusopdateringer virker igen\."),
]
COMPILED = [(event, re.compile(pattern, re.S)) for event, pattern in PATTERNS]
KINDS = {"Statusopdatering": "update", "Påmindelse til logfører": "reminder"}
REASONS = {
    "Hændelsen er startet": "started",
    "Nyt scenarie tilføjet": "scenario_added",
    "Hændelsen er afsluttet – sidste opdatering": "closed",
    "Sendt manuelt": "manual",
    "Planlagt statusopdatering": "scheduled",
}
CHANNELS = {"E-mail": "email", "SMS": "sms", "Webhook": "webhook"}


def _short(text: str, length: int = 100) -> str:
    return Truncator(" ".join(text.split())).chars(length)


class _Incident:
    """What one incident's entries are matched against (steps, scenarios, lines, timers),
    read once per incident."""

    def __init__(self, apps, incident_id):
        m = {n: apps.get_model("incidents", n) for n in ("IncidentStep", "IncidentScenario")}
        lines = apps.get_model("incidents", "PhoneLineState").objects.filter(
            incident_id=incident_id
        )
        timers = apps.get_model("incidents", "IncidentTimer").objects.filter(
            incident_id=incident_id
        )
        self.steps = {}
        for step in m["IncidentStep"].objects.filter(incident_id=incident_id):
            self.steps.setdefault(_short(step.text), step)
        self.scenarios = {
            s.title: s for s in m["IncidentScenario"].objects.filter(incident_id=incident_id)
        }
        self.lines = {line.name: line for line in lines}
        self.timers = {timer.name: timer for timer in timers}

    def step(self, shown: str) -> dict:
        step = self.steps.get(shown)
        if step is None:
            return {"step_id": None, "step_key": "", "step_text": shown}
        return {"step_id": step.pk, "step_key": step.key, "step_text": step.text}


def _when(hhmm: str, created_at: dt.datetime) -> str:
    """An "HH:MM" the log showed, as the latest such time not after the entry (minute
    precision: the old text had no date)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    local = created_at.astimezone(zone)
    hour, minute = map(int, hhmm.split(":"))
    when = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if when > local + dt.timedelta(minutes=2):
        when -= dt.timedelta(days=1)
    return when.isoformat()


def _scenario(g, entry, ctx):
    scenario = ctx.scenarios.get(g["scenario"])
    data = {
        "scenario_slug": scenario.scenario_slug if scenario else "",
        "scenario_title": g["scenario"],
        "actor_name": g["who"],
    }
    if "v" in g:
        return {**data, "card_version": int(g["v"]), "is_exercise": bool(g["exercise"])}
    return {**data, "reason": scenario.reason if scenario else ""}


def _figures(g, entry, ctx):
    return {
        "figure_id": None,
        "agents_on_duty": int(g["on"]),
        "agents_available": int(g["free"]),
        "calls_in_queue": int(g["queue"]),
        "longest_wait_seconds": int(g["lm"]) * 60 + int(g["ls"]),
        "average_wait_seconds": int(g["am"]) * 60 + int(g["as"]),
        "source": g["source"] or "",
    }


def _line(g, entry, ctx):
    line = ctx.lines.get(g["line"])
    title = g.get("a") or ""
    same = line is not None and line.announcement_name == title
    return {
        "line_slug": line.line_slug if line else "",
        "line_name": g["line"],
        "from_announcement": None,  # not in the old text
        "from_announcement_title": None,
        "to_announcement": (line.announcement_slug if same else slugify(title)) if title else "",
        "to_announcement_title": title,
    }


def _timer(g, entry, ctx):
    timer = ctx.timers.get(g["name"])
    return {
        "timer_id": timer.pk if timer else None,
        "timer_name": g["name"],
        "from_started_at": _when(g["old"], entry.created_at),
        "to_started_at": _when(g["new"], entry.created_at),
        "approximate": True,
    }


def _sent(g, entry, ctx):
    kind = KINDS[g["kind"]]
    shown = [] if g["channels"] == "-" else g["channels"].split(", ")
    channels = sorted(CHANNELS[c] for c in shown)  # KeyError: not a channel, not parsed
    return {
        "update_id": None,
        "kind": kind,
        "reason": REASONS.get(g["what"], "reminder" if kind == "reminder" else ""),
        "channel": channels[0] if channels else "",
        "channels": channels,
        "recipients": int(g["n"]),
        "total": int(g["total"]),
        "possible_duplicates": int(g["dup"] or 0),
    }


def _failed(g, entry, ctx):
    return {
        "update_id": None,
        "kind": KINDS[g["kind"]],
        "channel": CHANNELS[g["channel"]],
        "recipient": g["name"],
        "address": g["address"],
        "error_class": g["error_class"],
        "error": g["error"],
    }


DATA = {
    "incident_started": _scenario,
    "scenario_added": _scenario,
    "incident_closed": lambda g, e, c: {"summary": g["summary"] or "", "actor_name": g["who"]},
    "step_done": lambda g, e, c: {
        **c.step(g["step"]),
        "alternative": g["alt"] or "",
        "alternative_label": g["alt"] or "",
    },
    "step_reopened": lambda g, e, c: {**c.step(g["step"]), "reason": g["reason"]},
    "step_assigned": lambda g, e, c: {
        **c.step(g["step"]),
        "assignee_name": g.get("name") or "",
        "person_slug": "",
    },
    "step_note": lambda g, e, c: {**c.step(g["step"]), "note": g.get("note") or ""},
    "figures_reported": _figures,
    "line_switched": _line,
    "timer_moved": _timer,
    "update_sent": _sent,
    "update_failed": _failed,
    "schedule_failed": lambda g, e, c: {"error_class": g["error"]},
    "schedule_recovered": lambda g, e, c: {},
}


def _parse(entry, ctx, renderers) -> tuple[str, dict] | None:
    """(event, data) whose rendering is exactly the entry's text, or None."""
    for event, pattern in COMPILED:
        match = pattern.fullmatch(entry.text)
        if match is None:
            continue
        try:
            data = DATA[event](match.groupdict(), entry, ctx)
            if renderers[event](data) == entry.text:
                return event, data
        except (KeyError, ValueError, TypeError):
            continue
    return None


def events_from_text(apps, schema_editor=None) -> dict:
    """Parse every unparsed system entry; returns {"events": n, "plain": m}."""
    from django.utils import translation

    from incidents.events import RENDERERS

    LogEntry = apps.get_model("incidents", "LogEntry")
    counts = {"events": 0, "plain": 0}
    todo = LogEntry.objects.filter(kind="system", event="note").exclude(text="")
    contexts = {}
    with translation.override("da"):
        for entry in todo.order_by("incident_id", "sequence").iterator(chunk_size=500):
            if entry.incident_id not in contexts:
                contexts = {entry.incident_id: _Incident(apps, entry.incident_id)}
            parsed = _parse(entry, contexts[entry.incident_id], RENDERERS)
            if parsed is None:
                counts["plain"] += 1
                continue
            event, data = parsed
            LogEntry.objects.filter(pk=entry.pk).update(event=event, data=data, text="")
            counts["events"] += 1
    if counts["events"] or counts["plain"]:
        print(
            f"\n  incidents 0008: {counts['events']} log entries now events,"
            f" {counts['plain']} kept as plain text (not a sentence the app wrote in Danish)."
        )
    return counts


def text_from_events(apps, schema_editor=None) -> None:
    from django.utils import translation

    from incidents.events import entry_text

    LogEntry = apps.get_model("incidents", "LogEntry")
    with translation.override("da"):
        for entry in LogEntry.objects.exclude(event="note").iterator(chunk_size=500):
            LogEntry.objects.filter(pk=entry.pk).update(
                text=entry_text(entry)[:2000], event="note", data={}
            )


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_smsin_alert_event")]

    operations = [
        migrations.AlterField(
            model_name="logentry",
            name="event",
            field=models.CharField(
                choices=[
                    ("note", "Notat"),
                    ("incident_started", "Hændelse startet"),
                    ("incident_closed", "Hændelse afsluttet"),
                    ("scenario_added", "Scenarie tilføjet"),
                    ("step_done", "Trin udført"),
                    ("step_reopened", "Trin genåbnet"),
                    ("step_assigned", "Trin tildelt"),
                    ("step_note", "Note til trin"),
                    ("figures_reported", "Tal indberettet"),
                    ("line_switched", "Linje skiftet"),
                    ("timer_moved", "Timer flyttet"),
                    ("update_sent", "Opdatering sendt"),
                    ("update_failed", "Opdatering fejlede"),
                    ("schedule_failed", "Planlagt opdatering fejlede"),
                    ("schedule_recovered", "Planlagte opdateringer virker igen"),
                ],
                default="note",
                max_length=40,
                verbose_name="type",
            ),
        ),
        migrations.RunPython(events_from_text, text_from_events, elidable=True),
    ]
