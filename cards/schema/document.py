"""The card document: every mapping a card file (and a published snapshot) is made of.

Fields are declared in the order the export writes them; a field with a default may be
left out of a file. ``rules`` holds what one field cannot say by itself (either this or
that, a reference's target, a name the importer will generate).
"""

from typing import Annotated, ClassVar

from pydantic import AfterValidator

from cards import models as cards_db
from cards.placeholders import template_problems
from cards.schema.kinds import (
    TIME_RE,
    Bool,
    Int,
    ListOf,
    NullableDate,
    NullableMapping,
    NullableSlug,
    OptionalListOf,
    OptionalSlug,
    OptionalText,
    References,
    Shape,
    Slug,
    Text,
    Time,
    choice,
)
from contacts import models as contacts_db


def _is_list(value) -> bool:
    return isinstance(value, list)


def _either(raw, what, one, other):
    """Exactly one of two keys: a member is a person or an address, never both."""
    if (one in raw) == (other in raw):
        return [((), f"{what} har enten »{one}« eller »{other}«")]
    return []


class Organisation(Shape):
    columns = contacts_db.Organisation
    slug: Slug
    name: Text
    kind: Text
    url: Text = ""


class Person(Shape):
    columns = contacts_db.Person
    omit_empty = frozenset({"title", "organisation", "phone_secondary"})
    slug: Slug
    name: Text
    title: Text = ""
    organisation: Annotated[NullableSlug, References("organisations")] = None
    phone: Text = ""
    phone_secondary: Text = ""
    email: Text = ""


# After the check that it is text at all.
Weekday = Annotated[Text, AfterValidator(lambda v: choice(v, contacts_db.WEEKDAYS, "dag"))]


class Hours(Shape):
    days: ListOf[Weekday]
    opens: Time
    closes: Time
    open_on_holidays: Bool = False

    @classmethod
    def rules(cls, raw, slugs):
        opens, closes = raw.get("opens"), raw.get("closes")
        well_formed = all(isinstance(t, str) and TIME_RE.match(t) for t in (opens, closes))
        if well_formed and opens >= closes:
            return [(("closes",), "lukketid skal ligge efter åbningstid")]
        return []


class SupportLine(Shape):
    columns = contacts_db.SupportLine
    omit_empty = frozenset({"slug", "name", "organisation", "hours"})
    slug: Slug
    name: Text
    organisation: Annotated[NullableSlug, References("organisations")] = None
    phone: Text
    hours: Annotated[Hours | None, NullableMapping] = None


class Member(Shape):
    columns = contacts_db.ContactGroupMember
    person: Annotated[OptionalSlug, References("people")] = None
    email: OptionalText = None

    @classmethod
    def rules(cls, raw, slugs):
        return _either(raw, "et medlem", "person", "email")


class ContactGroup(Shape):
    columns = contacts_db.ContactGroup
    slug: Slug
    name: Text
    members: ListOf[Member] = []


class PhoneLine(Shape):
    columns = cards_db.PhoneLine
    slug: Slug
    name: Text
    number: Text


class Announcement(Shape):
    columns = cards_db.Announcement
    slug: Slug
    name: Text
    audio_file: Text
    text: Text


class ExternalCard(Shape):
    columns = cards_db.ExternalCard
    slug: Slug
    title: Text
    url: Text = ""


class MessageTemplate(Shape):
    columns = cards_db.MessageTemplate
    slug: Slug
    kind: Text
    text: Text

    @classmethod
    def rules(cls, raw, slugs):
        text = raw.get("text")
        return (
            [(("text",), message) for message in template_problems(text)]
            if isinstance(text, str)
            else []
        )


class Alternative(Shape):
    columns = cards_db.StepAlternative
    label: Text
    text: Text


class Step(Shape):
    columns = cards_db.Step
    choice_word = "trintype"
    omit_empty = frozenset(
        {"kind", "template", "person", "contact_group", "support_line", "announcement"}
        | {"phone_lines", "external_card", "alternatives"}
    )
    kind: Text
    text: Text = ""
    template: Annotated[OptionalSlug, References("message_templates")] = None
    person: Annotated[OptionalSlug, References("people")] = None
    contact_group: Annotated[OptionalSlug, References("contact_groups")] = None
    support_line: Annotated[OptionalSlug, References("support_lines")] = None
    announcement: Annotated[OptionalSlug, References("announcements")] = None
    phone_lines: Annotated[ListOf[Slug], References("phone_lines")] = []
    external_card: Annotated[OptionalSlug, References("external_cards")] = None
    alternatives: ListOf[Alternative] = []

    @classmethod
    def rules(cls, raw, slugs):
        found = []
        if not str(raw.get("text") or "").strip() and not raw.get("template"):
            found.append(((), "trinnet har ingen tekst (og ingen skabelon)"))
        alternatives = raw.get("alternatives")
        if _is_list(alternatives) and alternatives and raw.get("kind") != "decision":
            found.append((("alternatives",), "kun et trin af typen decision har alternativer"))
        return found


