"""The alerts panel on the dashboard offers Web Push only where it is set up."""

import pytest
from django.urls import reverse

from incidents.services import incident_start


@pytest.fixture
def dashboard(client, card, coordinator):
    incident = incident_start(card=card, scenario_slug=card.scenarios.get().slug, user=coordinator)
    client.force_login(coordinator)
    return lambda: client.get(reverse("incidents:dashboard", args=[incident.pk])).content.decode()


def test_without_vapid_keys_the_dashboard_loads_no_push_script_and_no_button(dashboard, settings):
    settings.VAPID_PUBLIC_KEY = ""
    page = dashboard()
    assert "alerts/push" not in page
    assert "data-push-subscribe" not in page


def test_with_vapid_keys_the_dashboard_offers_push(dashboard, vapid_settings):
    page = dashboard()
    assert page.count("data-push-subscribe") == 1
    assert page.count("alerts/push") == 1
