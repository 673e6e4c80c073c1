"""Migration incidents 0008: yesterday's Danish log sentences become events, once; what it
cannot parse stays plain text, and it says how many."""

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from incidents import services
from incidents.events import entry_text
from incidents.models import LogEntry

pytestmark = pytest.mark.django_db

migration = importlib.import_module("incidents.migrations.0011_events_from_text")


def _old(incident, text):
    """An entry as the services wrote it before issue 13: a sentence, no event."""
    return services.log_entry_create(incident=incident, text=text, kind=LogEntry.Kind.SYSTEM)


def test_old_sentences_become_events_that_read_exactly_as_before(incident, capsys):
    step = incident.steps.filter(kind="action").first()
    timer = incident.timers.first()
    shown = services.short(step.text)
    at = timezone.localtime(timezone.now() - dt.timedelta(minutes=5))
    texts = {
        "incident_started": "ØVELSE: Tina Testesen startede hændelsen fra scenariet"
        " »Strømsvigt i Aarhus Kommune« (kortversion 1).",
        "step_done": f"Udført: »{shown}« – valgt: 2. scenarie",
        "step_reopened": f"Genåbnet: »{shown}« – begrundelse: Forkert trin\nSe TDC",
        "step_assigned": f"»{shown}« tildelt Glenn Hald",
        "step_note": f"Note fjernet fra »{shown}«",
        "figures_reported": "Tal: 12 på vagt, 4 ledige, 17 i kø, længste ventetid 3:30,"
        " gennemsnit 1:15 (fra Miralix-integration)",
        "line_switched": "Hovednummer 89402000 skiftet tilbage til normal (ingen infobesked)",
        "timer_moved": f"Timeren »{timer.name}« regnes nu fra kl. {at:%H:%M} (før {at:%H:%M})",
        "update_sent": "Statusopdatering sendt (Hændelsen er startet) til 2 af 3 modtagere via"
        " E-mail, SMS. 1 kan have fået den to gange (mulig dublet efter et nedbrud under"
        " afsendelsen).",
        "update_failed": "Påmindelse til logfører kunne ikke leveres til Testperson 1 (SMS"
        " +45 12 34 56 78): [timeout] Ingen svar (opgivet efter 5 forsøg)",
        "schedule_failed": "Den planlagte statusopdatering kunne ikke dannes (teknisk fejl:"
        " OverflowError). Der prøves igen ved hvert tjek, hvert minut.",
        "schedule_recovered": "De planlagte statusopdateringer virker igen.",
        "incident_closed": "Tina Testesen afsluttede hændelsen. Opsummering: Strømmen kom igen.",
    }
    old = {event: _old(incident, text) for event, text in texts.items()}
    english = _old(incident, "Done: “Call TDC”")
    person = services.incident_log_write(
        incident=incident, text="Udført: »noget« (skrevet af en person)", author=None
    )
    before = incident.log_entries.exclude(event=LogEntry.Event.NOTE).count()

    counts = migration.events_from_text(apps)

    assert counts == {"events": len(texts), "plain": 1}
    assert "13 log entries now events, 1 kept as plain text" in capsys.readouterr().out
    for event, entry in old.items():
        entry.refresh_from_db()
        assert entry.event == event, entry.pk
        assert entry.text == "" and entry_text(entry) == texts[event]
    step_done = old["step_done"]
    assert step_done.data["step_id"] == step.pk and step_done.data["alternative_label"]
    assert old["timer_moved"].data["timer_id"] == timer.pk
    assert old["figures_reported"].data["longest_wait_seconds"] == 210
    assert old["update_sent"].data["channels"] == ["email", "sms"]
    assert old["update_sent"].data["possible_duplicates"] == 1
    assert old["update_failed"].data["error_class"] == "timeout"
    assert old["incident_started"].data["is_exercise"] is True
    english.refresh_from_db()
    person.refresh_from_db()
    assert english.event == LogEntry.Event.NOTE and english.text == "Done: “Call TDC”"
    assert person.event == LogEntry.Event.NOTE and person.text.startswith("Udført")
    # Entries written as events already are not touched; a second run finds nothing new.
    assert incident.log_entries.exclude(event=LogEntry.Event.NOTE).count() == before + len(texts)
    assert migration.events_from_text(apps) == {"events": 0, "plain": 1}


def test_backwards_the_events_get_their_danish_sentences_back(incident):
    started = incident.log_entries.get(event=LogEntry.Event.INCIDENT_STARTED)
    sentence = entry_text(started)

    migration.text_from_events(apps)

    started.refresh_from_db()
    assert started.event == LogEntry.Event.NOTE and started.text == sentence
