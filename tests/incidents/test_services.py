import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cards.models import CardVersion
from cards.services import card_publish
from cards.snapshots import CardSnapshot
from incidents import services
from incidents.events import entry_text
from incidents.models import Incident, IncidentStep, LogEntry
from tests.conftest import EVACUATION, POWER
from tests.incidents.factories import figures_report

pytestmark = pytest.mark.django_db


def test_start_copies_the_checklist_from_the_published_version(incident, seeded_card):
    version = CardVersion.objects.get(card=seeded_card, number=1)
    expected = [s.key for s in CardSnapshot(version.snapshot).scenario(POWER).steps]

    assert incident.card_version == version
    assert list(incident.steps.values_list("key", flat=True)) == expected
    assert incident.scenarios.get().scenario_slug == POWER
    assert incident.log_entries.get().sequence == 1
    assert "startede hændelsen" in entry_text(incident.log_entries.get())


def test_start_uses_the_version_in_force_and_is_not_changed_by_later_edits(
    seeded_card, coordinator
):
    card_publish(card=seeded_card, note="v2")
    incident = services.incident_start(card=seeded_card, scenario_slug=POWER, user=coordinator)
    seeded_card.scenarios.filter(slug=POWER).update(title="Ændret titel")
    card_publish(card=seeded_card, note="v3")

    incident.refresh_from_db()
    assert incident.card_version.number == 2
    assert incident.title == "Strømsvigt i Aarhus Kommune"


def test_start_creates_timers_and_phone_lines(incident):
    timer = incident.timers.get()
    assert timer.minutes == 120
    assert timer.started_at == incident.started_at
    assert list(incident.phone_lines.values_list("line_slug", flat=True)) == [
        "hovednummer",
        "ejendomsbeskatningen",
        "folkeregisteret",
        "opkraevningen",
    ]


def test_exercise_is_said_in_the_log(card, coordinator):
    incident = services.incident_start(
        card=card, scenario_slug=card.scenarios.get().slug, user=coordinator, is_exercise=True
    )
    assert incident.is_exercise
    assert entry_text(incident.log_entries.get()).startswith("ØVELSE")


def test_start_tells_notifications(card, coordinator):
    slug = card.scenarios.get().slug
    with mock.patch.object(services.notification_services, "status_update_create") as notify:
        incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    notify.assert_called_once_with(incident=incident, reason="started", user=coordinator)


def test_unknown_scenario_is_refused(card, coordinator):
    with pytest.raises(ValidationError, match="findes ikke"):
        services.incident_start(card=card, scenario_slug="findes-ikke", user=coordinator)


def test_escalation_adds_steps_without_duplicating_shared_ones(incident, coordinator):
    before = set(incident.steps.values_list("key", flat=True))

    with mock.patch.object(services.notification_services, "status_update_create") as notify:
        joined = services.incident_scenario_add(
            incident=incident, scenario_slug=EVACUATION, user=coordinator
        )

    keys = list(incident.steps.values_list("key", flat=True))
    assert len(keys) == len(set(keys))
    assert "kommunikation/0" in before
    assert keys.count("kommunikation/0") == 1
    new = set(keys) - before
    assert new and all(
        k.startswith(("infobesked", "yammer", "evakuering", "scenarie")) for k in new
    )
    assert set(incident.steps.filter(scenario=joined).values_list("key", flat=True)) == new
    last = incident.log_entries.order_by("-sequence").first()
    assert "tilføjede scenariet »Evakuering af Dokk1«" in entry_text(last)
    assert last.author == coordinator
    notify.assert_called_once_with(incident=incident, reason="scenario_added", user=coordinator)


def test_escalating_twice_with_the_same_scenario_is_refused(incident, coordinator):
    with pytest.raises(ValidationError, match="allerede"):
        services.incident_scenario_add(incident=incident, scenario_slug=POWER, user=coordinator)


def test_several_incidents_run_at_once(incident, evacuation):
    assert Incident.objects.filter(status=Incident.Status.RUNNING).count() == 2
    assert incident.log_entries.get().sequence == evacuation.log_entries.get().sequence == 1


