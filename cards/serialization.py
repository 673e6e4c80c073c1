"""A card as plain data: the shape of `cards/data/*.yaml` and of a published snapshot.

`card_to_data` and the importer in `cards.services` are inverses; keys whose value is
empty are left out so that export → import → export is byte-identical.
"""

from cards.models import ActionCard, Block, Scenario, Step
from contacts.models import ContactGroup, Organisation, Person, SupportLine

TOP_LEVEL_KEYS = (
    "card",
    "organisations",
    "people",
    "support_lines",
    "contact_groups",
    "phone_lines",
    "announcements",
    "external_cards",
    "message_templates",
    "shared_blocks",
    "scenarios",
)


def _slug(obj):
    return obj.slug if obj is not None else None


def _compact(data, keep=()):
    """Drop empty values except the keys in ``keep`` (missing data must stay visible)."""
    return {k: v for k, v in data.items() if k in keep or v not in (None, "", [], {})}


def step_to_data(step: Step):
    data = {
        "kind": step.kind,
        "text": step.text,
        "template": _slug(step.template),
        "person": _slug(step.person),
        "contact_group": _slug(step.contact_group),
        "support_line": _slug(step.support_line),
        "announcement": _slug(step.announcement),
        "phone_lines": [line.slug for line in step.phone_lines.all()],
        "external_card": _slug(step.external_card),
        "alternatives": [{"label": a.label, "text": a.text} for a in step.alternatives.all()],
    }
    return _compact(data, keep=("text",))


def block_steps_to_data(block: Block):
    return [step_to_data(step) for step in block.steps.all()]


def _hours(line: SupportLine):
    if not line.has_hours:
        return None
    return {
        "days": line.day_list,
        "opens": line.opens_at.strftime("%H:%M"),
        "closes": line.closes_at.strftime("%H:%M"),
        "open_on_holidays": line.open_on_holidays,
    }


def _contacts():
    """Contacts are global; a card file carries all of them so that it imports anywhere."""
    return (
        Organisation.objects.all(),
        Person.objects.select_related("organisation"),
        SupportLine.objects.select_related("organisation"),
        ContactGroup.objects.prefetch_related("members__person"),
    )


def card_to_data(card: ActionCard) -> dict:
    organisations, people, lines, groups = _contacts()
    by_slug = lambda qs: sorted(qs, key=lambda o: o.slug)  # noqa: E731
    scenarios = Scenario.objects.filter(card=card).prefetch_related(
        "timers", "links__target_scenario", "links__external_card", "block_uses__block"
    )
    steps_prefetch = (
        "steps__template",
        "steps__person",
        "steps__contact_group",
        "steps__support_line",
        "steps__announcement",
        "steps__phone_lines",
        "steps__external_card",
        "steps__alternatives",
    )
    blocks = {b.pk: b for b in Block.objects.filter(card=card).prefetch_related(*steps_prefetch)}
    footer = sorted(
        (b for b in blocks.values() if b.footer_order is not None), key=lambda b: b.footer_order
    )
    return {
        "card": _compact(
            {
                "slug": card.slug,
                "title": card.title,
                "owner": _slug(card.owner),
                "log_keeper": _slug(card.log_keeper),
                "next_review": card.next_review.isoformat() if card.next_review else None,
                "footer_blocks": [b.slug for b in footer],
            },
        ),
        "organisations": [
            {"slug": o.slug, "name": o.name, "kind": o.kind, "url": o.url}
            for o in by_slug(organisations)
        ],
        "people": [
            {
                "slug": p.slug,
                "name": p.name,
                **_compact({"title": p.title, "organisation": _slug(p.organisation)}),
                "phone": p.phone,
                **_compact({"phone_secondary": p.phone_secondary}),
                "email": p.email,
            }
            for p in by_slug(people)
        ],
        "support_lines": [
            _compact(
                {
                    "slug": line.slug,
                    "name": line.name,
                    "organisation": _slug(line.organisation),
                    "phone": line.phone,
                    "hours": _hours(line),
                },
                keep=("phone",),
            )
            for line in by_slug(lines)
        ],
        "contact_groups": [
            {
                "slug": g.slug,
                "name": g.name,
                "members": [
                    {"person": m.person.slug} if m.person_id else {"email": m.email}
                    for m in g.members.all()
                ],
            }
            for g in by_slug(groups)
        ],
        "phone_lines": [
            {"slug": pl.slug, "name": pl.name, "number": pl.number} for pl in card.phone_lines.all()
        ],
        "announcements": [
            {"slug": a.slug, "name": a.name, "audio_file": a.audio_file, "text": a.text}
            for a in card.announcements.order_by("slug")
        ],
        "external_cards": [
            {"slug": e.slug, "title": e.title, "url": e.url}
            for e in card.external_cards.order_by("slug")
        ],
        "message_templates": [
            {"slug": t.slug, "kind": t.kind, "text": t.text} for t in card.message_templates.all()
        ],
        "shared_blocks": [
            {"slug": b.slug, "title": b.title, "steps": block_steps_to_data(b)}
            for b in sorted(blocks.values(), key=lambda b: b.slug)
            if b.is_shared
        ],
        "scenarios": [
            _compact(
                {
                    "slug": s.slug,
                    "title": s.title,
                    "reason": s.reason,
                    "description": s.description,
                    "timers": [
                        {"slug": t.slug, "name": t.name, "minutes": t.minutes, "text": t.text}
                        for t in s.timers.all()
                    ],
                    "links": [
                        {"scenario": link.target_scenario.slug, "text": link.text}
                        if link.target_scenario_id
                        else {"external_card": link.external_card.slug, "text": link.text}
                        for link in s.links.all()
                    ],
                    "blocks": [
                        {"shared": use.block.slug}
                        if use.block.is_shared
                        else {"steps": block_steps_to_data(blocks[use.block_id])}
                        for use in s.block_uses.all()
                    ],
                }
            )
            for s in scenarios
        ],
    }
