"""Factories for action cards: a card, its scenarios, blocks and steps, and a published
version. Made-up content only; a test about the seed's own content uses ``seeded_card``.

    card = ActionCardFactory(scenarios=1, published=True)  # one block, one action step
    step = StepFactory(block=BlockFactory(card=card), decision=True)
"""

import factory

from cards.models import (
    ActionCard,
    Block,
    CardVersion,
    MessageTemplate,
    Scenario,
    ScenarioBlock,
    Step,
)


class ActionCardFactory(factory.django.DjangoModelFactory):
    """A card; ``scenarios=N`` gives it N scenarios, each using a block of one action step,
    and ``published=True`` then publishes it (through ``card_publish``, as editors do)."""

    class Meta:
        model = ActionCard
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"testkort-{n}")
    title = factory.Sequence(lambda n: f"Testkort {n}")

    @factory.post_generation
    def scenarios(card, create, extracted, **kwargs):
        if create and extracted:
            for _ in range(extracted):
                ScenarioBlockFactory(scenario__card=card, block__card=card)

    @factory.post_generation
    def published(card, create, extracted, **kwargs):
        if create and extracted:
            published_version(card, **kwargs)


class ScenarioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scenario

    card = factory.SubFactory(ActionCardFactory)
    slug = factory.Sequence(lambda n: f"testscenarie-{n}")
    title = factory.Sequence(lambda n: f"Testscenarie {n}")
    reason = "strømsvigt"
    order = factory.Sequence(int)


class BlockFactory(factory.django.DjangoModelFactory):
    """A block with one action step (``steps=0`` for none)."""

    class Meta:
        model = Block
        skip_postgeneration_save = True

    card = factory.SubFactory(ActionCardFactory)
    slug = factory.Sequence(lambda n: f"testblok-{n}")
    title = factory.Sequence(lambda n: f"Testblok {n}")

    @factory.post_generation
    def steps(block, create, extracted, **kwargs):
        if create:
            StepFactory.create_batch(1 if extracted is None else extracted, block=block, **kwargs)


class ScenarioBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScenarioBlock

    scenario = factory.SubFactory(ScenarioFactory)
    block = factory.SubFactory(BlockFactory, card=factory.SelfAttribute("..scenario.card"))
    order = factory.Sequence(int)


class StepFactory(factory.django.DjangoModelFactory):
    """An action step; the traits give the other kinds."""

    class Meta:
        model = Step

    block = factory.SubFactory(BlockFactory, steps=0)
    order = factory.Sequence(int)
    kind = Step.Kind.ACTION
    text = factory.Sequence(lambda n: f"Testtrin {n}")

    class Params:
        communication = factory.Trait(kind=Step.Kind.COMMUNICATION)
        responsibility = factory.Trait(kind=Step.Kind.RESPONSIBILITY)
        note = factory.Trait(kind=Step.Kind.NOTE)
        decision = factory.Trait(kind=Step.Kind.DECISION)


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    """A Yammer text with the scenario's reason filled in."""

    class Meta:
        model = MessageTemplate

    card = factory.SubFactory(ActionCardFactory)
    slug = factory.Sequence(lambda n: f"testskabelon-{n}")
    kind = MessageTemplate.Kind.YAMMER
    text = "Vi kan ikke tage vagter pga. {reason}."


def published_version(card, **kwargs) -> CardVersion:
    """The card published as its next version, as the editors publish it."""
    from cards.services import card_publish

    return card_publish(card=card, **kwargs)


def card_with_crisis_team(**kwargs) -> ActionCard:
    """A published made-up card (one scenario) whose version names a log keeper and a crisis
    communication team of one person: an incident on it has recipients for its updates (the
    team member, e-mail then SMS) and its reminders (the log keeper, SMS only)."""
    from contacts.models import ContactGroup
    from notifications.services import CRISIS_TEAM_GROUP
    from tests.contacts.factories import ContactGroupMemberFactory, PersonFactory

    group, _ = ContactGroup.objects.get_or_create(
        slug=CRISIS_TEAM_GROUP, defaults={"name": "Testkriseteam"}
    )
    ContactGroupMemberFactory(group=group)
    card = ActionCardFactory(scenarios=1, log_keeper=PersonFactory(email=""), **kwargs)
    published_version(card)
    return card
