"""A flash message is shown once per live answer, though several fragments carry the
out-of-band message box (issue 11 §7)."""

import pytest
from django.urls import reverse

from tests.conftest import EVACUATION

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_a_flash_message_shows_once_in_the_live_fragments(client, incident, coordinator):
    client.force_login(coordinator)

    response = client.post(
        reverse("incidents:escalate", args=[incident.pk]), {"scenario": EVACUATION}, **HX
    )

    assert response.status_code == 200
    assert 'id="notifications-status"' in response.text  # the panel's data is in it too
    assert response.text.count('id="messages"') == 1
    assert response.text.count("er tilføjet til tjeklisten") == 1


def test_a_refusal_shows_once_too(client, incident, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("incidents:escalate", args=[incident.pk]), {}, **HX)

    assert response.text.count('id="messages"') == 1
    assert response.text.count('class="message message--error"') == 1


def test_the_notification_panel_alone_still_carries_its_message(client, incident, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("notifications:send-now", args=[incident.pk]), **HX)

    assert response.text.count('id="messages"') == 1
    assert response.text.count("Statusopdateringen er sat i kø") == 1


def test_a_page_keeps_its_message_box(client, incident, coordinator):
    client.force_login(coordinator)

    html = client.get(reverse("incidents:dashboard", args=[incident.pk])).text

    assert html.count('id="messages"') == 1
