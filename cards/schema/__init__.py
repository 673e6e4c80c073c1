"""The card document, defined once: what `cards/data/*.yaml` and a published snapshot hold.

Validation (`cards.validation`), the export (`cards.serialization`), the import
(`cards.services.card_import`) and the reading of a snapshot (`cards.snapshots`) all
derive from these classes, so a new field is added here and nowhere else. A snapshot is
this schema's dump, already checked when it was written; it is read as a dict (with the
schema's defaults for what the export left out), because validating it again on every
page would cost more than building the page's view of it.

Why pydantic v2 rather than msgspec: the checks need custom validators that raise the
project's Danish messages at a location we can map to a file line (pydantic's errors
carry the full path, ``("scenarios", 3, "blocks", 1, "steps", 0)``), ``model_validate``
takes the plain dicts YAML and the JSON snapshot column give us, field metadata lets the
reference checks and the column bounds be read off the same declarations, and pydantic
is already a dependency of the tools around us. msgspec is faster at decoding bytes, but
we never decode with it (YAML is parsed by libyaml within bounds first) and its errors
stop at the first problem, where an editor needs all of them at once.
"""

from cards.schema.document import (
    TOP_LEVEL_KEYS,
    Alternative,
    Announcement,
    BlockUse,
    Card,
    CardDocument,
    ContactGroup,
    ExternalCard,
    Hours,
    Link,
    Member,
    MessageTemplate,
    Organisation,
    Person,
    PhoneLine,
    Scenario,
    SharedBlock,
    Step,
    SupportLine,
    Timer,
    own_block_slug,
)
from cards.schema.kinds import Shape

__all__ = [
    "TOP_LEVEL_KEYS",
    "Alternative",
    "Announcement",
    "BlockUse",
    "Card",
    "CardDocument",
    "ContactGroup",
    "ExternalCard",
    "Hours",
    "Link",
    "Member",
    "MessageTemplate",
    "Organisation",
    "Person",
    "PhoneLine",
    "Scenario",
    "Shape",
    "SharedBlock",
    "Step",
    "SupportLine",
    "Timer",
    "own_block_slug",
]
