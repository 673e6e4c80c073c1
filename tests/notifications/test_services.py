import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.utils import timezone

from incidents.events import entry_text
from incidents.models import FigureReport, Incident, LogEntry
from notifications import services
from notifications.models import OutboxMessage, Recipient, StatusUpdate
from tests.notifications.conftest import incident_create
from tests.notifications.factories import RecipientFactory

# Mail in memory and SMS to files (``locmem_mail``), for every test here.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("locmem_mail")]


def test_started_update_goes_to_the_cards_crisis_team(bare_incident):
    update = services.status_update_create(incident=bare_incident, reason="started")

    per = Recipient.objects.get(incident=bare_incident, key="person:per-ryolf")
    lene = Recipient.objects.get(incident=bare_incident, key="person:lene")
    keeper = Recipient.objects.get(incident=bare_incident, key="person:janni-sovang")
    assert per.channel_list == ["email", "sms"]
    assert lene.channel_list == [] and not lene.is_reachable
    assert keeper.receives_reminders and not keeper.receives_updates
    messages = list(update.messages.all())
    assert [(m.recipient, m.channel, m.address) for m in messages] == [
        (per, "email", "per@aarhus.dk")
    ]
    assert messages[0].idempotency_key == f"{bare_incident.pk}:event:started:{per.pk}:email"


def test_the_same_event_twice_creates_one_update(bare_incident):
    first = services.status_update_create(incident=bare_incident, reason="started")
    second = services.status_update_create(incident=bare_incident, reason="started")

    assert first is not None and second is None
    assert OutboxMessage.objects.count() == 1


