"""End to end on real services: this process plays the web app, a real Celery worker
(with embedded beat) delivers through our own Redis to a real SMTP server (aiosmtpd)
and a GatewayAPI fake. The fault tests break one piece during delivery and then count,
at the servers, that every recipient got every update exactly once."""

import collections
import datetime as dt
import time

import pytest
from django.utils import timezone

from incidents.models import FigureReport
from notifications import services
from notifications.models import OutboxMessage, Recipient, StatusUpdate
from tests.notifications.conftest import incident_create, wait_for
from tests.notifications.fakes import text_body

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def figures(incident, **values):
    data = {"agents_on_duty": 12, "agents_available": 7, "calls_in_queue": 23,
            "longest_wait_seconds": 645, "average_wait_seconds": 190}  # fmt: skip
    data.update(values)
    return FigureReport.objects.create(incident=incident, **data)


def add_recipients(incident, count):
    """Made-up recipients: e-mail first with SMS fallback, and some SMS-only."""
    for n in range(count):
        services.recipient_add_adhoc(
            incident=incident,
            name=f"Testperson {n}",
            email="" if n % 3 == 2 else f"testperson{n}@example.invalid",
            phone=f"0000{n:04d}",
        )


def received_keys(smtp, gateway):
    keys = [m["X-Aktionskort-Key"] for _rcpt, m in smtp.messages]
    keys += [body["userref"] for _msisdn, body in gateway.messages]
    # incident:slot:recipient:channel → (incident:slot, recipient)
    return collections.Counter(tuple(k.rsplit(":", 2)[:2]) for k in keys)


def expected_keys(incident):
    pairs = OutboxMessage.objects.filter(update__incident=incident).values_list(
        "update__slot", "recipient_id"
    )
    return {(f"{incident.pk}:{slot}", str(recipient)) for slot, recipient in pairs}


def all_delivered(incident):
    return (
        OutboxMessage.objects.filter(update__incident=incident).exists()
        # Neither queued nor held by an attempt (a killed worker's lease runs out first).
        and not OutboxMessage.objects.filter(
            update__incident=incident,
            status__in=(OutboxMessage.Status.QUEUED, OutboxMessage.Status.SENDING),
        ).exists()
    )


def assert_exactly_once(incident, smtp, gateway, *, settle=6):
    wait_for(lambda: all_delivered(incident), timeout=90, message="every message delivered")
    # Give any duplicate (a redelivered task, a second sweep) time to show up.
    time.sleep(settle)
    expected = expected_keys(incident)
    received = received_keys(smtp, gateway)
    states = list(
        OutboxMessage.objects.filter(update__incident=incident).values_list(
            "recipient_id", "channel", "status", "attempts", "last_error"
        )
    )
    assert set(received) == expected, states
    assert {k: n for k, n in received.items() if n != 1} == {}
    assert not OutboxMessage.objects.filter(
        update__incident=incident, status=OutboxMessage.Status.FAILED
    ).exists()
    assert gateway.invalid == []


def test_one_minute_interval_updates_arrive_on_time_with_the_figures(
    seeded_card, worker, smtp_server, sms_gateway
):
    started = timezone.now() - dt.timedelta(seconds=52)
    incident = incident_create(seeded_card, interval=1, started_at=started)
    figures(incident)
    services.status_update_create(incident=incident, reason="started")

    def mails(slot):
        return [m for m in smtp_server.to("per@aarhus.dk") if f":{slot}:" in m["X-Aktionskort-Key"]]

    wait_for(lambda: mails("event:started"), timeout=20, message="the start update")
    wait_for(lambda: mails("interval:1:1"), timeout=30, message="the first interval update")
    (first,) = mails("interval:1:1")
    figures(incident, agents_available=3, calls_in_queue=41, longest_wait_seconds=901)
    wait_for(lambda: mails("interval:1:2"), timeout=75, message="the second interval update")
    (second,) = mails("interval:1:2")

    for slot, mail in ((1, first), (2, second)):
        due = (started + dt.timedelta(minutes=slot)).timestamp()
        late = float(mail["X-Test-Received-At"]) - due
        # One beat tick (5 s here) plus delivery; never before it is due.
        assert 0 <= late < 15, f"update {slot} arrived {late:.1f} s after it was due"
        assert mail["Subject"].strip().startswith("Statusopdatering: Strømsvigt på Dokk1")
    assert "Ledige medarbejdere: 7" in text_body(first)
    assert "Opkald i kø: 23" in text_body(first)
    assert "Ledige medarbejdere: 3" in text_body(second)
    assert "Opkald i kø: 41" in text_body(second)
    assert "Længste ventetid: 15:01" in text_body(second)
    assert "Ledige medarbejdere" in second.get_body(preferencelist=("html",)).get_content()
    assert len(smtp_server.to("per@aarhus.dk")) == 3  # started + two intervals, once each
    # The log keeper (phone only) was reminded once: no figures came between the start
    # update and the first interval; figures came before the second.
    reminders = sms_gateway.to("4529204353")
    assert [body["userref"].split(":")[1:4] for body in reminders] == [["reminder", "1", "1"]]
    assert "Påmindelse til logfører" in reminders[0]["message"]
    assert [m for m, _body in sms_gateway.messages if m != "4529204353"] == []


