"""Factories for the contacts: organisations, people, support lines and groups, with
obviously made-up names and numbers (never real-looking phone numbers)."""

import factory
from django.utils.text import slugify

from contacts.models import ContactGroup, ContactGroupMember, Organisation, Person, SupportLine


class _NamedFactory(factory.django.DjangoModelFactory):
    """A contact with a numbered made-up name and slug: "<label> 3", "<label>-3"."""

    class Meta:
        abstract = True

    class Params:
        label = "Test"

    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.label)}-{n}")
    name = factory.LazyAttributeSequence(lambda o, n: f"{o.label} {n}")


class OrganisationFactory(_NamedFactory):
    class Meta:
        model = Organisation

    class Params:
        label = "Testorganisation"

    kind = Organisation.Kind.VENDOR


class PersonFactory(_NamedFactory):
    class Meta:
        model = Person

    class Params:
        label = "Testperson"

    phone = factory.Sequence(lambda n: f"0000{n:04d}")
    email = factory.Sequence(lambda n: f"testperson{n}@example.invalid")


class SupportLineFactory(_NamedFactory):
    class Meta:
        model = SupportLine

    class Params:
        label = "Testsupport"

    phone = factory.Sequence(lambda n: f"0099{n:04d}")


class ContactGroupFactory(_NamedFactory):
    class Meta:
        model = ContactGroup

    class Params:
        label = "Testgruppe"


class ContactGroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactGroupMember

    group = factory.SubFactory(ContactGroupFactory)
    person = factory.SubFactory(PersonFactory)
