"""One way to name people (full name, else username) on the dashboard, in the log and in
the e-mail; entries the app logs itself say "System" (issue 11 §7)."""

import pytest
from django.core import mail
from django.urls import reverse

from incidents import services
from incidents.models import LogEntry
from incidents.selectors import incident_status_summary
from notifications.content import status_update_render
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named(coordinator):
    coordinator.first_name, coordinator.last_name = "Testine", "Koordinatorsen"
    coordinator.save()
    return coordinator


def test_the_email_names_the_log_author_as_the_dashboard_does(client, incident, named):
    services.incident_log_write(incident=incident, text="TDC ringer tilbage", author=named)

    rendered = status_update_render(
        summary=incident_status_summary(incident=incident), reason="manual"
    )
    client.force_login(named)
    dashboard = client.get(reverse("incidents:dashboard", args=[incident.pk])).text

    assert "Testine Koordinatorsen" in dashboard
    assert "(Testine Koordinatorsen): TDC ringer tilbage" in rendered.body_text
    assert named.username not in rendered.body_text
    assert "Testine Koordinatorsen" in rendered.body_html
    assert not mail.outbox


def test_a_user_without_a_full_name_is_named_by_username(incident):
    plain = UserFactory(first_name="", last_name="")
    services.incident_log_write(incident=incident, text="Kun brugernavn", author=plain)

    summary = incident_status_summary(incident=incident)

    assert summary["recent_log"][0]["author"] == plain.username


def test_entries_the_app_logs_itself_say_system_not_unknown(client, incident, staff_user):
    services.log_entry_create(
        incident=incident, text="Statusopdatering sendt til 3 af 3", kind=LogEntry.Kind.SYSTEM
    )
    client.force_login(staff_user)

    for url in (
        reverse("incidents:dashboard", args=[incident.pk]),
        reverse("incidents:log", args=[incident.pk]),
    ):
        html = client.get(url).text
        entry = html[html.index("Statusopdatering sendt til 3 af 3") - 400 :]
        assert "· System" in entry, url
        assert "ukendt" not in html, url
