import datetime as dt

import pytest
from django.urls import reverse

from cards.services import card_publish
from exercises.models import ExerciseScript, Finding, Inject, ProposedChange
from incidents.models import Incident
from tests.exercises.factories import closed_incident

pytestmark = pytest.mark.django_db


def test_a_redaktoer_writes_a_script_with_an_inject(client, card, editor):
    client.force_login(editor)
    scenario = f"{card.slug}/{card.scenarios.get().slug}"
    response = client.post(
        reverse("exercises:script_create"),
        {"scenario": scenario, "title": "Øvelse strømsvigt", "description": ""},
    )
    script = ExerciseScript.objects.get()
    assert response.status_code == 302
    client.post(
        reverse("exercises:participant_add", args=[script.pk]),
        {"name": "Testdeltager Et", "email": "testdeltager1@example.invalid", "phone": ""},
    )
    participant = script.participants.get()
    client.post(
        reverse("exercises:inject_add", args=[script.pk]),
        {"offset_minutes": 5, "text": "Miralix ringer – serverne er nede",
         "recipients": [participant.pk]},
    )  # fmt: skip
    inject = Inject.objects.get()
    assert (inject.offset_seconds, list(inject.recipients.all())) == (300, [participant])
    assert not inject.send_to_crisis_team
    page = client.get(reverse("exercises:script", args=[script.pk])).content.decode()
    assert "T+5 min:" in page and "Miralix ringer" in page


def test_bad_input_changes_nothing_and_says_why_in_danish(client, script, editor):
    client.force_login(editor)
    response = client.post(
        reverse("exercises:inject_add", args=[script.pk]),
        {"offset_minutes": 24 * 60 + 1, "text": "For sent"},
        follow=True,
    )
    assert script.injects.count() == 2
    assert "mindre end eller lig 1440" in response.content.decode()
    response = client.post(
        reverse("exercises:participant_add", args=[script.pk]),
        {"name": "Uden adresse", "email": "", "phone": ""},
        follow=True,
    )
    assert script.participants.count() == 1
    assert "e-mailadresse eller et telefonnummer" in response.content.decode()


def test_a_koordinator_starts_the_exercise_once_per_form(client, script, coordinator):
    client.force_login(coordinator)
    data = {"idempotency_key": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}
    first = client.post(reverse("exercises:start", args=[script.pk]), data)
    second = client.post(reverse("exercises:start", args=[script.pk]), data)

    incident = Incident.objects.get()
    assert incident.is_exercise and incident.exercise_run.script == script
    assert first.headers["Location"] == second.headers["Location"]


@pytest.mark.parametrize("who", ["staff_user", "editor"])
def test_only_a_koordinator_starts_and_evaluates(client, script, who, request, card):
    client.force_login(request.getfixturevalue(who))
    incident = closed_incident(
        card, started_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC), slug=card.scenarios.get().slug
    )

    assert client.post(reverse("exercises:start", args=[script.pk])).status_code == 403
    save = reverse("exercises:evaluation_save", args=[incident.pk])
    assert client.post(save, {"worked": "x"}).status_code == 403
    assert client.get(reverse("exercises:evaluation", args=[incident.pk])).status_code == 200


def test_evaluate_find_propose_accept_publish(client, card, coordinator, editor):
    scenario = card.scenarios.get().slug
    incident = closed_incident(
        card, started_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), is_exercise=True, slug=scenario
    )
    client.force_login(coordinator)
    client.post(
        reverse("exercises:evaluation_save", args=[incident.pk]),
        {"worked": "Infobeskeden kom hurtigt på", "did_not_work": "Ingen tal til teamet"},
    )
    client.post(
        reverse("exercises:finding_add", args=[incident.pk]),
        {"text": "Scenariets titel er uklar", "target": f"scenario:{scenario}"},
    )
    finding = Finding.objects.get()
    client.post(
        reverse("exercises:proposal_create", args=[finding.pk]),
        {"field": "title", "new_value": "Strømsvigt i Dokk1-bygningen"},
    )
    change = ProposedChange.objects.get()
    page = client.get(reverse("exercises:evaluation", args=[incident.pk])).content.decode()
    assert "Ingen tal til teamet" in page and 'data-proposal="proposed"' in page
    assert 'id="response-metrics"' in page

    url = reverse("exercises:proposal_decide", args=[change.pk, "godkend"])
    assert client.post(url, {"new_value": "x"}).status_code == 403  # a Koordinator
    client.force_login(editor)
    client.post(url, {"new_value": "Strømsvigt i Dokk1"})
    assert card.scenarios.get(slug=scenario).title == "Strømsvigt i Dokk1"
    card_publish(card=card, user=editor)
    history = client.get(reverse("cards:history", args=[card.slug])).content.decode()
    link = reverse("exercises:evaluation", args=[incident.pk]) + f"#fund-{finding.pk}"
    version_2 = history.split('data-version="2"')[1].split("</li>\n  \n")[0]
    assert link in version_2


def test_the_statistics_page_draws_both_series(client, card, staff_user):
    from incidents.models import LogEntry
    from tests.exercises.factories import log_event

    start = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    scenario = card.scenarios.get().slug
    for n, is_exercise in enumerate([True, False, True]):
        incident = closed_incident(
            card,
            started_at=start + dt.timedelta(days=10 * n),
            is_exercise=is_exercise,
            slug=scenario,
        )
        log_event(
            incident, LogEntry.Event.UPDATE_SENT, at=incident.started_at + dt.timedelta(minutes=3)
        )
    client.force_login(staff_user)
    html = client.get(reverse("exercises:statistics"), {"scenario": scenario}).content.decode()

    assert 'class="series-exercise"' in html and 'class="series-incident"' in html
    assert html.count("<svg") >= 1
    bad = client.get(reverse("exercises:statistics"), {"scenario": "<script>"})
    assert bad.status_code == 200 and "<script>" not in bad.content.decode()