class SharedBlock(Shape):
    columns = cards_db.Block
    slug: Slug
    title: Text = ""
    steps: ListOf[Step]


class Timer(Shape):
    """A deadline that starts with an incident; ``minutes`` from its start."""

    columns = cards_db.ScenarioTimer
    slug: Slug
    name: Text
    minutes: Int
    text: Text = ""

    @classmethod
    def rules(cls, raw, slugs):
        minutes = raw.get("minutes")
        if isinstance(minutes, int) and minutes < 1:
            return [(("minutes",), "en timer skal vare mindst ét minut")]
        return []


class Link(Shape):
    columns = cards_db.ScenarioLink
    scenario: Annotated[OptionalSlug, References("scenarios")] = None
    external_card: Annotated[OptionalSlug, References("external_cards")] = None
    text: Text

    @classmethod
    def rules(cls, raw, slugs):
        return _either(raw, "en henvisning", "scenario", "external_card")


class BlockUse(Shape):
    """A scenario's block: a shared block by name, or steps of its own."""

    shared: Annotated[OptionalSlug, References("shared_blocks")] = None
    steps: OptionalListOf[Step] = None

    @classmethod
    def rules(cls, raw, slugs):
        return _either(raw, "en blok", "shared", "steps")


def own_block_slug(scenario_slug: str, n: int) -> str:
    """The name the importer gives a scenario's ``n``-th own block (1-based)."""
    return f"{scenario_slug}-{n}"


class Scenario(Shape):
    columns = cards_db.Scenario
    omit_empty = frozenset({"slug", "title", "reason", "description", "timers", "links", "blocks"})
    slug: Slug
    title: Text
    reason: Text
    description: Text = ""
    timers: ListOf[Timer] = []
    links: ListOf[Link] = []
    blocks: ListOf[BlockUse]

    @classmethod
    def rules(cls, raw, slugs):
        found, seen = [], set()
        timers = raw.get("timers") if _is_list(raw.get("timers")) else []
        for i, timer in enumerate(timers):
            if not isinstance(timer, dict) or not isinstance(timer.get("slug"), str):
                continue
            if timer.get("slug") in seen:
                message = f"timeren »{timer['slug']}« findes allerede i scenariet"
                found.append((("timers", i, "slug"), message))
            seen.add(timer.get("slug"))
        own = 0
        blocks = raw.get("blocks") if _is_list(raw.get("blocks")) else []
        for i, use in enumerate(blocks):
            if isinstance(use, dict) and "steps" in use:
                own += 1
                generated = own_block_slug(raw.get("slug"), own)
                if generated in slugs["shared_blocks"]:
                    message = f"en fælles blok hedder allerede »{generated}«; omdøb den"
                    found.append((("blocks", i), message))
        return found


class Card(Shape):
    columns = cards_db.ActionCard
    omit_empty = frozenset({"slug", "title", "footer_blocks"})
    slug: Slug
    title: Text
    owner: Annotated[NullableSlug, References("people")] = None
    log_keeper: Annotated[NullableSlug, References("people")] = None
    next_review: NullableDate = None
    footer_blocks: Annotated[ListOf[Slug], References("shared_blocks")] = []


class CardDocument(Shape):
    """A whole card file: the card, the contacts it uses (all of them) and its content."""

    card: Card
    organisations: ListOf[Organisation]
    people: ListOf[Person]
    support_lines: ListOf[SupportLine]
    contact_groups: ListOf[ContactGroup]
    phone_lines: ListOf[PhoneLine]
    announcements: ListOf[Announcement]
    external_cards: ListOf[ExternalCard]
    message_templates: ListOf[MessageTemplate]
    shared_blocks: ListOf[SharedBlock]
    scenarios: ListOf[Scenario]

    # Top-level list -> what a reference to one of its items is called in a message.
    reference_names: ClassVar[dict[str, str]] = {
        "organisations": "organisationen",
        "people": "personen",
        "support_lines": "supportlinjen",
        "contact_groups": "kontaktgruppen",
        "phone_lines": "telefonlinjen",
        "announcements": "infobeskeden",
        "external_cards": "det eksterne kort",
        "message_templates": "beskedskabelonen",
        "shared_blocks": "den fælles blok",
        "scenarios": "scenariet",
    }


TOP_LEVEL_KEYS = tuple(CardDocument.model_fields)