def test_email_falls_back_to_sms_when_the_smtp_server_rejects_the_domain(
    seeded_card, worker, smtp_server, sms_gateway
):
    smtp_server.handler.reject_domains = {"aarhus.dk"}
    incident = incident_create(seeded_card, interval=30)
    add_recipients(incident, 2)
    services.status_update_create(incident=incident, reason="started")

    wait_for(lambda: sms_gateway.to("4529204259"), timeout=30, message="the fallback SMS")
    assert_exactly_once(incident, smtp_server, sms_gateway, settle=3)
    assert smtp_server.to("per@aarhus.dk") == []
    email = OutboxMessage.objects.get(recipient__key="person:per-ryolf", channel="email")
    assert email.status == OutboxMessage.Status.SUPERSEDED
    assert "550" in email.last_error
    (sms,) = sms_gateway.to("4529204259")
    assert sms["sender"] == "Aktionskort" and "Strømsvigt på Dokk1" in sms["message"]
    assert len(smtp_server.to("testperson0@example.invalid")) == 1


def test_worker_killed_during_delivery(card, worker, smtp_server, sms_gateway):
    smtp_server.handler.rcpt_delay = 0.4
    incident = incident_create(card, interval=30)
    add_recipients(incident, 15)
    services.status_update_create(incident=incident, reason="started")
    # Strike when both pool processes are in the middle of an SMTP conversation. (A kill
    # between the server's "250" and the commit would resend: SMTP has no idempotency.)
    wait_for(
        lambda: len(smtp_server.messages) >= 3 and smtp_server.handler.in_rcpt == 2,
        timeout=30,
        interval=0.02,
        message="delivery under way",
    )

    worker.kill9()
    sent_before = OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count()
    assert sent_before < OutboxMessage.objects.count()
    smtp_server.handler.rcpt_delay = 0
    worker.start()

    assert_exactly_once(incident, smtp_server, sms_gateway)


def test_smtp_server_down_for_a_while(card, worker, smtp_server, sms_gateway):
    incident = incident_create(card, interval=30)
    add_recipients(incident, 6)
    smtp_server.stop()
    services.status_update_create(incident=incident, reason="started")
    wait_for(
        lambda: OutboxMessage.objects.filter(channel="email", attempts__gte=2).count() >= 3,
        timeout=30,
        message="retries while the SMTP server is down",
    )
    assert not OutboxMessage.objects.filter(channel="email", status="sent").exists()

    smtp_server.start()

    assert_exactly_once(incident, smtp_server, sms_gateway)
    assert OutboxMessage.objects.filter(channel="email", status="sent", attempts__gte=2).exists()
    # The outage was shorter than the retry cap: no e-mail had to fall back to SMS.
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.SUPERSEDED).exists()


def test_redis_stopped_and_restarted(team_card, worker, broker, smtp_server, sms_gateway):
    incident = incident_create(team_card, interval=30)
    add_recipients(incident, 6)
    broker.stop()

    began = time.monotonic()
    update = services.status_update_create(incident=incident, reason="started")
    # The web request is not held up by the dead broker; the outbox keeps the work.
    assert time.monotonic() - began < 6
    assert update.messages.filter(status=OutboxMessage.Status.QUEUED).count() == 7
    time.sleep(3)
    assert smtp_server.messages == []

    broker.start()

    assert_exactly_once(incident, smtp_server, sms_gateway)


def test_lene_without_phone_or_email_is_skipped_not_crashed(seeded_card):
    incident = incident_create(seeded_card)
    services.status_update_create(incident=incident, reason="started")

    lene = Recipient.objects.get(incident=incident, key="person:lene")
    assert not lene.is_reachable
    assert not OutboxMessage.objects.filter(recipient=lene).exists()
    assert StatusUpdate.objects.filter(incident=incident).count() == 1
