"""Writes from a phone's offline queue (issue 15): the endpoint incidents/views/offline.py.

Each write is accepted exactly once by the key the phone made, keeps both times (the
phone's and the server's), is bounded to the incident's window, and a tick of a step that
someone else changed meanwhile is answered with a conflict naming them.
"""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.events import entry_text
from incidents.models import FigureReport, LogEntry
from tests.factories import UserFactory
from tests.incidents.pages import FIGURES

pytestmark = pytest.mark.django_db


def _url(incident):
    return reverse("incidents:offline_write", args=[incident.pk])


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _task(incident):
    return incident.steps.filter(kind="action").order_by("order").first()


def _post(client, incident, kind, *, key=None, written=None, **fields):
    written = written or timezone.now() - dt.timedelta(minutes=38)
    data = {
        "kind": kind,
        "idempotency_key": str(key or uuid.uuid4()),
        "device_written_at": written.isoformat(),
        **fields,
    }
    return client.post(_url(incident), data)


def test_a_log_entry_is_stored_once_by_its_key_with_both_times(incident, staff_user):
    client = _client(staff_user)
    key = uuid.uuid4()
    written = timezone.now() - dt.timedelta(minutes=38)
    first = _post(client, incident, "log", key=key, written=written, text="Evakueret kl. 10:02")
    again = _post(client, incident, "log", key=key, written=written, text="Evakueret kl. 10:02")

    assert first.status_code == 200 and first.json() == {"ok": True, "replayed": False}
    assert again.status_code == 200 and again.json()["replayed"] is True
    entries = LogEntry.objects.filter(incident=incident, idempotency_key=key)
    assert entries.count() == 1
    entry = entries.get()
    assert entry.device_written_at == written
    assert entry.created_at - entry.device_written_at > dt.timedelta(minutes=37)


def test_figures_keep_the_phones_time_and_are_stored_once(incident, staff_user):
    client = _client(staff_user)
    key = uuid.uuid4()
    written = timezone.now() - dt.timedelta(minutes=5)
    for _ in range(2):
        assert _post(client, incident, "figures", key=key, written=written, **FIGURES).json()["ok"]
    report = FigureReport.objects.get(incident=incident)
    assert report.device_written_at == written
    assert report.calls_in_queue == 17 and report.longest_wait_seconds == 210
    assert LogEntry.objects.filter(incident=incident, device_written_at=written).count() == 1


def test_a_queued_tick_is_stored_once_and_keeps_the_phones_time(incident, staff_user):
    client = _client(staff_user)
    step = _task(incident)
    key = uuid.uuid4()
    written = timezone.now() - dt.timedelta(minutes=20)
    fields = {"step": step.pk, "version": step.version}
    first = _post(client, incident, "done", key=key, written=written, **fields)
    # Its answer was lost; meanwhile a colleague reopened the step. The resend is a replay.
    step.refresh_from_db()
    services.step_reopen(step=step, user=UserFactory(), version=step.version, reason="Forkert")
    again = _post(client, incident, "done", key=key, written=written, **fields)

    assert first.status_code == 200 and first.json()["replayed"] is False
    assert again.status_code == 200 and again.json()["replayed"] is True
    entry = LogEntry.objects.get(incident=incident, idempotency_key=key)
    assert entry.device_written_at == written
    assert entry.event == LogEntry.Event.STEP_DONE and entry_text(entry).startswith("Udført:")


def test_an_untick_keeps_the_reason_and_the_phones_time(incident, staff_user):
    step = _task(incident)
    step = services.step_complete(step=step, user=staff_user, version=step.version)
    key = uuid.uuid4()
    fields = {"step": step.pk, "version": step.version, "reason": "Linjen virker ikke endnu"}
    response = _post(_client(staff_user), incident, "reopen", key=key, **fields)

    assert response.status_code == 200
    step.refresh_from_db()
    assert not step.is_done
    entry = LogEntry.objects.get(incident=incident, idempotency_key=key)
    assert entry.data["reason"] == "Linjen virker ikke endnu"
    assert entry.device_written_at is not None


