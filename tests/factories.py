"""The shared factories: users (with the one test password). Each app's own factories live
next to its tests (tests/<app>/factories.py)."""

import factory
from django.contrib.auth import get_user_model

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
