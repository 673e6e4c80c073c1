"""Incoming SMS end to end inside Django: signature, sender, dedupe, rate limit, what is
recorded and the reply's delivery row (its sending is tested with a worker in
test_delivery.py)."""

import jwt
import pytest
from django.utils import timezone

from alerts.models import Delivery
from incidents.models import FigureReport, LogEntry
from smsin.models import InboundSMS
from tests.notifications.conftest import incident_create

pytestmark = pytest.mark.django_db


def replies_to(msisdn):
    return list(
        Delivery.objects.filter(channel="sms", address=msisdn, recipient=None)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def test_valid_figures_are_recorded_and_answered(provider, sender, bare_incident):
    response = provider.post(sender.msisdn, "TAL 12 3 17 7:45 3:20", message_id=4711)
    assert response.status_code == 200
    assert response.json() == {"outcome": "recorded"}
    report = FigureReport.objects.get(incident=bare_incident)
    assert (report.agents_on_duty, report.agents_available, report.calls_in_queue) == (12, 3, 17)
    assert (report.longest_wait_seconds, report.average_wait_seconds) == (465, 200)
    assert report.reported_by == sender and report.source == "SMS"
    assert replies_to(sender.msisdn) == [
        f"#{bare_incident.pk} registreret: 12 på vagt, 3 ledige, 17 i kø, længste ventetid 7:45,"
        " gennemsnit 3:20."
    ]


def test_log_line_is_a_note_with_its_origin(provider, sender, bare_incident):
    provider.post(sender.msisdn, "LOG Strømmen er tilbage på 3. sal", message_id="mo-77")
    entry = LogEntry.objects.get(incident=bare_incident, event=LogEntry.Event.NOTE, author=sender)
    assert entry.text == "Strømmen er tilbage på 3. sal"
    assert entry.kind == LogEntry.Kind.MANUAL
    assert entry.data == {"via": "sms", "provider_message_id": "mo-77"}
    assert replies_to(sender.msisdn) == [
        f"#{bare_incident.pk} logført: Strømmen er tilbage på 3. sal"
    ]


def test_bad_grammar_records_nothing_and_says_what_was_wrong(provider, sender, bare_incident):
    provider.post(sender.msisdn, "TAL 12 3 17 7:45")
    assert not FigureReport.objects.exists()
    assert InboundSMS.objects.get().outcome == InboundSMS.Outcome.INVALID
    assert replies_to(sender.msisdn) == [
        "TAL skal have 5 tal, men fik 4. Skriv: TAL på vagt, ledige, i kø, længste ventetid,"
        " gennemsnitlig ventetid - fx TAL 12 3 17 7:45 3:20."
    ]


@pytest.mark.parametrize("who", ["stranger", "editor"])
def test_unknown_or_unauthorised_senders_are_refused_without_reply(
    provider, who, editor_sender, bare_incident
):
    msisdn = "4500005555" if who == "stranger" else editor_sender.msisdn
    response = provider.post(msisdn, "LOG Jeg er ikke kendt")
    assert response.status_code == 200 and response.json() == {"outcome": "refused"}
    assert not LogEntry.objects.filter(event=LogEntry.Event.NOTE).exists()
    assert not Delivery.objects.exists()


def test_replay_of_the_same_message_id_records_and_answers_once(provider, sender, bare_incident):
    for _ in range(3):
        response = provider.post(sender.msisdn, "TAL 12 3 17 7:45 3:20", message_id=5001)
        assert response.status_code == 200
    assert FigureReport.objects.count() == 1
    assert InboundSMS.objects.count() == 1
    assert len(replies_to(sender.msisdn)) == 1


def test_two_incidents_newest_by_default_number_selects(provider, sender, card):
    older = incident_create(card, started_at=timezone.now() - timezone.timedelta(hours=1))
    newer = incident_create(card, is_exercise=True)
    provider.post(sender.msisdn, "TAL 5 1 2 1:00 0:30")
    provider.post(sender.msisdn, f"#{older.pk} TAL 6 2 3 2:00 1:00")
    assert FigureReport.objects.get(incident=newer).agents_on_duty == 5
    assert FigureReport.objects.get(incident=older).agents_on_duty == 6
    replies = replies_to(sender.msisdn)
    assert replies[0].startswith(f"ØVELSE #{newer.pk} registreret: 5 på vagt")
    assert replies[1].startswith(f"#{older.pk} registreret: 6 på vagt")


def test_unknown_incident_number_lists_the_running_ones(provider, sender, bare_incident):
    provider.post(sender.msisdn, "#999999 LOG hej")
    assert replies_to(sender.msisdn) == [
        f"Hændelse #999999 kører ikke. Kørende: #{bare_incident.pk}."
    ]


def test_no_running_incident(provider, sender, db):
    provider.post(sender.msisdn, "LOG hej")
    assert replies_to(sender.msisdn) == ["Ingen hændelse kører lige nu; intet er registreret."]


def test_rate_limit_answers_once_then_stays_quiet(provider, sender, bare_incident, smsin_settings):
    smsin_settings.SMSIN_RATE_LIMIT = 3
    for i in range(6):
        provider.post(sender.msisdn, f"LOG linje {i}")
    assert LogEntry.objects.filter(event=LogEntry.Event.NOTE).count() == 3
    replies = replies_to(sender.msisdn)
    assert len(replies) == 4
    assert replies[3] == (
        "Du har sendt mere end 3 beskeder på 1 min. Intet er registreret; vent lidt og send igen."
    )


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not-a-jwt",
        jwt.encode({"id": 1}, "wrong-secret", algorithm="HS256"),
        jwt.encode({"id": 1}, "test-gatewayapi-webhook-secret-0123456789", algorithm="HS512"),
        # Correctly signed, but for another message.
        jwt.encode({"id": 424242}, "test-gatewayapi-webhook-secret-0123456789", algorithm="HS256"),
    ],
)
def test_bad_signatures_are_refused(provider, sender, bare_incident, signature):
    response = provider.post(sender.msisdn, "LOG falsk", message_id=1, signature=signature)
    assert response.status_code == 403
    assert not InboundSMS.objects.exists() and not Delivery.objects.exists()


def test_without_a_secret_everything_is_refused(provider, sender, bare_incident, smsin_settings):
    smsin_settings.GATEWAYAPI_WEBHOOK_SECRET = ""
    response = provider.post(sender.msisdn, "LOG hej")  # signed with the old secret
    assert response.status_code == 403


def test_malformed_bodies(client, smsin_settings):
    url = "/sms/gatewayapi/"
    assert client.post(url, "nej", content_type="application/json").status_code == 400
    assert client.post(url, "x" * 9000, content_type="application/json").status_code == 413
    body = {"id": 1, "msisdn": "abc", "message": "OK"}
    signature = jwt.encode(body, "test-gatewayapi-webhook-secret-0123456789", algorithm="HS256")
    response = client.post(url, body, content_type="application/json",
                           headers={"X-Gwapi-Signature": signature})  # fmt: skip
    assert response.status_code == 400
    assert client.get(url).status_code == 405


def test_replies_keep_to_gsm_so_they_stay_short(provider, sender, bare_incident):
    from notifications.content import sms_units

    provider.post(sender.msisdn, "TAL tolv 3 17 7:45 3:20")
    (reply,) = replies_to(sender.msisdn)
    assert reply.startswith('"tolv" er ikke et antal (på vagt).')
    assert sms_units(reply)[0] == "GSM7"
    assert InboundSMS.objects.get().reply.startswith("»tolv«")  # as the grammar said it
