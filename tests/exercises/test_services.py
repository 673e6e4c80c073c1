import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cards.models import CardChangeSource, Step
from cards.services import card_publish
from cards.snapshots import CardSnapshot
from exercises import services
from exercises.models import InjectDelivery, ProposedChange
from incidents import services as incident_services
from incidents.models import LogEntry
from notifications.models import OutboxMessage
from tests.exercises.conftest import SCENARIO
from tests.exercises.factories import InjectFactory, closed_incident

pytestmark = pytest.mark.django_db

CRISIS_TEAM = {"per@aarhus.dk", "+4529204259"}  # Per Ryolf in the seed card


def addresses(incident):
    return set(
        OutboxMessage.objects.filter(update__incident=incident).values_list("address", flat=True)
    )


def fire(incident, seconds):
    return services.injects_due_fire(now=incident.started_at + dt.timedelta(seconds=seconds))


def test_injects_fire_at_their_time_once_each_into_the_log(exercise, script):
    assert fire(exercise, 30) == 0
    assert fire(exercise, 61) == 1
    assert fire(exercise, 120) == 0  # already delivered: never twice
    assert fire(exercise, 601) == 1

    entries = list(exercise.log_entries.filter(event=LogEntry.Event.INJECT).order_by("sequence"))
    assert [e.data["offset_seconds"] for e in entries] == [60, 600]
    first = script.injects.get(offset_seconds=60)
    assert entries[0].data == {"inject_id": first.pk, "offset_seconds": 60, "script_id": script.pk}
    assert "Miralix ringer" in entries[0].text and entries[0].text.startswith("ØVELSE")
    assert InjectDelivery.objects.filter(run__incident=exercise).count() == 2


def test_a_second_fire_of_the_same_inject_sends_nothing(exercise, script):
    run = exercise.exercise_run
    inject = script.injects.get(offset_seconds=60)

    assert services.inject_fire(run=run, inject=inject) is not None
    assert services.inject_fire(run=run, inject=inject) is None
    assert exercise.log_entries.filter(event=LogEntry.Event.INJECT).count() == 1
    assert exercise.status_updates.filter(reason="inject").count() == 1


def test_a_closed_exercise_gets_no_more_injects(exercise, coordinator):
    incident_services.incident_close(
        incident=exercise, user=coordinator, announcements_off=True,
        crisis_team_informed=True, yammer_posted=True,
    )  # fmt: skip
    assert fire(exercise, 3600) == 0


def test_one_failing_run_does_not_stop_the_others(script, coordinator, monkeypatch):
    broken = services.exercise_start(script=script, user=coordinator)
    working = services.exercise_start(script=script, user=coordinator)
    real = services._run_tick

    def tick(*, run, now):
        if run.incident_id == broken.pk:
            raise RuntimeError("broken run")
        return real(run=run, now=now)

    monkeypatch.setattr(services, "_run_tick", tick)
    assert services.injects_due_fire(now=working.started_at + dt.timedelta(seconds=61)) == 1
    assert working.log_entries.filter(event=LogEntry.Event.INJECT).exists()
    assert not broken.log_entries.filter(event=LogEntry.Event.INJECT).exists()


def test_every_exercise_message_says_oevelse_and_none_reaches_the_crisis_team(exercise, script):
    fire(exercise, 601)
    incident_services.incident_scenario_add(
        incident=exercise, scenario_slug="evakuering-dokk1", user=exercise.started_by
    )

    updates = list(exercise.status_updates.all())
    assert {u.reason for u in updates} >= {"started", "inject", "scenario_added"}
    for update in updates:
        assert update.subject.startswith("ØVELSE"), update.subject
        assert update.body_text.startswith("ØVELSE"), update.body_text
        assert update.sms_text.startswith("ØVELSE"), update.sms_text
    sent_to = addresses(exercise)
    assert sent_to == {script.participants.get().email}  # the inject's participant only
    assert not sent_to & CRISIS_TEAM