def test_outbox_is_enqueued_only_after_commit(bare_incident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.status_update_create(incident=bare_incident, reason="started")
    assert len(callbacks) == 1


def test_a_broker_outage_does_not_break_the_request(bare_incident, settings):
    from config.celery import app as celery_app

    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        services.status_update_create(incident=bare_incident, reason="started")
        sent = services.outbox_enqueue(OutboxMessage.objects.values_list("pk", flat=True))
    finally:
        celery_app.conf.broker_url = saved
    assert sent == 0
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.QUEUED


def test_tick_creates_each_interval_update_once(card):
    now = timezone.now()
    incident = incident_create(card, interval=1, started_at=now - dt.timedelta(seconds=130))

    first = services.status_updates_due_create(now=now)
    again = services.status_updates_due_create(now=now)

    assert [u.slot for u in first if u.kind == "update"] == ["interval:1:2"]
    assert [u for u in again if u.kind == "update"] == []
    assert incident.status_updates.filter(kind="update").count() == 1


def test_closed_incident_gets_a_final_update_and_nothing_after(bare_incident):
    services.status_update_create(incident=bare_incident, reason="started")
    Incident.objects.filter(pk=bare_incident.pk).update(
        status=Incident.Status.CLOSED, started_at=timezone.now() - dt.timedelta(hours=2)
    )
    bare_incident.refresh_from_db()

    final = services.status_update_create(incident=bare_incident, reason="closed")
    after = services.status_update_create(incident=bare_incident, reason="manual")
    ticked = services.status_updates_due_create()

    assert final is not None and "Sidste statusopdatering" in final.subject
    assert after is None and ticked == []


def test_log_keeper_is_reminded_when_no_figures_came_since_the_last_update(seeded_card):
    now = timezone.now()
    incident = incident_create(seeded_card, interval=30, started_at=now - dt.timedelta(minutes=26))
    services.status_update_create(incident=incident, reason="started")
    StatusUpdate.objects.update(created_at=now - dt.timedelta(minutes=26))

    created = services.status_updates_due_create(now=now)

    reminders = [u for u in created if u.kind == "reminder"]
    assert len(reminders) == 1
    (message,) = reminders[0].messages.all()
    assert message.recipient.key == "person:janni-sovang"
    assert "Påmindelse" in reminders[0].subject


def test_no_reminder_when_figures_were_entered(team_card):
    now = timezone.now()
    incident = incident_create(team_card, interval=30, started_at=now - dt.timedelta(minutes=26))
    services.status_update_create(incident=incident, reason="started")
    StatusUpdate.objects.update(created_at=now - dt.timedelta(minutes=26))
    FigureReport.objects.create(
        incident=incident, agents_on_duty=10, agents_available=4, calls_in_queue=3,
        longest_wait_seconds=100, average_wait_seconds=50,
    )  # fmt: skip

    created = services.status_updates_due_create(now=now)

    assert [u for u in created if u.kind == "reminder"] == []


def test_no_reminder_long_before_the_next_update(team_card):
    now = timezone.now()
    incident = incident_create(team_card, interval=30, started_at=now - dt.timedelta(minutes=10))
    services.status_update_create(incident=incident, reason="started")

    assert services.status_updates_due_create(now=now) == []


def test_delivery_marks_sent_and_a_second_delivery_sends_nothing(bare_incident):
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()

    assert services.outbox_message_deliver(message_id=message.pk) == "sent"
    assert services.outbox_message_deliver(message_id=message.pk) == "done"

    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.sent_at
    assert mail.outbox[0].to == ["per@aarhus.dk"]
    log = LogEntry.objects.filter(incident=bare_incident, kind="system").last()
    assert "sendt" in entry_text(log) and "1 af 1" in entry_text(log)


def _fail_smtp_with(monkeypatch, exc):
    def send(self, *args, **kwargs):
        raise exc

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", send)


def test_permanent_email_failure_falls_back_to_sms(bare_incident, monkeypatch, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get()
    refused = smtplib.SMTPRecipientsRefused({"per@aarhus.dk": (550, b"domain down")})
    _fail_smtp_with(monkeypatch, refused)

    assert services.outbox_message_deliver(message_id=message.pk) == "fallback"

    message.refresh_from_db()
    assert message.status == "superseded" and "550" in message.last_error
    sms = update.messages.get(channel="sms")
    assert sms.address == "+4529204259"  # the contact's number, stored in E.164
    assert services.outbox_message_deliver(message_id=sms.pk) == "sent"
    assert "4529204259" in (tmp_path / "sms.jsonl").read_text()


def test_temporary_failure_is_retried_with_backoff_then_given_up(
    bare_incident, monkeypatch, settings
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 10
    settings.NOTIFY_RETRY_TOTAL_SECONDS = 60
    recipient = RecipientFactory(incident=bare_incident, name="Testperson 1")
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get(recipient=recipient)
    _fail_smtp_with(monkeypatch, ConnectionRefusedError("refused"))

    delays = []
    for _ in range(10):
        outcome = services.outbox_message_deliver(message_id=message.pk)
        message.refresh_from_db()
        if outcome != "retry":
            break
        delays.append(round((message.next_attempt_at - message.last_attempt_at).total_seconds()))
        # Let the backoff pass: move the first attempt back by the delay.
        OutboxMessage.objects.filter(pk=message.pk).update(
            next_attempt_at=timezone.now(),
            first_attempt_at=message.first_attempt_at - dt.timedelta(seconds=delays[-1]),
        )

    assert delays == [10, 20]  # the next one (40 s) would end past the 60 s cap
    assert outcome == "failed" and message.status == "failed"
    assert "opgivet efter 3 forsøg" in message.last_error
    log = LogEntry.objects.filter(incident=bare_incident, kind="system")
    assert any("kunne ikke leveres til Testperson 1" in entry_text(e) for e in log)


def test_sweep_enqueues_only_overdue_queued_messages(bare_incident, monkeypatch):
    update = services.status_update_create(incident=bare_incident, reason="started")
    enqueued = []
    monkeypatch.setattr(services, "outbox_enqueue", lambda ids, **kw: enqueued.extend(ids) or 0)

    services.outbox_sweep(older_than_seconds=60)
    assert enqueued == []
    update.messages.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=61))
    services.outbox_sweep(older_than_seconds=60)
    assert enqueued == [update.messages.get().pk]


def test_adding_recipients(bare_incident, coordinator):
    from tests.contacts.factories import ContactGroupMemberFactory, PersonFactory

    person = PersonFactory()
    member = ContactGroupMemberFactory()
    services.recipient_add_person(incident=bare_incident, person=person, user=coordinator)
    services.recipient_add_person(incident=bare_incident, person=person, user=coordinator)
    services.recipient_add_group(incident=bare_incident, group=member.group, user=coordinator)
    adhoc = services.recipient_add_adhoc(
        incident=bare_incident, name="Vagthavende", phone="00000042", sms_first=True
    )

    assert (
        Recipient.objects.filter(incident=bare_incident, key=f"person:{person.slug}").count() == 1
    )
    assert Recipient.objects.filter(
        incident=bare_incident, key=f"person:{member.person.slug}"
    ).exists()
    assert adhoc.channel_list == ["sms"]
