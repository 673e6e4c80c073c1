"""Factories with obviously made-up people: never real-looking phone numbers."""

import factory
from django.contrib.auth import get_user_model

from contacts.models import ContactGroup, ContactGroupMember, Organisation, Person, SupportLine

PASSWORD = "test-adgangskode-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"testbruger{n}")
    first_name = factory.Sequence(lambda n: f"Testbruger {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


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
