"""Log entries are events: type + data, the sentence rendered at display time in the reader's
language (incidents/events.py); people's entries carry a kind, shown and filterable."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from incidents import services
from incidents.events import entry_category, entry_text
from incidents.models import LogEntry
from tests.conftest import EVACUATION

pytestmark = pytest.mark.django_db


def _latest(incident):
    return incident.log_entries.order_by("-sequence").first()


def test_a_tick_is_stored_as_facts_and_rendered_word_for_word_as_before(incident, staff_user):
    step = incident.steps.filter(kind="action").first()

    services.step_complete(step=step, user=staff_user, version=step.version)

    entry = _latest(incident)
    assert entry.event == LogEntry.Event.STEP_DONE and entry.text == ""
    assert entry.data["step_id"] == step.pk and entry.data["step_key"] == step.key
    assert entry.data["step_text"] == step.text and entry.data["alternative_label"] == ""
    assert entry_text(entry) == f"Udført: »{services.short(step.text)}«"


def test_the_same_entry_reads_in_the_readers_language(incident, staff_user):
    step = incident.steps.filter(kind="action").first()
    services.step_complete(step=step, user=staff_user, version=step.version)
    entry = _latest(incident)

    with translation.override("en"):
        english = entry_text(entry)
    with translation.override("da"):
        danish = entry_text(entry)

    assert english.startswith("Done: ") and danish.startswith("Udført: ")


def test_every_system_write_has_an_event_and_renders_without_the_stored_text(
    incident, coordinator, staff_user
):
    step = incident.steps.filter(kind="action").first()
    services.step_complete(step=step, user=staff_user, version=step.version)
    step.refresh_from_db()
    services.step_reopen(step=step, user=staff_user, version=step.version, reason="Forkert trin")
    step.refresh_from_db()
    services.step_assign(step=step, user=staff_user, version=step.version, assignee=coordinator)
    step.refresh_from_db()
    services.step_note_set(step=step, user=staff_user, version=step.version, note="Ring igen")
    services.figure_report_create(
        incident=incident,
        user=staff_user,
        agents_on_duty=9,
        agents_available=3,
        calls_in_queue=14,
        longest_wait_seconds=185,
        average_wait_seconds=61,
        source="Miralix",
    )
    line = incident.phone_lines.get(line_slug="hovednummer")
    services.phone_line_switch(line=line, user=staff_user, announcement_slug="nedbrud")
    timer = incident.timers.first()
    moved_to = incident.started_at - dt.timedelta(minutes=30)
    services.timer_start_set(timer=timer, user=staff_user, started_at=moved_to)
    services.incident_scenario_add(incident=incident, scenario_slug=EVACUATION, user=coordinator)

    entries = list(incident.log_entries.order_by("sequence"))
    by_event = {e.event: e for e in entries}
    assert all(e.event != LogEntry.Event.NOTE and e.text == "" for e in entries)
    assert "Genåbnet: »" in entry_text(by_event["step_reopened"])
    assert by_event["step_reopened"].data["reason"] == "Forkert trin"
    assert by_event["step_assigned"].data["assignee_name"] == coordinator.get_full_name()
    assert entry_text(by_event["step_note"]).endswith(": Ring igen")
    figures = by_event["figures_reported"]
    assert figures.data["calls_in_queue"] == 14 and figures.data["figure_id"]
    assert entry_text(figures) == (
        "Tal: 9 på vagt, 3 ledige, 14 i kø, længste ventetid 3:05, gennemsnit 1:01 (fra Miralix)"
    )
    switched = by_event["line_switched"]
    assert (
        switched.data["to_announcement"] == "nedbrud" and switched.data["from_announcement"] == ""
    )
    assert entry_text(switched).startswith("Infobesked »")
    moved = by_event["timer_moved"]
    assert dt.datetime.fromisoformat(moved.data["to_started_at"]) == moved_to
    assert f"kl. {timezone.localtime(moved_to):%H:%M}" in entry_text(moved)
    added = by_event["scenario_added"]
    assert added.data["scenario_slug"] == EVACUATION
    assert entry_text(added).endswith("tilføjede scenariet »Evakuering af Dokk1«.")


def test_an_entry_whose_data_does_not_fit_shows_its_stored_text(incident):
    odd = services.log_entry_create(
        incident=incident,
        text="Gammel tekst",
        kind=LogEntry.Kind.SYSTEM,
        event=LogEntry.Event.STEP_DONE,
        data={"unexpected": 1},
    )
    assert entry_text(odd) == "Gammel tekst"


def test_a_person_chooses_the_kind_and_a_correction_keeps_or_changes_it(incident, staff_user):
    plain = services.incident_log_write(incident=incident, text="Strømmen gik", author=staff_user)
    decision = services.incident_log_write(
        incident=incident, text="Vi bruger 2. scenarie", author=staff_user, category="decision"
    )
    kept = services.incident_log_write(
        incident=incident, text="Vi bruger 1. scenarie", author=staff_user, corrects=decision
    )
    changed = services.incident_log_write(
        incident=incident,
        text="Vi ringer ikke til TDC",
        author=staff_user,
        corrects=plain,
        category="omission",
    )

    assert plain.category == "information" and decision.category == "decision"
    assert kept.category == "decision" and changed.category == "omission"
    assert entry_category(changed) == "omission"
    with pytest.raises(Exception, match="Vælg en art"):
        services.incident_log_write(incident=incident, text="x", author=staff_user, category="y")


def test_the_dashboard_form_posts_a_kind_and_shows_its_badge(client, incident, staff_user):
    client.force_login(staff_user)
    url = reverse("incidents:dashboard", args=[incident.pk])
    page = client.get(url).text
    assert 'name="category"' in page and '<option value="information" selected>' in page

    client.post(
        reverse("incidents:log_write", args=[incident.pk]),
        {"text": "Vi evakuerer ikke", "category": "omission"},
    )

    entry = incident.log_entries.get(kind=LogEntry.Kind.MANUAL)
    assert entry.category == "omission"
    html = client.get(url).text
    item = html[html.index(f'id="log-{entry.sequence}"') :][:800]
    assert 'data-category="omission"' in item and "badge--omission" in item
    assert "Undladelse" in item


def test_a_wrong_kind_is_refused_in_danish_and_writes_nothing(client, incident, staff_user):
    client.force_login(staff_user)
    response = client.post(
        reverse("incidents:log_write", args=[incident.pk]),
        {"text": "Noget", "category": "hemmelig"},
    )
    assert response.status_code == 400 and "Vælg en art for indlægget" in response.text
    assert not incident.log_entries.filter(kind=LogEntry.Kind.MANUAL).exists()


def test_the_full_log_filters_by_kind_and_htmx_gets_only_the_timeline(
    client, evacuation, staff_user
):
    services.incident_log_write(incident=evacuation, text="Info om bygningen", author=staff_user)
    services.incident_log_write(
        incident=evacuation, text="Vi lukker Dokk1", author=staff_user, category="decision"
    )
    decision_step = evacuation.steps.filter(kind="decision").first()
    label = decision_step.alternatives[0]["label"]
    services.step_complete(
        step=decision_step, user=staff_user, version=decision_step.version, alternative=label
    )
    client.force_login(staff_user)
    url = reverse("incidents:log", args=[evacuation.pk])

    decisions = client.get(url, {"art": "decision"}).text
    system = client.get(url, {"art": "system"}, headers={"HX-Request": "true"}).text

    assert "Vi lukker Dokk1" in decisions and f"valgt: {label}" in decisions
    assert "Info om bygningen" not in decisions and "startede hændelsen" not in decisions
    assert "startede hændelsen" in system and "Vi lukker Dokk1" not in system
    assert f"valgt: {label}" not in system
    assert system.lstrip().startswith('<div id="log-timeline">') and "<html" not in system
    assert "Info om bygningen" in client.get(url, {"art": "nonsense"}).text  # unknown: all


def test_the_dashboard_filter_marks_the_page_and_leaves_the_shared_renders_alone(
    client, incident, staff_user
):
    services.incident_log_write(
        incident=incident, text="Vi venter", author=staff_user, category="decision"
    )
    client.force_login(staff_user)
    url = reverse("incidents:dashboard", args=[incident.pk])

    filtered = client.get(url, {"art": "decision"}).text
    unfiltered = client.get(url).text

    assert 'data-log-filter="decision"' in filtered and "data-log-filter" not in unfiltered
    assert 'aria-current="true">Beslutning</a>' in filtered
    assert f"{reverse('incidents:log', args=[incident.pk])}?art=decision" in filtered
    # Every entry is still in the page (CSS hides the other kinds): the renders are shared.
    assert "startede hændelsen" in filtered and "Vi venter" in filtered


def test_the_correction_page_offers_the_old_kind_and_keeps_it(client, incident, staff_user):
    decision = services.incident_log_write(
        incident=incident, text="Vi lukker", author=staff_user, category="decision"
    )
    client.force_login(staff_user)
    url = reverse("incidents:log_correct", args=[incident.pk, decision.sequence])

    page = client.get(url).text
    client.post(url, {"text": "Vi lukker kl. 12", "category": ""})

    assert '<option value="decision" selected>' in page and "badge--decision" in page
    correction = incident.log_entries.get(corrects=decision)
    assert correction.category == "decision" and correction.text == "Vi lukker kl. 12"