def test_two_phones_ticking_the_same_step_offline_one_is_told(incident, staff_user):
    other = UserFactory(first_name="Testa", last_name="Testesen")
    other.groups.set(staff_user.groups.all())
    step = _task(incident)
    fields = {"step": step.pk, "version": step.version}
    first = _post(_client(other), incident, "done", **fields)
    second = _post(_client(staff_user), incident, "done", **fields)

    assert first.status_code == 200
    assert second.status_code == 409
    body = second.json()
    assert body["conflict"] is True
    assert "Testa Testesen" in body["error"] and "dit flueben blev ikke sat" in body["error"]
    assert LogEntry.objects.filter(incident=incident, event=LogEntry.Event.STEP_DONE).count() == 1


@pytest.mark.parametrize(
    ("offset", "message"),
    [
        (dt.timedelta(hours=1), "fremtiden"),
        (-dt.timedelta(days=3), "24 timer før hændelsen"),
    ],
)
def test_the_phones_time_is_bounded_to_the_incident(incident, staff_user, offset, message):
    key = uuid.uuid4()
    written = timezone.now() + offset
    response = _post(_client(staff_user), incident, "log", key=key, written=written, text="Hej")

    assert response.status_code == 400
    assert message in response.json()["error"]
    assert not LogEntry.objects.filter(idempotency_key=key).exists()


def test_the_service_bounds_the_phones_time_too(incident, staff_user):
    with pytest.raises(ValidationError, match="fremtiden"):
        services.incident_log_write(
            incident=incident,
            text="Hej",
            author=staff_user,
            device_written_at=timezone.now() + dt.timedelta(hours=2),
        )


def test_a_refused_write_is_a_danish_400_and_changes_nothing(incident, staff_user):
    client = _client(staff_user)
    before = LogEntry.objects.filter(incident=incident).count()
    empty = _post(client, incident, "log", text="   ")
    no_key = client.post(_url(incident), {"kind": "log", "text": "Hej"})
    bad_figures = _post(client, incident, "figures", **{**FIGURES, "agents_available": "99"})

    assert empty.status_code == 400 and "tom" in empty.json()["error"]
    assert no_key.status_code == 400 and "Telefonens tidspunkt mangler" in no_key.json()["error"]
    assert bad_figures.status_code == 400
    assert LogEntry.objects.filter(incident=incident).count() == before


def test_a_closed_incident_answers_409(incident, staff_user, coordinator):
    incident.status = incident.Status.CLOSED
    incident.closed_at = timezone.now()
    incident.save()
    response = _post(_client(staff_user), incident, "log", text="For sent")
    assert response.status_code == 409
    assert "afsluttet" in response.json()["error"]


def test_without_the_work_role_403_and_signed_out_to_the_login(incident, no_role_user, editor):
    assert _post(_client(editor), incident, "log", text="Hej").status_code == 403
    signed_out = _post(Client(), incident, "log", text="Hej")
    assert signed_out.status_code == 302 and reverse("login") in signed_out["Location"]


def test_the_dashboard_and_the_log_show_both_times_when_they_differ(incident, staff_user):
    client = _client(staff_user)
    written = timezone.now() - dt.timedelta(minutes=38)
    _post(client, incident, "log", written=written, text="Skrevet i kælderen")
    _post(client, incident, "figures", written=written, **FIGURES)
    _post(client, incident, "log", written=timezone.now(), text="Skrevet lige nu")
    phone = timezone.localtime(written).strftime("%H:%M")
    note = f"skrevet kl. {phone} på telefonen, modtaget kl. "

    dashboard = client.get(reverse("incidents:dashboard", args=[incident.pk])).text
    full_log = client.get(reverse("incidents:log", args=[incident.pk])).text

    # The two entries (note + figures' system entry) and the latest figures; not the
    # entry sent within the minute.
    assert dashboard.count(note) == 3
    assert full_log.count(note) == 2
    assert "Skrevet lige nu" in full_log
