"""Nothing happens twice (issue 11 §4): a double tap, two tabs with the same form, a phone's
retry or the offline queue replaying a post creates one object and one side effect.

The concurrent tests post through the real views from threads, each with its own
PostgreSQL connection, like tests/incidents/test_concurrency.py.
"""

import re
import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from incidents import services
from incidents.models import FigureReport, Incident, LogEntry
from notifications.models import OutboxMessage, StatusUpdate
from tests.cards.factories import card_with_crisis_team
from tests.conftest import require

HX = {"HTTP_HX_REQUEST": "true"}
KEY = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')


def _postgres():
    require(connection.vendor == "postgresql", "row locks need PostgreSQL (set DATABASE_URL)")


def _post_in_threads(user, url, data, n=3, **extra):
    """n logged-in clients post the same form at the same moment; their status codes."""
    barrier = threading.Barrier(n)
    codes, errors = [], []

    def run():
        try:
            client = Client()
            client.force_login(user)
            barrier.wait()
            codes.append(client.post(url, data, **extra).status_code)
        except Exception as exc:  # collected and reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    return codes


def _start_data(card, key):
    """The confirmed start form for the card's first scenario."""
    scenario = card.scenarios.order_by("order", "pk").first().slug
    return {"card": card.slug, "scenario": scenario, "confirm": "1", "idempotency_key": key}


def _started_messages(incident):
    return OutboxMessage.objects.filter(update__incident=incident, update__reason="started")


# --- start ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_parallel_starts_with_one_key_make_one_incident_and_one_mail_each(coordinator):
    _postgres()
    card = card_with_crisis_team()
    key = str(uuid.uuid4())

    codes = _post_in_threads(coordinator, reverse("incidents:start"), _start_data(card, key))

    assert codes == [302, 302, 302]  # every tap lands on the dashboard, none gets a 500
    incidents = list(Incident.objects.all())
    assert len(incidents) == 1 and str(incidents[0].idempotency_key) == key
    incident = incidents[0]
    assert StatusUpdate.objects.filter(incident=incident, reason="started").count() == 1
    messages = _started_messages(incident)
    recipients = list(messages.values_list("recipient", flat=True))
    assert recipients and len(recipients) == len(set(recipients))  # one per recipient
    assert incident.log_entries.filter(event=LogEntry.Event.INCIDENT_STARTED).count() == 1


def test_a_replayed_start_answers_the_incident_it_started(client, coordinator):
    card = card_with_crisis_team()
    client.force_login(coordinator)
    key = str(uuid.uuid4())

    first = client.post(reverse("incidents:start"), _start_data(card, key))
    again = client.post(reverse("incidents:start"), _start_data(card, key), follow=True)

    incident = Incident.objects.get()
    assert first.status_code == 302
    assert first.url == reverse("incidents:dashboard", args=[incident.pk])
    assert again.redirect_chain[-1][0] == first.url and again.status_code == 200
    assert "Hændelsen var allerede startet" in again.text
    assert _started_messages(incident).count() == 1
    # A different form (another key) is a deliberate second start.
    client.post(reverse("incidents:start"), _start_data(card, str(uuid.uuid4())))
    assert Incident.objects.count() == 2


def test_start_forms_carry_a_new_key_per_render_and_the_confirmation_keeps_it(
    client, card, coordinator
):
    client.force_login(coordinator)
    scenario = card.scenarios.get().slug
    url = reverse("cards:scenario", args=[card.slug, scenario])
    keys = [KEY.search(client.get(url).text)[1] for _ in range(2)]
    assert keys[0] != keys[1]

    confirm = client.post(
        reverse("incidents:start"),
        {"card": card.slug, "scenario": scenario, "idempotency_key": keys[0]},
    )

    assert KEY.search(confirm.text)[1] == keys[0]


def test_a_malformed_key_is_refused_in_danish_and_starts_nothing(client, card, coordinator):
    client.force_login(coordinator)

    response = client.post(reverse("incidents:start"), _start_data(card, "ikke-en-nøgle"))

    assert response.status_code == 400 and "Genindlæs siden" in response.text
    assert not Incident.objects.exists()


# --- log, figures --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_parallel_log_posts_with_one_key_write_one_entry(card, coordinator):
    _postgres()
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    data = {"text": "TDC siger 20 minutter", "idempotency_key": str(uuid.uuid4())}

    codes = _post_in_threads(coordinator, reverse("incidents:log_write", args=[incident.pk]), data)

    assert codes == [302, 302, 302]
    assert LogEntry.objects.filter(incident=incident, text="TDC siger 20 minutter").count() == 1


def test_a_replayed_log_post_with_htmx_shows_the_one_entry(client, incident, staff_user):
    client.force_login(staff_user)
    url = reverse("incidents:log_write", args=[incident.pk])
    data = {"text": "Strømmen er tilbage på 3. sal", "idempotency_key": str(uuid.uuid4())}

    first = client.post(url, data, **HX)
    again = client.post(url, data, **HX)

    entries = LogEntry.objects.filter(incident=incident, text=data["text"])
    assert entries.count() == 1
    assert first.status_code == again.status_code == 200
    assert again.text.count("Strømmen er tilbage på 3. sal") == 1  # the entry, not the form
    assert KEY.search(again.text)[1] != data["idempotency_key"]  # a fresh form for the next


