"""A card as plain data: the shape of `cards/data/*.yaml` and of a published snapshot.

The shape is `cards.schema`; this module fills it from the database. `card_to_data` and
the importer in `cards.services` are inverses; the schema leaves out keys whose value is
empty, so that export → import → export is byte-identical. The rows are read back as
they are stored (``model_construct``: no checks), so an export never fails on old data.
"""

from cards import schema
from cards.models import ActionCard, Block, Scenario, Step
from contacts.models import ContactGroup, Organisation, Person, SupportLine

# Every row a step refers to, read with the blocks: the step's references and its choices.
STEPS_PREFETCH = (
    *(f"steps__{name}" for name in schema.Step.references()),
    "steps__alternatives",
)


def _slug(obj):
    return obj.slug if obj is not None else None


def _by_slug(rows):
    return sorted(rows, key=lambda o: o.slug)


def _step(step: Step) -> schema.Step:
    return schema.Step.model_construct(
        kind=step.kind,
        text=step.text,
        template=_slug(step.template),
        person=_slug(step.person),
        contact_group=_slug(step.contact_group),
        support_line=_slug(step.support_line),
        announcement=_slug(step.announcement),
        phone_lines=[line.slug for line in step.phone_lines.all()],
        external_card=_slug(step.external_card),
        alternatives=[
            schema.Alternative.model_construct(label=a.label, text=a.text)
            for a in step.alternatives.all()
        ],
    )


def _hours(line: SupportLine):
    if not line.has_hours:
        return None
    return schema.Hours.model_construct(
        days=line.day_list,
        opens=line.opens_at.strftime("%H:%M"),
        closes=line.closes_at.strftime("%H:%M"),
        open_on_holidays=line.open_on_holidays,
    )


def _member(member):
    if member.person_id:
        return schema.Member.model_construct(person=member.person.slug)
    return schema.Member.model_construct(email=member.email)


def _contacts() -> dict:
    """Contacts are global; a card file carries all of them so that it imports anywhere."""
    people = Person.objects.select_related("organisation")
    lines = SupportLine.objects.select_related("organisation")
    groups = ContactGroup.objects.prefetch_related("members__person")
    return {
        "organisations": [
            schema.Organisation.model_construct(slug=o.slug, name=o.name, kind=o.kind, url=o.url)
            for o in _by_slug(Organisation.objects.all())
        ],
        "people": [
            schema.Person.model_construct(
                slug=p.slug,
                name=p.name,
                title=p.title,
                organisation=_slug(p.organisation),
                phone=p.phone,
                phone_secondary=p.phone_secondary,
                email=p.email,
            )
            for p in _by_slug(people)
        ],
        "support_lines": [
            schema.SupportLine.model_construct(
                slug=line.slug,
                name=line.name,
                organisation=_slug(line.organisation),
                phone=line.phone,
                hours=_hours(line),
            )
            for line in _by_slug(lines)
        ],
        "contact_groups": [
            schema.ContactGroup.model_construct(
                slug=g.slug, name=g.name, members=[_member(m) for m in g.members.all()]
            )
            for g in _by_slug(groups)
        ],
    }


def _card(card: ActionCard, blocks) -> schema.Card:
    footer = sorted(
        (b for b in blocks.values() if b.footer_order is not None), key=lambda b: b.footer_order
    )
    return schema.Card.model_construct(
        slug=card.slug,
        title=card.title,
        owner=_slug(card.owner),
        log_keeper=_slug(card.log_keeper),
        next_review=card.next_review.isoformat() if card.next_review else None,
        footer_blocks=[b.slug for b in footer],
    )


def _content(card: ActionCard) -> dict:
    """The card's own lists, each in the order the card shows (or files) them."""
    return {
        "phone_lines": [
            schema.PhoneLine.model_construct(slug=pl.slug, name=pl.name, number=pl.number)
            for pl in card.phone_lines.all()
        ],
        "announcements": [
            schema.Announcement.model_construct(
                slug=a.slug, name=a.name, audio_file=a.audio_file, text=a.text
            )
            for a in card.announcements.order_by("slug")
        ],
        "external_cards": [
            schema.ExternalCard.model_construct(slug=e.slug, title=e.title, url=e.url)
            for e in card.external_cards.order_by("slug")
        ],
        "message_templates": [
            schema.MessageTemplate.model_construct(slug=t.slug, kind=t.kind, text=t.text)
            for t in card.message_templates.all()
        ],
    }


def _block_use(use, blocks) -> schema.BlockUse:
    if use.block.is_shared:
        return schema.BlockUse.model_construct(shared=use.block.slug)
    return schema.BlockUse.model_construct(
        steps=[_step(step) for step in blocks[use.block_id].steps.all()]
    )


def _link(link) -> schema.Link:
    if link.target_scenario_id:
        return schema.Link.model_construct(scenario=link.target_scenario.slug, text=link.text)
    return schema.Link.model_construct(external_card=link.external_card.slug, text=link.text)


def _scenarios(card: ActionCard, blocks) -> list[schema.Scenario]:
    scenarios = Scenario.objects.filter(card=card).prefetch_related(
        "timers", "links__target_scenario", "links__external_card", "block_uses__block"
    )
    return [
        schema.Scenario.model_construct(
            slug=s.slug,
            title=s.title,
            reason=s.reason,
            description=s.description,
            timers=[
                schema.Timer.model_construct(
                    slug=t.slug, name=t.name, minutes=t.minutes, text=t.text
                )
                for t in s.timers.all()
            ],
            links=[_link(link) for link in s.links.all()],
            blocks=[_block_use(use, blocks) for use in s.block_uses.all()],
        )
        for s in scenarios
    ]


def card_to_data(card: ActionCard) -> dict:
    blocks = {b.pk: b for b in Block.objects.filter(card=card).prefetch_related(*STEPS_PREFETCH)}
    shared = [
        schema.SharedBlock.model_construct(
            slug=b.slug, title=b.title, steps=[_step(step) for step in b.steps.all()]
        )
        for b in _by_slug(blocks.values())
        if b.is_shared
    ]
    document = schema.CardDocument.model_construct(
        card=_card(card, blocks),
        **_contacts(),
        **_content(card),
        shared_blocks=shared,
        scenarios=_scenarios(card, blocks),
    )
    return document.model_dump()
