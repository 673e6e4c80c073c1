"""The webhook channel is a Microsoft Teams channel (issue 11 §3): the update goes out as
the message a Teams Workflows webhook takes, with an Adaptive Card that passes Microsoft's
schema (checked by the HTTPS server in fakes.py), in Danish, through the outbox and a real
Celery worker."""

import datetime as dt
import json

import pytest
from django.utils import timezone, translation

from incidents.models import FigureReport
from notifications import services
from notifications.models import OutboxMessage
from notifications.teams import as_text, teams_fallback_card, teams_message
from tests.cards.factories import ActionCardFactory
from tests.notifications.conftest import incident_create, wait_for
from tests.notifications.fakes import validate_teams_message


def figures(bare_incident, minutes_ago=4, **values):
    data = {"agents_on_duty": 12, "agents_available": 7, "calls_in_queue": 23,
            "longest_wait_seconds": 645, "average_wait_seconds": 190,
            "reported_at": timezone.now() - dt.timedelta(minutes=minutes_ago)}  # fmt: skip
    data.update(values)
    return FigureReport.objects.create(incident=bare_incident, **data)


def facts(card) -> dict:
    (factset,) = [e for e in card["body"] if e["type"] == "FactSet"]
    return {f["title"]: f["value"] for f in factset["facts"]}


def _webhook_update(bare_incident, url, reason="started"):
    services.recipient_add_adhoc(incident=bare_incident, name="Krisekanal i Teams", webhook_url=url)
    return services.status_update_create(incident=bare_incident, reason=reason)


@pytest.mark.django_db
def test_the_card_has_the_updates_facts_in_danish_whatever_the_senders_language(bare_incident):
    figures(bare_incident)
    with translation.override("en"):  # a Koordinator with the English UI presses the button
        update = _webhook_update(bare_incident, "https://x.logic.azure.com/w", reason="manual")

    card = update.teams_card
    assert validate_teams_message(json.dumps(teams_message(card)).encode()) is None
    assert card["version"] == "1.4" and card["lang"] == "da"
    got = facts(card)
    assert got["Hændelse"] == "Strømsvigt på Dokk1"
    assert got["Scenarie"] == "Strømsvigt på Dokk1"
    assert got["Bemanding"] == "7 af 12 ledige"
    assert got["Opkald i kø"] == "23"
    assert got["Længste ventetid"] == "10:45" and got["Gns. ventetid"] == "3:10"
    assert got["Tal fra"].endswith("(4 min gamle)")
    due = timezone.localtime(bare_incident.started_at + dt.timedelta(minutes=30))
    assert got["Næste opdatering"] == f"kl. {due:%H:%M}"
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert texts[0].startswith("Statusopdatering kl. ")
    assert "Anledning: Sendt manuelt" in texts
    (action,) = card["actions"]
    assert action == {"type": "Action.OpenUrl", "title": "Åbn hændelsen",
                      "url": f"http://127.0.0.1:8000/haendelser/{bare_incident.pk}/"}  # fmt: skip


@pytest.mark.django_db
def test_the_final_card_says_no_more_updates_and_an_exercise_says_so():
    incident = incident_create(ActionCardFactory(scenarios=1, published=True), is_exercise=True)
    update = _webhook_update(incident, "https://x.logic.azure.com/w", reason="closed")

    card = update.teams_card
    assert card["body"][0]["text"] == "ØVELSE – dette er en øvelse"
    assert card["body"][1]["text"] == "Sidste statusopdatering – hændelsen er afsluttet"
    assert facts(card)["Næste opdatering"] == "Ingen – hændelsen er afsluttet"
    assert facts(card)["Bemanding og ventetid"] == "Ingen tal endnu"


def test_typed_text_shows_as_text_not_as_markdown():
    assert as_text("[klik](https://evil.example) **fed**") == (
        "\\[klik\\](https://evil.example) \\*\\*fed\\*\\*"
    )
    assert as_text("- første\n1. anden") == "\\- første 1. anden"
    assert len(as_text("x" * 5000)) == 300