def test_a_real_incident_does_reach_the_crisis_team(seeded_card, coordinator):
    """The other side of the test above: the addresses are the right ones to look for."""
    incident = incident_services.incident_start(
        card=seeded_card, scenario_slug=SCENARIO, user=coordinator
    )
    assert "per@aarhus.dk" in addresses(incident)


def test_the_crisis_team_gets_an_inject_only_when_the_script_says_so(exercise, script):
    InjectFactory(script=script, offset_seconds=0, text="Til teamet", send_to_crisis_team=True)

    fire(exercise, 1)

    update = exercise.status_updates.get(reason="inject")
    team = set(update.messages.values_list("address", flat=True))
    assert "per@aarhus.dk" in team
    assert update.subject.startswith("ØVELSE") and update.sms_text.startswith("ØVELSE")
    # The crisis team is a recipient of that inject only, never of the exercise's updates.
    assert not exercise.recipients.filter(email="per@aarhus.dk", receives_updates=True).exists()


def test_inject_bounds(script):
    with pytest.raises(ValidationError):
        services.inject_add(script=script, offset_seconds=24 * 3600 + 1, text="For sent")
    with pytest.raises(ValidationError):
        services.inject_add(script=script, offset_seconds=-1, text="For tidligt")


def test_script_needs_a_published_scenario(card):
    with pytest.raises(ValidationError):
        services.script_create(card=card, scenario_slug="findes-ikke", title="Test")


def test_finding_to_proposed_change_to_accepted_to_new_version_with_link_back(
    seeded_card, coordinator, editor
):
    incident = closed_incident(
        seeded_card, started_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), is_exercise=True
    )
    key = "kommunikation/1"
    finding = services.finding_add(
        incident=incident,
        text="Teamet fik ingen tal under øvelsen",
        target_type="step",
        target_key=key,
        user=coordinator,
    )
    change = services.proposed_change_create(
        finding=finding, field="text", new_value="Send bemanding og ventetider hvert 15. minut."
    )
    assert change.old_value.startswith("Der orienteres løbende")

    services.proposed_change_accept(change=change, user=editor)
    version = card_publish(card=seeded_card, user=editor)

    change.refresh_from_db()
    assert change.status == ProposedChange.Status.ACCEPTED
    step = CardSnapshot(version.snapshot).scenario(SCENARIO).steps
    assert "Send bemanding og ventetider hvert 15. minut." in [s.text for s in step]
    source = CardChangeSource.objects.get()
    assert (source.version, source.finding_id, source.incident_id) == (
        version,
        finding.pk,
        incident.pk,
    )
    # The draft row changed, with the Redaktør in its history.
    row = Step.objects.get(block__card=seeded_card, block__slug="kommunikation", order=1)
    assert row.history.first().history_user == editor


def test_an_edited_proposal_is_applied_as_edited_and_a_rejected_one_not(
    seeded_card, coordinator, editor
):
    incident = closed_incident(seeded_card, started_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC))
    finding = services.finding_add(
        incident=incident, text="Forkert årsag", target_type="scenario",
        target_key=SCENARIO, user=coordinator,
    )  # fmt: skip
    change = services.proposed_change_create(finding=finding, field="reason", new_value="strøm")
    services.proposed_change_accept(change=change, user=editor, new_value="strømsvigt på Dokk1")
    assert seeded_card.scenarios.get(slug=SCENARIO).reason == "strømsvigt på Dokk1"
    with pytest.raises(ValidationError):
        services.proposed_change_reject(change=change, user=editor)  # decided already

    other = services.finding_add(
        incident=incident, text="Titel", target_type="scenario", target_key=SCENARIO,
        user=coordinator,
    )  # fmt: skip
    rejected = services.proposed_change_create(finding=other, field="title", new_value="Nyt")
    services.proposed_change_reject(change=rejected, user=editor)
    assert seeded_card.scenarios.get(slug=SCENARIO).title == "Strømsvigt på Dokk1"


def test_a_running_incident_cannot_be_evaluated(exercise, coordinator):
    with pytest.raises(ValidationError):
        services.evaluation_save(incident=exercise, worked="", did_not_work="", user=coordinator)
