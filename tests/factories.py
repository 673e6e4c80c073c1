"""The shared factories: users (with the one test password), and the POST an admin change
form sends. Each app's own factories live next to its tests (tests/<app>/factories.py)."""

import factory
from django.contrib.auth import get_user_model
from django.forms.models import model_to_dict

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


def change_form_data(obj, fields, **changes):
    """The POST an admin change form for ``obj`` sends with ``changes`` made: each of
    ``fields`` as a browser posts it (a relation as its pk, none as "", a ticked box as
    "on", an unticked one not at all)."""
    data = {}
    for name, value in {**model_to_dict(obj, fields=fields), **changes}.items():
        if value is None:
            data[name] = ""
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [item.pk if hasattr(item, "pk") else item for item in value]
        else:
            data[name] = value
    return data