def _task(incident, kind="action"):
    return incident.steps.filter(kind=kind).order_by("order").first()


def test_completing_a_step_records_who_and_when(incident, staff_user):
    step = _task(incident)

    done = services.step_complete(step=step, user=staff_user, version=1)

    step.refresh_from_db()
    assert step.done_by == staff_user and step.done_at is not None
    assert step.version == 2 == done.version
    assert entry_text(incident.log_entries.order_by("-sequence").first()).startswith("Udført:")


def test_a_stale_version_is_refused_with_who_changed_what(incident, staff_user, coordinator):
    step = _task(incident)
    services.step_complete(step=step, user=coordinator, version=1)

    with pytest.raises(services.StaleStepError) as exc:
        services.step_note_set(step=step, user=staff_user, version=1, note="min note")

    message = str(exc.value)
    assert coordinator.get_full_name() in message
    assert "markeret som udført" in message
    step.refresh_from_db()
    assert step.note == ""


def test_undo_needs_a_reason_and_is_logged(incident, staff_user):
    step = _task(incident)
    services.step_complete(step=step, user=staff_user, version=1)

    with pytest.raises(ValidationError):
        services.step_reopen(step=step, user=staff_user, version=2, reason="  ")
    services.step_reopen(step=step, user=staff_user, version=2, reason="Forkert trin")

    step.refresh_from_db()
    assert step.done_at is None and step.version == 3
    assert "Forkert trin" in entry_text(incident.log_entries.order_by("-sequence").first())


def test_a_decision_records_the_chosen_alternative(evacuation, staff_user):
    step = _task(evacuation, "decision")

    with pytest.raises(ValidationError, match=r"1\. scenarie, 2\. scenarie"):
        services.step_complete(step=step, user=staff_user, version=1)
    services.step_complete(step=step, user=staff_user, version=1, alternative="2. scenarie")

    step.refresh_from_db()
    assert step.chosen_alternative == "2. scenarie"
    assert "valgt: 2. scenarie" in entry_text(evacuation.log_entries.order_by("-sequence").first())


def test_a_note_step_cannot_be_ticked(incident, staff_user):
    with pytest.raises(ValidationError, match="oplysning"):
        services.step_complete(step=_task(incident, "note"), user=staff_user, version=1)


def test_assign_to_a_user_or_a_card_person(incident, staff_user, coordinator):
    step = _task(incident)
    services.step_assign(step=step, user=coordinator, version=1, assignee=staff_user)
    step.refresh_from_db()
    assert step.assignee_name == staff_user.get_full_name()

    services.step_assign(
        step=step, user=coordinator, version=2, person_slug="glenn-hald", person_name="Glenn Hald"
    )
    step.refresh_from_db()
    assert step.assigned_user is None and step.assignee_name == "Glenn Hald"
    assert "tildelt Glenn Hald" in entry_text(incident.log_entries.order_by("-sequence").first())


def test_every_write_bumps_the_revision(incident, staff_user):
    before = Incident.objects.get(pk=incident.pk).revision
    services.step_note_set(step=_task(incident), user=staff_user, version=1, note="Ring igen")
    assert Incident.objects.get(pk=incident.pk).revision > before


def test_log_correction_points_at_the_corrected_entry(incident, staff_user):
    wrong = services.incident_log_write(
        incident=incident, text="Strømmen gik 9:30", author=staff_user
    )
    fixed = services.incident_log_write(
        incident=incident, text="Strømmen gik 9:20", author=staff_user, corrects=wrong
    )
    wrong.refresh_from_db()
    assert wrong.text == "Strømmen gik 9:30"  # append-only
    assert fixed.corrects == wrong and fixed.sequence == wrong.sequence + 1
    assert list(wrong.corrections.all()) == [fixed]


def test_figures_refuse_more_available_than_on_duty(incident, staff_user):
    with pytest.raises(ValidationError, match="flere ledige"):
        figures_report(incident=incident, user=staff_user, agents_on_duty=3, agents_available=5)


