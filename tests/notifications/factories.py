"""Recipients of status updates, with made-up people (factory names, example.invalid)."""

import factory

from notifications.models import Recipient


class RecipientFactory(factory.django.DjangoModelFactory):
    """An ad hoc e-mail recipient; traits for the other channels."""

    class Meta:
        model = Recipient

    key = factory.Sequence(lambda n: f"adhoc:test:{n}")
    name = factory.Sequence(lambda n: f"Testperson {n + 1}")
    email = factory.Sequence(lambda n: f"t{n + 1}@example.invalid")
    channels = "email"
    source = Recipient.Source.ADHOC

    class Params:
        webhook = factory.Trait(
            email="", channels="webhook", name=factory.SelfAttribute("webhook_url")
        )
