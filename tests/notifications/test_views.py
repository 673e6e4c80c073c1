import pytest
from django.urls import reverse

from notifications import services
from notifications.models import OutboxMessage, Recipient, StatusUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(bare_incident):
    services.status_update_create(incident=bare_incident, reason="started")
    return bare_incident


def test_panel_shows_recipients_delivery_state_and_unreachable_lene(client, coordinator, started):
    OutboxMessage.objects.update(status="failed", last_error="SMTP-fejl 550: <b>nej</b>")
    client.force_login(coordinator)

    html = client.get(reverse("notifications:incident-panel", args=[started.pk])).content.decode()

    assert "Per Ryolf" in html and 'href="tel:+4529204259"' in html
    assert "Kan ikke nås: mangler telefonnummer og e-mail" in html  # Lene
    assert "SMTP-fejl 550: &lt;b&gt;nej&lt;/b&gt;" in html
    assert "Send opdatering nu" in html and "Tilføj modtager" in html


def test_staff_see_the_panel_without_the_coordinators_controls(client, staff_user, started):
    client.force_login(staff_user)

    html = client.get(reverse("notifications:incident-panel", args=[started.pk])).content.decode()

    assert "Per Ryolf" in html
    assert "Send opdatering nu" not in html and "Tilføj modtager" not in html


def test_send_now_needs_the_permission(client, staff_user, started):
    client.force_login(staff_user)

    response = client.post(reverse("notifications:send-now", args=[started.pk]))

    assert response.status_code == 403
    assert StatusUpdate.objects.filter(reason="manual").count() == 0


def test_send_now_queues_one_update_per_minute(client, coordinator, started):
    client.force_login(coordinator)
    url = reverse("notifications:send-now", args=[started.pk])

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 302 and second.status_code == 302
    assert StatusUpdate.objects.filter(reason="manual").count() == 1


def test_send_now_with_htmx_returns_the_panel_and_messages(client, coordinator, started):
    client.force_login(coordinator)

    response = client.post(
        reverse("notifications:send-now", args=[started.pk]), headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="notifications-panel"')
    assert 'hx-swap-oob="true"' in html
    assert "Statusopdateringen er sat i kø til 1 modtagere." in html


def test_coordinator_adds_an_adhoc_recipient(client, coordinator, started):
    client.force_login(coordinator)

    response = client.post(
        reverse("notifications:recipient-add", args=[started.pk]),
        {"name": "Vagthavende", "phone": "0000 0042", "sms_first": "on"},
    )

    assert response.status_code == 302
    recipient = Recipient.objects.get(incident=started, name="Vagthavende")
    assert recipient.channel_list == ["sms"]


def test_adding_a_recipient_without_an_address_is_refused_in_danish(client, coordinator, started):
    client.force_login(coordinator)

    response = client.post(
        reverse("notifications:recipient-add", args=[started.pk]), {"name": "Ingen", "phone": "12"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mobilnummeret skal have 8 cifre" in html
    assert not Recipient.objects.filter(name="Ingen").exists()


def test_coordinator_removes_a_recipient(client, coordinator, started):
    client.force_login(coordinator)
    per = Recipient.objects.get(incident=started, key="person:per-ryolf")

    client.post(reverse("notifications:recipient-remove", args=[per.pk]))

    per.refresh_from_db()
    assert not per.is_active
    update = services.status_update_create(incident=started, reason="manual")
    assert not update.messages.filter(recipient=per).exists()


def test_no_role_user_cannot_see_the_panel(client, no_role_user, started):
    client.force_login(no_role_user)

    response = client.get(reverse("notifications:incident-panel", args=[started.pk]))

    assert response.status_code == 403