def test_figures_are_logged(incident, staff_user):
    figures_report(incident=incident, user=staff_user, calls_in_queue=17, longest_wait_seconds=210)
    assert incident.figures.get().calls_in_queue == 17
    text = entry_text(incident.log_entries.order_by("-sequence").first())
    assert "17 i kø" in text and "3:30" in text


def test_phone_line_switch_records_who_and_when(incident, staff_user):
    line = incident.phone_lines.get(line_slug="hovednummer")

    services.phone_line_switch(line=line, user=staff_user, announcement_slug="nedbrud")

    line.refresh_from_db()
    assert line.announcement_name == "Nedbrud" and line.switched_by == staff_user
    with pytest.raises(ValidationError, match="allerede"):
        services.phone_line_switch(line=line, user=staff_user, announcement_slug="nedbrud")
    with pytest.raises(ValidationError, match="Ukendt"):
        services.phone_line_switch(line=line, user=staff_user, announcement_slug="findes-ikke")


def test_timer_start_can_move_back_but_not_into_the_future(incident, staff_user):
    timer = incident.timers.get()
    earlier = incident.started_at - dt.timedelta(minutes=25)

    services.timer_start_set(timer=timer, user=staff_user, started_at=earlier)
    timer.refresh_from_db()
    assert timer.ends_at == earlier + dt.timedelta(hours=2)

    with pytest.raises(ValidationError, match="fremtiden"):
        services.timer_start_set(
            timer=timer, user=staff_user, started_at=timezone.now() + dt.timedelta(minutes=5)
        )
    with pytest.raises(ValidationError, match="48 timer"):
        services.timer_start_set(
            timer=timer, user=staff_user, started_at=earlier - dt.timedelta(days=3)
        )


def _close(incident, user, **overrides):
    args = {
        "announcements_off": True,
        "crisis_team_informed": True,
        "yammer_posted": True,
        "summary": "Strømmen kom tilbage.",
    }
    args.update(overrides)
    return services.incident_close(incident=incident, user=user, **args)


def test_close_reminds_of_announcements_still_on(incident, coordinator):
    line = incident.phone_lines.get(line_slug="hovednummer")
    services.phone_line_switch(line=line, user=coordinator, announcement_slug="nedbrud")

    with pytest.raises(ValidationError, match="stadig slået til på Aarhus Kommunes Hovednummer"):
        _close(incident, coordinator)
    with pytest.raises(ValidationError, match="afslutningstjeklisten"):
        services.phone_line_switch(line=line, user=coordinator, announcement_slug="")
        _close(incident, coordinator, yammer_posted=False)


def test_closed_incidents_refuse_every_change(incident, coordinator, staff_user):
    with mock.patch.object(services.notification_services, "status_update_create") as notify:
        _close(incident, coordinator)
    notify.assert_called_once_with(incident=incident, reason="closed", user=coordinator)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    entries = LogEntry.objects.filter(incident=incident).count()
    step = _task(incident)

    attempts = [
        lambda: services.step_complete(step=step, user=staff_user, version=1),
        lambda: services.incident_log_write(incident=incident, text="x", author=staff_user),
        lambda: services.incident_scenario_add(
            incident=incident, scenario_slug=EVACUATION, user=coordinator
        ),
        lambda: services.phone_line_switch(
            line=incident.phone_lines.first(), user=staff_user, announcement_slug="nedbrud"
        ),
        lambda: _close(incident, coordinator),
    ]
    for attempt in attempts:
        with pytest.raises(services.IncidentClosedError, match="afsluttet"):
            attempt()
    assert LogEntry.objects.filter(incident=incident).count() == entries
    assert IncidentStep.objects.get(pk=step.pk).done_at is None


def test_integration_tokens_are_stored_hashed(db):
    token, raw = services.integration_token_create(name="Miralix")
    assert raw not in token.token_hash and len(raw) >= 40
    assert services.integration_token_check(raw=raw) == token
    assert services.integration_token_check(raw=raw + "x") is None
