"""A closed incident is read-only: its recipients cannot be added or removed (issue 11 §6)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from incidents.models import Incident
from notifications import services
from tests.contacts.factories import ContactGroupFactory, ContactGroupMemberFactory, PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(bare_incident):
    recipient = services.recipient_add_adhoc(
        incident=bare_incident, name="Testperson 1", email="testperson1@example.invalid"
    )
    Incident.objects.filter(pk=bare_incident.pk).update(
        status=Incident.Status.CLOSED, closed_at=timezone.now()
    )
    bare_incident.refresh_from_db()
    return bare_incident, recipient


def _writes(bare_incident, recipient):
    person = PersonFactory()
    group = ContactGroupFactory()
    ContactGroupMemberFactory(group=group, person=PersonFactory())
    return {
        "recipient_add_adhoc": lambda: services.recipient_add_adhoc(
            incident=bare_incident, name="Testperson 2", email="testperson2@example.invalid"
        ),
        "recipient_add_person": lambda: services.recipient_add_person(
            incident=bare_incident, person=person
        ),
        "recipient_add_group": lambda: services.recipient_add_group(
            incident=bare_incident, group=group
        ),
        "recipient_remove": lambda: services.recipient_remove(recipient=recipient),
    }


def test_every_recipient_write_refuses_a_closed_incident_in_danish(closed):
    incident, recipient = closed
    before = sorted(incident.recipients.values_list("pk", "is_active"))
    revision = incident.revision

    for name, write in _writes(incident, recipient).items():
        with pytest.raises(ValidationError) as refused:
            write()
        assert "afsluttet" in " ".join(refused.value.messages), name

    incident.refresh_from_db()
    assert sorted(incident.recipients.values_list("pk", "is_active")) == before
    assert incident.revision == revision


def test_a_stale_incident_object_is_refused_too(bare_incident):
    """The service reads the state under lock, not from the caller's (old) object."""
    Incident.objects.filter(pk=bare_incident.pk).update(status=Incident.Status.CLOSED)

    with pytest.raises(ValidationError):
        services.recipient_add_adhoc(incident=bare_incident, name="Testperson 3", phone="00001111")
