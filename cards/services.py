"""Writes to action cards: import from card data, publish a version, change a draft."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext
from simple_history.utils import bulk_create_with_history

from cards import schema
from cards.models import (
    ActionCard,
    Announcement,
    Block,
    CardChangeSource,
    CardVersion,
    ExternalCard,
    MessageTemplate,
    PhoneLine,
    Scenario,
    ScenarioBlock,
    ScenarioLink,
    ScenarioTimer,
    Step,
    StepAlternative,
)
from cards.pdf.services import card_bundle_schedule
from cards.serialization import card_to_data
from cards.static_copy import static_copy_schedule
from contacts.models import ContactGroup, ContactGroupMember, Organisation, Person, SupportLine


def _time(value):
    return dt.time.fromisoformat(value) if value else None


def _import_people(document: schema.CardDocument):
    orgs = {}
    for item in document.organisations:
        orgs[item.slug], _ = Organisation.objects.update_or_create(
            slug=item.slug, defaults={"name": item.name, "kind": item.kind, "url": item.url}
        )
    people = {}
    for item in document.people:
        people[item.slug], _ = Person.objects.update_or_create(
            slug=item.slug,
            defaults={
                "name": item.name,
                "title": item.title,
                "organisation": orgs.get(item.organisation),
                "phone": item.phone,
                "phone_secondary": item.phone_secondary,
                "email": item.email,
            },
        )
    return orgs, people


def _import_contacts(document: schema.CardDocument):
    orgs, people = _import_people(document)
    lines = {}
    for item in document.support_lines:
        hours = item.hours
        lines[item.slug], _ = SupportLine.objects.update_or_create(
            slug=item.slug,
            defaults={
                "name": item.name,
                "organisation": orgs.get(item.organisation),
                "phone": item.phone,
                "days": ",".join(hours.days if hours else ["mon", "tue", "wed", "thu", "fri"]),
                "opens_at": _time(hours and hours.opens),
                "closes_at": _time(hours and hours.closes),
                "open_on_holidays": bool(hours and hours.open_on_holidays),
            },
        )
    groups = {}
    for item in document.contact_groups:
        group, _ = ContactGroup.objects.update_or_create(
            slug=item.slug, defaults={"name": item.name}
        )
        group.members.all().delete()
        for order, member in enumerate(item.members):
            ContactGroupMember.objects.create(
                group=group, order=order, person=people.get(member.person), email=member.email or ""
            )
        groups[item.slug] = group
    return people, lines, groups


def _step(block, order, item: schema.Step, refs):
    return Step(
        block=block,
        order=order,
        kind=item.kind,
        text=item.text,
        template=refs["templates"].get(item.template),
        person=refs["people"].get(item.person),
        contact_group=refs["groups"].get(item.contact_group),
        support_line=refs["lines"].get(item.support_line),
        announcement=refs["announcements"].get(item.announcement),
        external_card=refs["external_cards"].get(item.external_card),
    )


def _create_steps(pending, refs):
    """Write the steps of all blocks at once: a row per step (and its history) by itself
    made a large card file take half a minute; in bulk the file's bounds bound the time."""
    steps = bulk_create_with_history(
        [_step(block, order, item, refs) for block, order, item in pending], Step
    )
    alternatives = []
    for step, (_, _, item) in zip(steps, pending, strict=True):
        if item.phone_lines:
            # Few steps have lines; .set() keeps the change history of the relation.
            step.phone_lines.set([refs["phone_lines"][s] for s in item.phone_lines])
        alternatives += [
            StepAlternative(step=step, order=alt_order, label=alt.label, text=alt.text)
            for alt_order, alt in enumerate(item.alternatives)
        ]
    bulk_create_with_history(alternatives, StepAlternative)


def _replace_card(document: schema.CardDocument, people) -> ActionCard:
    """The card row, emptied of its content (the file replaces it whole)."""
    meta = document.card
    card, _ = ActionCard.objects.update_or_create(
        slug=meta.slug,
        defaults={
            "title": meta.title,
            "owner": people.get(meta.owner),
            "log_keeper": people.get(meta.log_keeper),
            "next_review": dt.date.fromisoformat(meta.next_review) if meta.next_review else None,
        },
    )
    # Children first, so PROTECT references never block.
    Step.objects.filter(block__card=card).delete()
    card.blocks.all().delete()
    card.scenarios.all().delete()
    for model in (PhoneLine, Announcement, ExternalCard, MessageTemplate):
        model.objects.filter(card=card).delete()
    return card


def _create_card_lists(card, document: schema.CardDocument, refs):
    refs["phone_lines"] = {
        item.slug: PhoneLine.objects.create(
            card=card, order=i, slug=item.slug, name=item.name, number=item.number
        )
        for i, item in enumerate(document.phone_lines)
    }
    for key, model, items in (
        ("announcements", Announcement, document.announcements),
        ("external_cards", ExternalCard, document.external_cards),
        ("templates", MessageTemplate, document.message_templates),
    ):
        refs[key] = {
            item.slug: model.objects.create(card=card, **item.model_dump()) for item in items
        }


def _create_shared_blocks(card, document: schema.CardDocument, pending) -> dict:
    footer = {slug: i for i, slug in enumerate(document.card.footer_blocks)}
    shared = {}
    for item in document.shared_blocks:
        block = Block.objects.create(
            card=card,
            slug=item.slug,
            title=item.title,
            is_shared=True,
            footer_order=footer.get(item.slug),
        )
        pending += [(block, order, step) for order, step in enumerate(item.steps)]
        shared[item.slug] = block
    return shared


