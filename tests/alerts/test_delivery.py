"""Alerts and SMS replies end to end: a real Celery worker delivers through our own Redis
to aiosmtpd, the GatewayAPI fake and the local push service (which checks VAPID and
decrypts the payload); GatewayAPI's fake posts incoming SMS, signed, to the live app."""

import json
import re

import pytest
import requests

from alerts import services
from alerts.models import AlertRecipient, Delivery, PushSubscription
from incidents.models import LogEntry
from tests.notifications.conftest import incident_create, wait_for
from tests.notifications.fakes import text_body

# serialized_rollback: the roles and their permissions (data migrations) survive the flush.
pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
TEXT = "Evakuering af Dokk1: arbejd efter 2. scenarie — Miralix Go"


def all_sent(alert):
    rows = Delivery.objects.filter(recipient__alert=alert)
    return rows.exists() and not rows.exclude(status=Delivery.Status.SENT).exists()


def test_alert_by_email_sms_and_push_then_acked_by_link_and_by_sms(
    card, employees, coordinator, alert_worker, smtp_server, sms_gateway, push_server,
    smsin_settings, live_server,
):  # fmt: skip
    incident = incident_create(card, is_exercise=True)
    endpoint, browser = push_server.subscribe("phone-1")
    services.push_subscription_save(user=employees[0], endpoint=endpoint,
                                    p256dh=browser.p256dh, auth=browser.auth)  # fmt: skip
    alert = services.alert_send(incident=incident, user=coordinator, text=TEXT, group=None)
    wait_for(lambda: all_sent(alert), timeout=60, message="every alert delivery sent")

    assert push_server.invalid == [] and sms_gateway.invalid == []
    (payload,) = push_server.payloads()
    pushed = json.loads(payload)
    assert pushed["title"] == "ØVELSE: Strømsvigt på Dokk1" and pushed["body"] == TEXT
    assert pushed["url"].startswith(f"{live_server.url}/alarmer/kvitter/")
    for person in employees:
        (mail,) = smtp_server.to(person.email)
        assert mail["Subject"].strip() == "ØVELSE: Alarm: Strømsvigt på Dokk1"
        (sms,) = sms_gateway.to(person.msisdn)
        plain = TEXT.replace("—", "-")  # kept in GSM 03.38: two parts, not five
        assert sms["message"].startswith(f"ØVELSE: Strømsvigt på Dokk1: {plain}\nKvittér: ")
        assert sms["userref"] == f"alert:{alert.pk}:{person.pk}:0:sms"
        links = re.findall(r"https?://\S+/alarmer/kvitter/\S+/", text_body(mail))
        assert links and links[0] in sms["message"]  # one link per person, on every channel

    # One tap: GET shows the button, POST acknowledges.
    link = pushed["url"]
    page = requests.get(link, timeout=10)
    assert "Jeg har set beskeden" in page.text
    assert AlertRecipient.objects.get(alert=alert, user=employees[0]).acked_at is None
    session = requests.Session()
    session.get(link, timeout=10)
    token = session.cookies["csrftoken"]
    session.post(link, data={"csrfmiddlewaretoken": token}, headers={"Referer": link}, timeout=10)
    assert AlertRecipient.objects.get(alert=alert, user=employees[0]).acked_via == "link"

    # OK by SMS, from GatewayAPI's fake to the live webhook; the reply comes back by SMS.
    webhook = f"{live_server.url}/sms/gatewayapi/"
    status, answer = sms_gateway.post_incoming(webhook, msisdn=employees[1].msisdn, message="OK")
    assert (status, answer) == (200, {"outcome": "recorded"})
    assert AlertRecipient.objects.get(alert=alert, user=employees[1]).acked_via == "sms"
    wait_for(lambda: len(sms_gateway.to(employees[1].msisdn)) == 2, timeout=30,
             message="the reply to OK")  # fmt: skip
    assert (
        sms_gateway.to(employees[1].msisdn)[1]["message"]
        == f"ØVELSE #{incident.pk} kvitteret: {TEXT.replace('—', '-')}"
    )

    # Re-send to those missing: the two who have not acknowledged, and only them.
    services.alert_resend_missing(alert=alert, user=coordinator)
    wait_for(lambda: all_sent(alert), timeout=60, message="the re-sent deliveries")
    assert len(sms_gateway.to(employees[0].msisdn)) == 1
    assert len(sms_gateway.to(employees[2].msisdn)) == 2
    assert len(sms_gateway.to(employees[3].msisdn)) == 2


def test_figures_by_sms_through_the_fake_provider_with_replies(
    card, employees, alert_worker, sms_gateway, smsin_settings, live_server
):
    incident = incident_create(card)
    person = employees[0]
    webhook = f"{live_server.url}/sms/gatewayapi/"
    assert sms_gateway.post_incoming(webhook, msisdn=person.msisdn, message="TAL 12 3 17 7:45 3:20",
                                     message_id=81)[0] == 200  # fmt: skip
    # The provider retries the same message: recorded and answered once.
    assert sms_gateway.post_incoming(webhook, msisdn=person.msisdn, message="TAL 12 3 17 7:45 3:20",
                                     message_id=81)[0] == 200  # fmt: skip
    sms_gateway.post_incoming(webhook, msisdn=person.msisdn, message="TAL 12 3")
    wrong = "not-the-webhook-secret-0123456789abc"
    status, _ = sms_gateway.post_incoming(webhook, msisdn=person.msisdn, message="LOG x",
                                          secret=wrong)  # fmt: skip
    assert status == 403
    wait_for(lambda: len(sms_gateway.to(person.msisdn)) == 2, timeout=30, message="two replies")
    replies = [body["message"] for body in sms_gateway.to(person.msisdn)]
    assert replies[0] == (f"#{incident.pk} registreret: 12 på vagt, 3 ledige, 17 i kø,"
                          " længste ventetid 7:45, gennemsnit 3:20.")  # fmt: skip
    assert replies[1].startswith("TAL skal have 5 tal, men fik 2.")
    assert incident.figures.count() == 1
    assert not LogEntry.objects.filter(incident=incident, kind=LogEntry.Kind.MANUAL).exists()


def test_a_gone_push_subscription_is_deactivated(
    card, employees, coordinator, alert_worker, push_server
):
    incident = incident_create(card)
    endpoint, browser = push_server.subscribe("old-phone")
    push_server.gone.add("/push/old-phone")
    services.push_subscription_save(user=employees[0], endpoint=endpoint,
                                    p256dh=browser.p256dh, auth=browser.auth)  # fmt: skip
    services.alert_send(incident=incident, user=coordinator, text=TEXT, group=None)
    row = Delivery.objects.get(channel=Delivery.Channel.PUSH)
    wait_for(lambda: Delivery.objects.get(pk=row.pk).status == Delivery.Status.FAILED,
             timeout=30, message="the push delivery failed")  # fmt: skip
    assert "410" in Delivery.objects.get(pk=row.pk).last_error
    assert PushSubscription.objects.get().is_active is False
