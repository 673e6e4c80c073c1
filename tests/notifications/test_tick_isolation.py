"""Issue 11 §2: one incident that breaks the beat tick must not stop the others' updates.

The poison is the kind of time the figures API used to accept: year 1 at a +14:00 offset.
PostgreSQL stores it (1 BC in UTC), but it cannot be read back into Python. Figures and
timers are now read within a readable range, so the poison here is a log entry with that
time: every status update of that incident (which quotes the latest log) fails to render.
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from incidents.events import entry_text
from incidents.models import LogEntry
from notifications import services, tasks
from notifications.models import OutboxMessage, ScheduleFailure
from tests.notifications.conftest import incident_create, wait_for

YEAR_ONE = dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14)))


def poison(incident):
    """A row written straight through the ORM, past every form and service check."""
    LogEntry.objects.create(
        incident=incident, sequence=10_000, kind=LogEntry.Kind.MANUAL,
        text="Forgiftet indlæg", created_at=YEAR_ONE,
    )  # fmt: skip


@pytest.fixture
def two_incidents(seeded_card):
    if connection.vendor != "postgresql":
        pytest.skip("the year-1 poison only breaks reads on PostgreSQL")
    started = timezone.now() - dt.timedelta(seconds=130)
    poisoned = incident_create(seeded_card, interval=1, started_at=started)
    healthy = incident_create(seeded_card, interval=1, started_at=started)
    poison(poisoned)
    return poisoned, healthy


@pytest.mark.django_db
def test_a_poisoned_incident_does_not_stop_the_others_updates(two_incidents, locmem_mail):
    poisoned, healthy = two_incidents
    order = [poisoned.pk, healthy.pk]  # the poisoned one first: it used to end the loop

    assert tasks.status_updates_tick.run() >= 1
    assert sorted(order) == order

    update = healthy.status_updates.get(kind="update")
    assert update.slot == "interval:1:2"
    for pk in update.messages.values_list("pk", flat=True):
        services.outbox_message_deliver(message_id=pk)
    assert [m.to for m in mail.outbox] == [["per@aarhus.dk"]]
    assert mail.outbox[0].subject.startswith("Statusopdatering: Strømsvigt på Dokk1")
    assert not poisoned.status_updates.exists()

    # Logged and shown on the poisoned incident's dashboard; the healthy one has nothing.
    failure = ScheduleFailure.objects.get(incident=poisoned)
    assert failure.attempts == 1 and failure.error == "DataError"
    assert not ScheduleFailure.objects.filter(incident=healthy).exists()
    (entry,) = poisoned.log_entries.filter(kind=LogEntry.Kind.SYSTEM)
    assert "planlagte statusopdatering kunne ikke dannes" in entry_text(entry)

    # Retried on the next tick (still failing: counted, not logged again) …
    services.status_updates_due_create()
    failure.refresh_from_db()
    assert failure.attempts == 2
    assert poisoned.log_entries.filter(kind=LogEntry.Kind.SYSTEM).count() == 1

    # … and once the bad row is repaired, the update goes out and the warning disappears.
    LogEntry.objects.filter(incident=poisoned, sequence=10_000).update(created_at=timezone.now())
    created = services.status_updates_due_create()
    assert [u.incident_id for u in created if u.kind == "update"] == [poisoned.pk]
    assert not ScheduleFailure.objects.exists()
    assert poisoned.log_entries.filter(event=LogEntry.Event.SCHEDULE_RECOVERED).count() == 1


@pytest.mark.django_db
def test_the_schedule_failure_is_shown_to_the_coordinator(two_incidents, client, coordinator):
    poisoned, healthy = two_incidents
    services.status_updates_due_create()
    client.force_login(coordinator)

    from django.urls import reverse

    html = client.get(reverse("incidents:dashboard", args=[poisoned.pk])).text
    assert "De planlagte statusopdateringer til denne hændelse kan ikke dannes" in html
    html = client.get(reverse("incidents:dashboard", args=[healthy.pk])).text
    assert "kan ikke dannes" not in html


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_a_real_worker_and_beat_the_healthy_incidents_update_arrives(
    seeded_card, worker, smtp_server, sms_gateway
):
    if connection.vendor != "postgresql":
        pytest.skip("the year-1 poison only breaks reads on PostgreSQL")
    started = timezone.now() - dt.timedelta(seconds=70)
    poisoned = incident_create(seeded_card, interval=1, started_at=started)
    poison(poisoned)
    healthy = incident_create(seeded_card, interval=1, started_at=started)

    def arrived():
        return [
            m
            for m in smtp_server.to("per@aarhus.dk")
            if m["X-Aktionskort-Key"].startswith(f"{healthy.pk}:interval:1:1:")
        ]

    wait_for(arrived, timeout=40, message="the healthy incident's interval update")
    wait_for(
        lambda: ScheduleFailure.objects.filter(incident=poisoned).exists(),
        timeout=10,
        message="the poisoned incident's failure recorded",
    )
    assert not OutboxMessage.objects.filter(update__incident=poisoned).exists()