def _create_scenarios(card, document: schema.CardDocument, refs, shared, pending):
    scenarios = {
        s.slug: s
        for s in bulk_create_with_history(
            [
                Scenario(
                    card=card,
                    order=order,
                    slug=item.slug,
                    title=item.title,
                    reason=item.reason,
                    description=item.description,
                )
                for order, item in enumerate(document.scenarios)
            ],
            Scenario,
        )
    }
    timers, links, own_blocks, uses = [], [], [], []
    for item in document.scenarios:
        scenario = scenarios[item.slug]
        timers += [ScenarioTimer(scenario=scenario, **t.model_dump()) for t in item.timers]
        links += [
            ScenarioLink(
                scenario=scenario,
                order=order,
                target_scenario=scenarios.get(link.scenario),
                external_card=refs["external_cards"].get(link.external_card),
                text=link.text,
            )
            for order, link in enumerate(item.links)
        ]
        own = 0
        for order, use in enumerate(item.blocks):
            if use.shared is not None:
                block = shared[use.shared]
            else:
                own += 1
                block = Block(card=card, slug=schema.own_block_slug(scenario.slug, own))
                own_blocks.append(block)
                pending += [(block, n, step) for n, step in enumerate(use.steps)]
            uses.append(ScenarioBlock(scenario=scenario, block=block, order=order))
    # Rows in bulk (PostgreSQL returns their ids): one row per query made a large card
    # file take many seconds.
    bulk_create_with_history(own_blocks, Block)
    for model, rows in ((ScenarioTimer, timers), (ScenarioLink, links), (ScenarioBlock, uses)):
        bulk_create_with_history(rows, model)


@transaction.atomic
def card_import(*, data: dict) -> ActionCard:
    """Create or replace a card (and upsert the contacts it carries) from card data.

    ``data`` is a card document (`cards.schema`), checked by `cards.validation` first.
    The card's own content is replaced whole, so the result is exactly the file.
    Published versions are kept: they are snapshots, not references.
    """
    document = schema.CardDocument.model_validate(data)
    people, lines, groups = _import_contacts(document)
    card = _replace_card(document, people)
    refs = {"people": people, "lines": lines, "groups": groups}
    _create_card_lists(card, document, refs)
    pending = []  # (block, order, step), written together by _create_steps
    shared = _create_shared_blocks(card, document, pending)
    _create_scenarios(card, document, refs, shared, pending)
    _create_steps(pending, refs)
    return card


@transaction.atomic
def card_publish(*, card: ActionCard, user=None, note: str = "") -> CardVersion:
    """Freeze the card as the next numbered version."""
    # Lock the card row so two editors publishing at once get versions n and n+1.
    ActionCard.objects.select_for_update().get(pk=card.pk)
    latest = card.versions.aggregate(n=Max("number"))["n"] or 0
    version = CardVersion.objects.create(
        card=card,
        number=latest + 1,
        published_by=user,
        note=note,
        snapshot=card_to_data(card),
    )
    # Accepted proposed changes since the last publish now have a version to point at.
    CardChangeSource.objects.filter(card=card, version=None).update(version=version)
    # The binder copy is rendered in the background, so a download during an incident
    # is a file, not a render.
    card_bundle_schedule(version=version)
    static_copy_schedule(version=version)  # the serverless HTML copy (cards/static_copy.py)
    return version


# Fields a proposed change (exercises) may set, per target: what an evaluation finds wrong
# on a card is a step's wording, a scenario's wording or a person's contact data.
DRAFT_FIELDS = {
    "step": ("text",),
    "scenario": ("title", "description", "reason"),
    "contact": ("name", "title", "phone", "email"),
}


def draft_target(*, card: ActionCard, target_type: str, target_key: str):
    """The draft row a proposed change points at: a step by its snapshot key
    ("<block slug>/<index>"), a scenario by slug, a person (contact) by slug; or None."""
    if target_type == "step":
        block_slug, _sep, index = target_key.rpartition("/")
        if not index.isdigit():
            return None
        steps = Step.objects.filter(block__card=card, block__slug=block_slug).order_by(
            "order", "pk"
        )
        return steps[int(index) : int(index) + 1].first()
    if target_type == "scenario":
        return Scenario.objects.filter(card=card, slug=target_key).first()
    if target_type == "contact":
        return Person.objects.filter(slug=target_key).first()
    return None


@transaction.atomic
def card_draft_change(
    *,
    card: ActionCard,
    target_type: str,
    target_key: str,
    field: str,
    value: str,
    user=None,
    source: dict | None = None,
):
    """Set one field of the card's draft (a step, scenario or contact), validated like the
    admin does; ``source`` ({finding_id, incident_id, summary}) is recorded for the next
    published version. Raises ValidationError (Danish) for an unknown target or field."""
    if field not in DRAFT_FIELDS.get(target_type, ()):
        raise ValidationError(gettext("Feltet kan ikke ændres fra et ændringsforslag."))
    row = draft_target(card=card, target_type=target_type, target_key=target_key)
    if row is None:
        raise ValidationError(
            gettext("Det, forslaget gælder, findes ikke længere i kortets kladde.")
        )
    setattr(row, field, value)
    row.full_clean()
    if user is not None:
        row._history_user = user
    row.save(update_fields=[field])
    if source:
        CardChangeSource.objects.create(card=card, **source)
    return row
