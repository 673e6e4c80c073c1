"""The access log is append-only: written once, never changed, removed only by the purge."""

import pytest

from audit.models import AccessRecord, AppendOnlyError
from audit.services import access_record
from tests.contacts.factories import PersonFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    access_record(user=UserFactory(), action=AccessRecord.Action.READ, obj=PersonFactory())
    return AccessRecord.objects.get()


def test_a_record_cannot_be_saved_again(record):
    record.action = AccessRecord.Action.CHANGE
    with pytest.raises(AppendOnlyError):
        record.save()
    assert AccessRecord.objects.get().action == AccessRecord.Action.READ


def test_a_record_cannot_be_deleted(record):
    with pytest.raises(AppendOnlyError):
        record.delete()
    assert AccessRecord.objects.count() == 1


def test_the_log_cannot_be_updated_or_deleted_in_bulk(record):
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=record.pk).update(username="someone-else")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()
    assert AccessRecord.objects.get().username == record.username


def test_deleting_the_user_keeps_their_records_with_the_name(record):
    username = record.username
    record.user.delete()

    kept = AccessRecord.objects.get()
    assert kept.user is None
    assert kept.username == username


def test_the_admin_shows_the_log_read_only(admin_client, record):
    change = admin_client.get(f"/admin/audit/accessrecord/{record.pk}/change/")
    add = admin_client.get("/admin/audit/accessrecord/add/")
    delete = admin_client.post(f"/admin/audit/accessrecord/{record.pk}/delete/", {"post": "yes"})

    assert change.status_code == 200
    assert 'name="_save"' not in change.text
    assert add.status_code == 403
    assert delete.status_code == 403
    assert AccessRecord.objects.count() == 1
