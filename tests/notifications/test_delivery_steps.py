"""The three steps of a delivery (claim, send, confirm) and what follows a dead attempt,
on the real database: what is committed before the channel is called, which rows the
confirm touches, the lease, the possible-duplicate mark and the permanent errors."""

import datetime as dt
import logging
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.events import entry_text
from incidents.models import LogEntry
from notifications import channels, delivery, services
from notifications.models import OutboxMessage, StatusUpdate, WorkerHeartbeat

# Mail in memory and SMS to files (``locmem_mail``), for every test here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_mail")]


def _read_elsewhere(pk):
    """The row as another connection sees it: only what is committed."""
    seen = {}

    def read():
        try:
            seen["row"] = OutboxMessage.objects.filter(pk=pk).values().first()
        finally:
            connection.close()

    thread = threading.Thread(target=read)
    thread.start()
    thread.join(10)
    return seen["row"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_claim_is_committed_and_no_transaction_is_open_while_sending(
    bare_incident, monkeypatch
):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    during = {}
    original = channels.EmailChannel.send

    def send(self, **kwargs):
        during["atomic"] = connection.in_atomic_block
        during["row"] = _read_elsewhere(message.pk)
        return original(self, **kwargs)

    monkeypatch.setattr(channels.EmailChannel, "send", send)

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"

    assert during["atomic"] is False  # no lock held while the server talks
    row = during["row"]
    assert row["status"] == "sending" and row["attempt_id"] and row["attempts"] == 1
    assert row["lease_until"] > timezone.now() - dt.timedelta(seconds=1)
    message.refresh_from_db()
    assert message.status == "sent" and message.lease_until is None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_confirm_right_after_the_send_touches_only_the_message_row(bare_incident, monkeypatch):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    marks = []
    original = channels.EmailChannel.send

    def send(self, **kwargs):
        # Autocommit: the confirm commits on its own, before anything shared.
        assert not connection.in_atomic_block
        marks.append(len(queries.captured_queries))
        return original(self, **kwargs)

    monkeypatch.setattr(channels.EmailChannel, "send", send)
    with CaptureQueriesContext(connection) as queries:
        services.outbox_message_deliver(message_id=message.pk)

    after = [q["sql"] for q in queries.captured_queries[marks[0] :]]
    # The first statement once the send begins is the confirm after the 250, alone in
    # its transaction: no status update or incident row is locked or written before it.
    assert after[0].startswith('UPDATE "notifications_outboxmessage"'), after[:3]
    assert 'WHERE ("notifications_outboxmessage"."id" =' in after[0]
    assert "incidents_incident" not in after[0] and "statusupdate" not in after[0]


def test_a_live_lease_is_not_taken_over(bare_incident):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    message, outcome = delivery.outbox_message_claim(message_id=message.pk)
    assert outcome == "claimed"

    assert services.outbox_message_deliver(message_id=message.pk) == "leased"
    assert mail.outbox == []


def test_a_retry_after_an_expired_lease_is_a_possible_duplicate_with_the_same_message_id(
    bare_incident,
):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    # The first attempt sent and its worker died before the confirm.
    claimed, _ = delivery.outbox_message_claim(message_id=message.pk)
    channels.channel_for("email").send(
        update=claimed.update, address=claimed.address, reference=claimed.idempotency_key
    )
    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == "sent" and message.possible_duplicate and message.attempts == 2
    first, second = mail.outbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    log = LogEntry.objects.filter(incident=bare_incident, kind="system").last()
    text = entry_text(log)
    assert "1 af 1" in text and "1 kan have fået den to gange" in text
    assert "mulig dublet" in text
    assert log.event == LogEntry.Event.UPDATE_SENT and log.data["possible_duplicates"] == 1


def test_a_plain_retry_after_a_temporary_failure_is_not_marked(bare_incident, monkeypatch):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()

    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert services.outbox_message_deliver(message_id=message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == "queued" and message.error_class == "ConnectionRefusedError"
    monkeypatch.undo()
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"
    message.refresh_from_db()
    assert not message.possible_duplicate


def test_a_bad_header_is_permanent_falls_back_at_once_and_is_logged_with_its_class(
    bare_incident, caplog, tmp_path, settings
):
    """Issue 11 §5: BadHeaderError was an "unexpected" error, retried for 30 minutes."""
    settings.VAR_DIR = tmp_path
    update = services.status_update_create(incident=bare_incident, reason="started")
    StatusUpdate.objects.filter(pk=update.pk).update(subject="Strømsvigt\nBcc: x@example.invalid")
    message = update.messages.get()

    with caplog.at_level(logging.WARNING, logger="notifications.delivery"):
        outcome = services.outbox_message_deliver(message_id=message.pk)

    assert outcome == "fallback"
    message.refresh_from_db()
    assert message.status == "superseded" and message.attempts == 1
    assert message.error_class == "BadHeaderError"
    assert any("BadHeaderError" in r.getMessage() for r in caplog.records)
    sms = update.messages.get(channel="sms")
    assert services.outbox_message_deliver(message_id=sms.pk) == "sent"


def test_an_smtp_5xx_and_an_unexpected_content_error_are_permanent_a_network_error_is_not():
    import smtplib

    assert channels._smtp_failure(smtplib.SMTPDataError(554, b"rejected")).permanent
    assert channels._smtp_failure(smtplib.SMTPDataError(554, b"x")).error_class == "SMTP 554"
    assert not channels._smtp_failure(smtplib.SMTPDataError(451, b"later")).permanent
    assert channels.delivery_error_for(ValueError("bad address")).permanent
    assert not channels.delivery_error_for(ConnectionResetError()).permanent


def test_the_sweep_takes_expired_leases_and_leaves_a_fresh_enqueue_alone(
    bare_incident, monkeypatch
):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    enqueued = []
    monkeypatch.setattr(services, "outbox_enqueue", lambda ids, **kw: enqueued.extend(ids) or 0)
    delivery.outbox_message_claim(message_id=message.pk)

    services.outbox_sweep(older_than_seconds=8, worker="celery@a")
    assert enqueued == []  # its lease runs
    OutboxMessage.objects.filter(pk=message.pk).update(
        lease_until=timezone.now() - dt.timedelta(seconds=1)
    )
    services.outbox_sweep(older_than_seconds=8, worker="celery@a")
    assert enqueued == [message.pk]
    assert WorkerHeartbeat.objects.get(name="celery@a").seen_at

    enqueued.clear()
    OutboxMessage.objects.filter(pk=message.pk).update(
        status="queued",
        next_attempt_at=timezone.now() - dt.timedelta(seconds=60),
        enqueued_at=timezone.now() - dt.timedelta(seconds=2),
    )
    services.outbox_sweep(older_than_seconds=8)
    assert enqueued == []  # handed to the broker 2 s ago: not again


def test_the_sweep_logs_an_update_whose_worker_died_after_the_last_confirm(bare_incident):
    update = services.status_update_create(incident=bare_incident, reason="started")
    update.messages.update(status="sent", sent_at=timezone.now())

    services.outbox_sweep(older_than_seconds=8)
    services.outbox_sweep(older_than_seconds=8)

    update.refresh_from_db()
    assert update.completed_at
    logs = LogEntry.objects.filter(incident=bare_incident, event=LogEntry.Event.UPDATE_SENT)
    assert logs.count() == 1 and "1 af 1" in entry_text(logs.get())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_slow_send_keeps_its_lease(bare_incident, monkeypatch, settings):
    settings.NOTIFY_LEASE_SECONDS = 1.5
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    seen = {}
    original = channels.EmailChannel.send

    def slow(self, **kwargs):
        time.sleep(2.5)  # longer than the lease: only the renewals keep it
        seen["row"] = _read_elsewhere(message.pk)
        return original(self, **kwargs)

    monkeypatch.setattr(channels.EmailChannel, "send", slow)
    assert services.outbox_message_deliver(message_id=message.pk) == "sent"

    assert seen["row"]["status"] == "sending"
    assert seen["row"]["lease_until"] > timezone.now() - dt.timedelta(seconds=0.5)
    assert delivery.outbox_messages_due(older_than_seconds=8) == ([], [])


def test_the_dashboard_warns_when_updates_are_stuck(client, coordinator, bare_incident, settings):
    from django.core.cache import cache
    from django.urls import reverse

    cache.clear()
    services.status_update_create(incident=bare_incident, reason="started")
    waited = dt.timedelta(minutes=4, seconds=5)
    OutboxMessage.objects.update(next_attempt_at=timezone.now() - waited)
    client.force_login(coordinator)

    page = client.get(reverse("incidents:dashboard", args=[bare_incident.pk]))

    assert "Statusopdateringer sendes ikke: køen har ventet 4 min" in page.content.decode()
    OutboxMessage.objects.update(status="sent")
    # Cached for 15 s: a thousand polling viewers do not each run the query.
    with CaptureQueriesContext(connection) as queries:
        delivery_warning = client.get(reverse("incidents:dashboard", args=[bare_incident.pk]))
    assert "køen har ventet" in delivery_warning.content.decode()
    assert not any("MIN(" in q["sql"] for q in queries.captured_queries)
    cache.clear()
    page = client.get(reverse("incidents:dashboard", args=[bare_incident.pk]))
    assert "køen har ventet" not in page.content.decode()