def test_the_schema_check_is_real():
    """The server refuses what Teams would not render, so a passing test means something."""
    good = teams_fallback_card(subject="Status", text="Alt roligt")
    assert validate_teams_message(json.dumps(teams_message(good)).encode()) is None
    unknown = {**good, "body": [{"type": "TextBlock", "txt": "typo"}]}
    assert "schema" in validate_teams_message(json.dumps(teams_message(unknown)).encode())
    newer = {**good, "body": [{"type": "Table", "columns": [], "rows": []}]}
    assert "1.5" in validate_teams_message(json.dumps(teams_message(newer)).encode())
    no_version = {k: v for k, v in good.items() if k != "version"}
    assert "version" in validate_teams_message(json.dumps(teams_message(no_version)).encode())
    legacy = {"@type": "MessageCard", "text": "connector card"}
    assert validate_teams_message(json.dumps(legacy).encode())
    assert validate_teams_message(json.dumps({"title": "t", "text": "old payload"}).encode())


@pytest.mark.django_db
def test_a_delivery_in_this_process_is_accepted_like_teams_does(
    bare_incident, teams_server, teams_settings
):
    update = _webhook_update(bare_incident, teams_server.url)
    message = update.messages.get(channel="webhook")

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.provider_reference == "http-202" and message.last_error == ""
    assert teams_server.invalid == []
    assert teams_server.cards() == [update.teams_card]


@pytest.mark.django_db
def test_an_update_without_a_stored_card_still_sends_a_valid_card(
    bare_incident, teams_server, teams_settings
):
    update = _webhook_update(bare_incident, teams_server.url)
    update.teams_card = {}  # created before cards were stored
    update.save()
    message = update.messages.get(channel="webhook")

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"

    assert teams_server.invalid == []
    (card,) = teams_server.cards()
    assert card["body"][0]["text"] == as_text(update.subject)


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_delivers_the_card_to_teams_and_refuses_an_internal_address(
    worker_factory, teams_server, teams_ca, internal_server
):
    worker = worker_factory(
        DJANGO_SETTINGS_MODULE="tests.notifications.worker_settings",
        WEBHOOK_ALLOWED_HOSTS=teams_server.allowed_host,
        WEBHOOK_CA_BUNDLE=teams_ca.bundle_path,
    )
    worker.start()
    incident = incident_create(ActionCardFactory(scenarios=1, published=True), interval=30)
    figures(incident)
    services.recipient_add_adhoc(
        incident=incident, name="Krisekanal i Teams", webhook_url=teams_server.url
    )
    # Stored without the form: the worker refuses it at send time, loopback switch or not.
    forged = f"https://127.0.0.1:{internal_server.port}/hook"
    services.recipient_add_adhoc(incident=incident, name="Intern", webhook_url=forged)
    services.status_update_create(incident=incident, reason="started")

    def settled():
        return not OutboxMessage.objects.filter(
            update__incident=incident, channel="webhook", status=OutboxMessage.Status.QUEUED
        ).exists()

    wait_for(settled, timeout=60, message="both webhook messages settled")
    teams = OutboxMessage.objects.get(update__incident=incident, address=teams_server.url)
    internal = OutboxMessage.objects.get(update__incident=incident, address=forged)
    assert teams.status == OutboxMessage.Status.SENT, (teams.last_error, worker.log())
    assert internal.status == OutboxMessage.Status.FAILED
    assert internal.last_error.startswith("Webhooken afvist: ")
    assert internal_server.requests == 0
    assert teams_server.invalid == []
    (card,) = teams_server.cards()
    assert facts(card)["Bemanding"] == "7 af 12 ledige"
    assert card["actions"][0]["url"].endswith(f"/haendelser/{incident.pk}/")
    assert teams_server.sni == ["localhost"]
