"""Writing the access log and purging it after the retention period."""

import datetime as dt

import pytest
from django.utils import timezone

from audit import tasks
from audit.models import AccessRecord
from audit.services import access_record, access_records_purge
from tests.contacts.factories import PersonFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_record_holds_who_when_what_and_whose_numbers_as_data():
    user = UserFactory()
    person = PersonFactory(slug="testperson-a", phone="00 00 11 11", phone_secondary="00001112")

    written = access_record(user=user, action=AccessRecord.Action.READ, obj=person)

    record = AccessRecord.objects.get()
    assert written == 1
    assert (record.user, record.username, record.action) == (user, user.username, "read")
    assert (record.object_type, record.object_id) == ("contacts.person", str(person.pk))
    assert record.object_label == person.name
    assert (record.person_phone, record.person_phone_other) == ("+4500001111", "+4500001112")
    assert record.person_slug == "testperson-a"
    assert timezone.now() - record.at < dt.timedelta(seconds=10)


def test_many_people_are_logged_in_one_query(django_assert_num_queries):
    user = UserFactory()
    people = PersonFactory.create_batch(5)

    with django_assert_num_queries(1):
        written = access_record(user=user, action=AccessRecord.Action.READ, objs=people)

    assert written == 5
    assert AccessRecord.objects.count() == 5


def _age(days):
    access_record(user=UserFactory(), action=AccessRecord.Action.READ, obj=PersonFactory())
    record = AccessRecord.objects.order_by("-pk").first()
    # Back-dated the way only a test may: the model refuses to change a saved row.
    AccessRecord._base_manager.filter(pk=record.pk).update(
        at=timezone.now() - dt.timedelta(days=days)
    )
    return record.pk


def test_the_purge_removes_only_what_is_older_than_the_retention(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 183
    old, young = _age(184), _age(182)

    assert access_records_purge() == 1

    assert list(AccessRecord.objects.values_list("pk", flat=True)) == [young]
    assert old != young


def test_the_periodic_task_purges_with_the_configured_retention(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    _age(31)
    kept = _age(29)

    assert tasks.access_records_purge() == 1
    assert list(AccessRecord.objects.values_list("pk", flat=True)) == [kept]


def test_the_purge_is_scheduled_daily_by_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-purge"]
    assert entry["task"] == "audit.tasks.access_records_purge"
    assert entry["schedule"] == 24 * 3600.0