def test_a_log_correction_replayed_is_written_once(client, incident, staff_user):
    entry = services.incident_log_write(incident=incident, text="Ring til Glen", author=staff_user)
    client.force_login(staff_user)
    url = reverse("incidents:log_correct", args=[incident.pk, entry.sequence])
    data = {"text": "Ring til Glenn", "idempotency_key": str(uuid.uuid4())}

    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert LogEntry.objects.filter(corrects=entry).count() == 1


def test_replayed_figures_are_stored_once(client, incident, staff_user):
    client.force_login(staff_user)
    url = reverse("incidents:figures", args=[incident.pk])
    data = {
        "agents_on_duty": 12,
        "agents_available": 4,
        "calls_in_queue": 17,
        "longest_wait_seconds": "3:30",
        "average_wait_seconds": "1:15",
        "idempotency_key": str(uuid.uuid4()),
    }

    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)

    assert FigureReport.objects.filter(incident=incident).count() == 1
    assert "Tallene var allerede gemt" in again.text
    assert incident.log_entries.filter(event=LogEntry.Event.FIGURES_REPORTED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_parallel_figure_posts_with_one_key_store_one_report(card, coordinator):
    _postgres()
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    data = {
        "agents_on_duty": 9,
        "agents_available": 2,
        "calls_in_queue": 30,
        "longest_wait_seconds": "8",
        "average_wait_seconds": "4",
        "idempotency_key": str(uuid.uuid4()),
    }

    codes = _post_in_threads(coordinator, reverse("incidents:figures", args=[incident.pk]), data)

    assert codes == [302, 302, 302]
    assert FigureReport.objects.filter(incident=incident).count() == 1


def test_the_figures_api_takes_an_idempotency_key_header(client, incident):
    _token, raw = services.integration_token_create(name="Miralix")
    url = reverse("incidents:figures_api", args=[incident.pk])
    body = {
        "agents_on_duty": 12,
        "agents_available": 4,
        "calls_in_queue": 17,
        "longest_wait_seconds": 210,
        "average_wait_seconds": 75,
    }
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": str(uuid.uuid4())}

    first = client.post(url, body, content_type="application/json", headers=headers)
    again = client.post(url, body, content_type="application/json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert FigureReport.objects.filter(incident=incident).count() == 1


# --- send now ------------------------------------------------------------------------------


def _manual_messages(incident):
    return OutboxMessage.objects.filter(update__incident=incident, update__reason="manual")


def test_a_replayed_send_now_sends_nothing_again(client, incident, coordinator):
    client.force_login(coordinator)
    url = reverse("notifications:send-now", args=[incident.pk])
    data = {"idempotency_key": str(uuid.uuid4())}

    first = client.post(url, data, headers={"HX-Request": "true"})
    sent = _manual_messages(incident).count()
    again = client.post(url, data, headers={"HX-Request": "true"})

    assert sent >= 1
    assert StatusUpdate.objects.filter(incident=incident, reason="manual").count() == 1
    assert _manual_messages(incident).count() == sent
    # The replay is answered as the success it was, not as "already sent this minute".
    for response in (first, again):
        assert "Statusopdateringen er sat i kø til 1 modtagere." in response.text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_three_parallel_send_nows_with_one_key_queue_one_update(coordinator):
    _postgres()
    card = card_with_crisis_team()
    slug = card.scenarios.get().slug
    incident = services.incident_start(card=card, scenario_slug=slug, user=coordinator)
    url = reverse("notifications:send-now", args=[incident.pk])

    codes = _post_in_threads(coordinator, url, {"idempotency_key": str(uuid.uuid4())})

    assert codes == [302, 302, 302]
    assert StatusUpdate.objects.filter(incident=incident, reason="manual").count() == 1
    recipients = list(_manual_messages(incident).values_list("recipient", flat=True))
    assert recipients and len(recipients) == len(set(recipients))


def test_viewers_sharing_a_poll_render_get_their_own_send_now_key(
    client, incident, coordinator, django_user_model
):
    """The changed-poll answer is rendered once and shared; its form keys must not be."""
    other = django_user_model.objects.create_user("anna.andersen", first_name="Anna")
    other.groups.set(coordinator.groups.all())
    url = reverse("incidents:dashboard", args=[incident.pk]) + "?rev=0.0"
    keys = []
    for user in (coordinator, other):
        viewer = Client()
        viewer.force_login(user)
        viewer.get(reverse("incidents:dashboard", args=[incident.pk]))
        keys += KEY.findall(viewer.get(url, **HX).text)

    assert len(keys) == 2 and keys[0] != keys[1]


# --- the checklist: a second tap of the same change -----------------------------------------


def test_a_double_tap_on_done_is_one_tick_and_no_error(client, incident, staff_user):
    step = incident.steps.filter(kind="action").order_by("order").first()
    client.force_login(staff_user)
    url = reverse("incidents:step_update", args=[incident.pk, step.pk, "done"])

    client.post(url, {"version": 1}, **HX)
    again = client.post(url, {"version": 1}, **HX)

    assert "Din ændring er ikke gemt" not in again.text
    assert "step--done" in again.text
    assert incident.log_entries.filter(event=LogEntry.Event.STEP_DONE).count() == 1
