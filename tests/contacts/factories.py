"""Factories for the contacts: organisations, people, support lines and groups, with
obviously made-up names and numbers (never real-looking phone numbers)."""

import factory

from contacts.models import ContactGroup, ContactGroupMember, Organisation, Person, SupportLine


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    slug = factory.Sequence(lambda n: f"testorg-{n}")
    name = factory.Sequence(lambda n: f"Testorganisation {n}")
    kind = Organisation.Kind.VENDOR


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    slug = factory.Sequence(lambda n: f"testperson-{n}")
    name = factory.Sequence(lambda n: f"Testperson {n}")
    phone = factory.Sequence(lambda n: f"0000{n:04d}")
    email = factory.Sequence(lambda n: f"testperson{n}@example.invalid")


class SupportLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportLine

    slug = factory.Sequence(lambda n: f"testlinje-{n}")
    name = factory.Sequence(lambda n: f"Testsupport {n}")
    phone = factory.Sequence(lambda n: f"0099{n:04d}")


class ContactGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactGroup

    slug = factory.Sequence(lambda n: f"testgruppe-{n}")
    name = factory.Sequence(lambda n: f"Testgruppe {n}")


class ContactGroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContactGroupMember

    group = factory.SubFactory(ContactGroupFactory)
    person = factory.SubFactory(PersonFactory)
