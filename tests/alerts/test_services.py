"""Alerts without a worker: who gets them, on which channels, acknowledging by link and
by SMS, re-sending to those missing."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from alerts import services
from alerts.content import ack_token
from alerts.models import Alert, AlertRecipient, Delivery
from core.roles import STAFF
from incidents.models import Incident, LogEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TEXT = "Evakuering af Dokk1: arbejd efter 2. scenarie — Miralix Go"


def test_alert_to_everyone_who_works_incidents(bare_incident, employees, coordinator, editor):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    names = set(alert.recipients.values_list("user_id", flat=True))
    assert names == {u.pk for u in employees} | {coordinator.pk}  # not the Redaktør
    rows = Delivery.objects.filter(recipient__alert=alert, recipient__user=employees[0])
    assert sorted(rows.values_list("channel", "address")) == [
        ("email", employees[0].email), ("sms", "+4500002000"),
    ]  # fmt: skip
    entry = LogEntry.objects.get(incident=bare_incident, event=LogEntry.Event.ALERT_SENT)
    assert entry.data == {"alert_id": alert.pk, "group": "", "recipients": 5, "round": 0,
                          "text": TEXT}  # fmt: skip


def test_alert_to_one_role_and_idempotent(bare_incident, employees, coordinator):
    group = Group.objects.get(name=STAFF)
    key = "2b1f1f5e-3c1a-4d6e-9f00-0a0b0c0d0e0f"
    first = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=group,
                                idempotency_key=key)  # fmt: skip
    again = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=group,
                                idempotency_key=key)  # fmt: skip
    assert first.pk == again.pk and Alert.objects.count() == 1
    assert first.recipients.count() == 3


@pytest.mark.parametrize(
    ("text", "message"),
    [("  ", "Skriv en besked."), ("x" * 301, "Beskeden er for lang (301 tegn, højst 300).")],
)
def test_bad_text_changes_nothing(bare_incident, coordinator, text, message):
    with pytest.raises(ValidationError) as caught:
        services.alert_send(incident=bare_incident, user=coordinator, text=text, group=None)
    assert caught.value.messages == [message]
    assert not Alert.objects.exists()


def test_closed_incident_gets_no_alert(bare_incident, coordinator):
    Incident.objects.filter(pk=bare_incident.pk).update(status=Incident.Status.CLOSED)
    with pytest.raises(ValidationError):
        services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)


def test_ack_page_get_shows_a_button_post_acks_once(client, bare_incident, employees, coordinator):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    token = ack_token(alert_id=alert.pk, user_id=employees[0].pk)
    url = reverse("alerts:ack", args=[token])
    page = client.get(url)
    assert page.status_code == 200 and "Jeg har set beskeden" in page.content.decode()
    recipient = AlertRecipient.objects.get(alert=alert, user=employees[0])
    assert recipient.acked_at is None  # a link preview does not acknowledge
    before = Incident.objects.get(pk=bare_incident.pk).rev_notifications
    assert client.post(url).status_code == 200
    recipient.refresh_from_db()
    assert recipient.acked_via == "link" and recipient.acked_at is not None
    assert Incident.objects.get(pk=bare_incident.pk).rev_notifications == before + 1
    first = recipient.acked_at
    client.post(url)
    recipient.refresh_from_db()
    assert recipient.acked_at == first
    assert AlertRecipient.objects.filter(alert=alert, acked_at__isnull=False).count() == 1
    assert client.get(reverse("alerts:ack", args=["x" * 32])).status_code == 404


def test_token_is_stored_only_hashed(bare_incident, employees, coordinator):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    token = ack_token(alert_id=alert.pk, user_id=employees[0].pk)
    recipient = AlertRecipient.objects.get(alert=alert, user=employees[0])
    assert token not in recipient.token_hash and len(recipient.token_hash) == 64
    assert not Delivery.objects.filter(text__contains=token).exists()


def test_ok_by_sms_acks_the_newest_open_alert(provider, bare_incident, employees, coordinator):
    older = services.alert_send(incident=bare_incident, user=coordinator, text="Første", group=None)
    newer = services.alert_send(incident=bare_incident, user=coordinator, text="Anden", group=None)
    person = employees[1]
    provider.post(person.msisdn, "OK")
    assert AlertRecipient.objects.get(alert=newer, user=person).acked_via == "sms"
    assert AlertRecipient.objects.get(alert=older, user=person).acked_at is None
    provider.post(person.msisdn, "ok")
    assert AlertRecipient.objects.get(alert=older, user=person).acked_via == "sms"
    provider.post(person.msisdn, "OK")
    replies = list(
        Delivery.objects.filter(recipient=None, address=person.msisdn).values_list(
            "text", flat=True
        )
    )
    assert replies == [f"#{bare_incident.pk} kvitteret: Anden",
                       f"#{bare_incident.pk} kvitteret: Første",
                       "Du har ingen åben alarm at kvittere for."]  # fmt: skip


def test_resend_goes_only_to_those_missing(bare_incident, employees, coordinator):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    services.alert_ack_by_sms(user=employees[0])
    before = Delivery.objects.count()
    assert services.alert_resend_missing(alert=alert, user=coordinator) == 4
    new = Delivery.objects.order_by("pk")[before:]
    # The coordinator fixture has no e-mail or mobile: counted as missing, but no rows.
    assert {d.recipient.user_id for d in new} == {u.pk for u in employees[1:]}
    assert all(d.idempotency_key.split(":")[3] == "1" for d in new)


def test_push_rows_for_subscribed_browsers(bare_incident, employees, coordinator):
    services.push_subscription_save(user=employees[2], endpoint="https://push.example.invalid/a",
                                    p256dh="B" * 87, auth="A" * 22)  # fmt: skip
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    channels = Delivery.objects.filter(recipient__alert=alert, recipient__user=employees[2])
    assert sorted(channels.values_list("channel", flat=True)) == ["email", "push", "sms"]


def test_panel_shows_who_acked_by_which_channel(client, bare_incident, employees, coordinator):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    services.alert_ack_by_sms(user=employees[0])
    client.force_login(coordinator)
    page = client.get(
        reverse("alerts:panel", args=[bare_incident.pk]), headers={"HX-Request": "true"}
    )
    html = page.content.decode()
    assert "1 af 5 har kvitteret" in html
    assert html.count('data-acked="no"') == 4 and "(SMS)" in html
    assert f"/alarmer/{alert.pk}/send-igen/" in html
    dashboard = client.get(reverse("incidents:dashboard", args=[bare_incident.pk])).content.decode()
    assert 'id="alerts-panel"' in dashboard and "TAL 12 3 17 7:45 3:20" in dashboard


def test_views_send_and_resend(client, bare_incident, employees, coordinator):
    client.force_login(coordinator)
    url = reverse("alerts:send", args=[bare_incident.pk])
    assert client.post(url, {"text": ""}).status_code == 400
    response = client.post(url, {"text": TEXT, "group": ""})
    assert response.status_code == 302
    alert = Alert.objects.get()
    assert alert.recipients.count() == 5
    response = client.post(reverse("alerts:resend", args=[alert.pk]))
    assert response.status_code == 302 and Alert.objects.get().rounds == 1
    answer = client.post(url, {"text": "Anden alarm"}, headers={"HX-Request": "true"})
    html = answer.content.decode()
    assert answer.status_code == 200 and 'id="alerts-panel"' in html
    assert "Alarmen er sendt til 5 personer." in html and "Anden alarm" in html


def test_push_subscribe_endpoint(client, employees):
    client.force_login(employees[0])
    url = reverse("alerts:push-subscribe")
    body = {"endpoint": "https://push.example.invalid/sub/1",
            "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}  # fmt: skip
    assert client.post(url, body, content_type="application/json").status_code == 204
    assert employees[0].push_subscriptions.get().endpoint == body["endpoint"]
    bad = {**body, "endpoint": "http://push.example.invalid/x"}
    assert client.post(url, bad, content_type="application/json").status_code == 400
    assert client.post(url, "{", content_type="application/json").status_code == 400
    client.force_login(UserFactory())
    assert client.post(url, body, content_type="application/json").status_code == 403


def test_the_last_acknowledgement_logs_everyone_acknowledged_once(
    client, bare_incident, employees, coordinator
):
    alert = services.alert_send(incident=bare_incident, user=coordinator, text=TEXT, group=None)
    everyone = list(alert.recipients.order_by("pk"))
    all_acked = LogEntry.objects.filter(
        incident=bare_incident, event=LogEntry.Event.ALERT_ALL_ACKED
    )

    for recipient in everyone[:-1]:
        services.alert_ack_by_sms(user=recipient.user)
    assert not all_acked.exists()  # one still missing

    last = everyone[-1]
    services.alert_ack_by_token(token=ack_token(alert_id=alert.pk, user_id=last.user_id))
    services.alert_ack_by_token(token=ack_token(alert_id=alert.pk, user_id=last.user_id))
    (entry,) = all_acked
    assert entry.data == {"alert_id": alert.pk, "recipients": len(everyone)}
