"""Issue 11 §5: a NUL byte or a huge integer in any field of any incidents or
notifications form (and in the ids of their URLs) is a Danish error or a 404, never a 500.
The Django test client re-raises a view's exception, so a 500 fails the test loudly."""

import pytest
from django.urls import reverse

from notifications.models import Recipient
from notifications.services import recipients_ensure_defaults

HOSTILE = ["telefoni\x00", "99999999999999999999", "-1e400"]
HUGE_ID = 10**20


def endpoints(incident, step, line, timer, recipient):
    pk = incident.pk
    return [
        (reverse("incidents:start"), ["card", "scenario", "is_exercise",
                                      "update_interval_minutes", "confirm"]),
        (reverse("incidents:escalate", args=[pk]), ["scenario"]),
        (reverse("incidents:log_write", args=[pk]), ["text"]),
        (reverse("incidents:log_correct", args=[pk, 1]), ["text"]),
        (reverse("incidents:step_update", args=[pk, step.pk, "done"]), ["version", "alternative"]),
        (reverse("incidents:step_update", args=[pk, step.pk, "reopen"]), ["version", "reason"]),
        (reverse("incidents:step_update", args=[pk, step.pk, "note"]), ["version", "note"]),
        (reverse("incidents:step_update", args=[pk, step.pk, "assign"]), ["version", "assignee"]),
        (reverse("incidents:figures", args=[pk]), ["agents_on_duty", "agents_available",
                                                   "calls_in_queue", "longest_wait_seconds",
                                                   "average_wait_seconds"]),
        (reverse("incidents:phone_line", args=[pk, line.pk]), ["announcement"]),
        (reverse("incidents:timer", args=[pk, timer.pk]), ["started_at"]),
        (reverse("incidents:close", args=[pk]), ["announcements_off", "crisis_team_informed",
                                                 "yammer_posted", "summary"]),
        (reverse("notifications:send-now", args=[pk]), ["idempotency_key"]),
        (reverse("notifications:recipient-add", args=[pk]), ["person", "group", "name", "email",
                                                             "phone", "webhook_url",
                                                             "sms_first"]),
        (reverse("notifications:recipient-remove", args=[recipient.pk]), ["x"]),
    ]  # fmt: skip


@pytest.fixture
def world(incident):
    recipients_ensure_defaults(incident=incident)
    return {
        "incident": incident,
        "step": incident.steps.first(),
        "line": incident.phone_lines.first(),
        "timer": incident.timers.first(),
        "recipient": Recipient.objects.filter(incident=incident).first(),
    }


@pytest.mark.parametrize("value", HOSTILE, ids=["nul", "huge", "-1e400"])
def test_every_field_with_a_nul_or_huge_number_is_no_500(client, world, coordinator, value):
    client.force_login(coordinator)
    for url, fields in endpoints(**world):
        for name in fields:
            for extra in ({}, {"HTTP_HX_REQUEST": "true"}):
                response = client.post(url, {name: value}, **extra)
                assert response.status_code < 500, (url, name, value, response.status_code)


def test_start_with_a_nul_in_card_is_a_404_not_a_500(client, coordinator, card):
    client.force_login(coordinator)
    data = {"card": f"{card.slug}\x00", "scenario": "x"}
    response = client.post(reverse("incidents:start"), data)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    ["dashboard", "close", "log", "escalate", "log_write", "figures", "figures_api", "report"],
)
def test_huge_ids_in_urls_are_404(client, coordinator, card, name):
    client.force_login(coordinator)
    url = reverse(f"incidents:{name}", args=[HUGE_ID])
    response = client.get(url) if name in ("dashboard", "close", "log", "report") else None
    if response is None:
        response = client.post(url, {})
    assert response.status_code in (401, 404, 405), (name, response.status_code)


def test_hostile_query_parameters_are_no_500(client, world, coordinator):
    client.force_login(coordinator)
    incident = world["incident"]
    for value in HOSTILE:
        for url in (
            reverse("incidents:log", args=[incident.pk]) + "?side=",
            reverse("incidents:list") + "?side=",
            reverse("incidents:dashboard", args=[incident.pk]) + "?rev=",
            reverse("incidents:wall") + "?rev=",
        ):
            response = client.get(url + value, HTTP_HX_REQUEST="true")
            assert response.status_code < 500, (url, value)
