"""The update history names why an update went out in words, not codes (issue 11 §7)."""

import pytest
from django.urls import reverse
from django.utils import translation

from notifications import services
from notifications.models import StatusUpdate

pytestmark = pytest.mark.django_db


def test_the_history_shows_danish_reasons_not_codes(client, coordinator, bare_incident):
    services.status_update_create(incident=bare_incident, reason="started")
    services.status_update_create(incident=bare_incident, reason="manual")
    client.force_login(coordinator)

    html = client.get(reverse("notifications:incident-panel", args=[bare_incident.pk])).text

    assert "(hændelsen startede)" in html and "(sendt manuelt)" in html
    for code in ("(started)", "(manual)", "(scenario_added)"):
        assert code not in html


def test_every_reason_the_services_use_has_a_label():
    with translation.override("da"):
        labels = {
            reason: StatusUpdate(reason=reason).get_reason_display()
            for reason in StatusUpdate.Reason
        }
    assert all(label and label != code for code, label in labels.items())
    assert StatusUpdate(reason="ukendt_kode").get_reason_display() == "ukendt_kode"
