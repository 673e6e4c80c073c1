"""Reading a published card version (its snapshot: a `cards.schema.CardDocument` dump).

Staff pages, incidents and PDFs all read a card through these views, so a scenario is
assembled — shared blocks expanded, templates filled, references resolved — in one place.
Keys the export leaves out when empty are read with the schema's defaults.
"""

from dataclasses import dataclass, field

from cards import schema
from cards.placeholders import fill_template

# What a key left out of a snapshot stands for; read once, the pages read steps by the
# thousand.
CARD, SCENARIO, LINK, STEP = (
    shape.defaults() for shape in (schema.Card, schema.Scenario, schema.Link, schema.Step)
)

# The paper card's columns, by step kind.
COLUMN_OF_KIND = {
    "action": "solution",
    "decision": "solution",
    "note": "solution",
    "communication": "communication",
    "responsibility": "responsible",
}


@dataclass(frozen=True)
class StepView:
    key: str  # stable across scenarios for a shared block: "kommunikation/0"
    block: str
    shared: bool
    kind: str
    text: str
    person: dict | None = None
    contact_group: dict | None = None
    support_line: dict | None = None
    announcement: dict | None = None
    phone_lines: list = field(default_factory=list)
    external_card: dict | None = None
    alternatives: list = field(default_factory=list)

    @property
    def column(self):
        return COLUMN_OF_KIND[self.kind]

    @property
    def anchor(self):
        """HTML id of the step on its page; the same for a shared step in every scenario."""
        return "trin-" + self.key.replace("/", "-")


@dataclass(frozen=True)
class ScenarioView:
    slug: str
    title: str
    reason: str
    description: str
    order: int
    steps: list[StepView]
    links: list[dict]
    timers: list[dict]

    def steps_in(self, column):
        return [s for s in self.steps if s.column == column]


class CardSnapshot:
    """Index over one snapshot dict; cheap to build, no database access."""

    def __init__(self, data: dict):
        self.data = data
        self.card = data["card"]
        self.people = {p["slug"]: p for p in data["people"]}
        self.organisations = {o["slug"]: o for o in data["organisations"]}
        self.support_lines = {s["slug"]: s for s in data["support_lines"]}
        self.groups = {g["slug"]: self._group(g) for g in data["contact_groups"]}
        self.phone_lines = {p["slug"]: p for p in data["phone_lines"]}
        self.announcements = {a["slug"]: a for a in data["announcements"]}
        self.external_cards = {e["slug"]: e for e in data["external_cards"]}
        self.templates = {t["slug"]: t for t in data["message_templates"]}
        self.shared_blocks = {b["slug"]: b for b in data["shared_blocks"]}
        self._scenarios = {s["slug"]: (i, s) for i, s in enumerate(data["scenarios"])}

    def _group(self, group):
        members = []
        for m in group["members"]:
            if "person" in m:
                members.append(dict(self.people[m["person"]]))
            else:
                members.append({"name": m["email"], "phone": "", "email": m["email"]})
        return {"slug": group["slug"], "name": group["name"], "members": members}

    @property
    def log_keeper(self):
        return self.people.get(self.card.get("log_keeper", CARD["log_keeper"]))

    def scenario_slugs(self):
        return list(self._scenarios)

    def fill(self, template_slug, scenario):
        return fill_template(
            self.templates[template_slug]["text"],
            reason=scenario["reason"],
            scenario=scenario["title"],
        )

    def _step(self, item, *, key, block, shared, scenario):
        def read(name):
            return item.get(name, STEP[name])

        text = read("text")
        if read("template"):
            text = self.fill(read("template"), scenario)
        return StepView(
            key=key,
            block=block,
            shared=shared,
            kind=item["kind"],
            text=text,
            person=self.people.get(read("person")),
            contact_group=self.groups.get(read("contact_group")),
            support_line=self.support_lines.get(read("support_line")),
            announcement=self.announcements.get(read("announcement")),
            phone_lines=[self.phone_lines[s] for s in read("phone_lines")],
            external_card=self.external_cards.get(read("external_card")),
            alternatives=list(read("alternatives")),
        )

    def scenario(self, slug) -> ScenarioView:
        order, data = self._scenarios[slug]
        steps, own = [], 0
        for use in data["blocks"]:
            if "shared" in use:
                block, shared, items = use["shared"], True, self.shared_blocks[use["shared"]]
                items = items["steps"]
            else:
                own += 1
                block, shared, items = schema.own_block_slug(slug, own), False, use["steps"]
            steps += [
                self._step(item, key=f"{block}/{i}", block=block, shared=shared, scenario=data)
                for i, item in enumerate(items)
            ]
        links = []
        for link in data.get("links", SCENARIO["links"]):
            target = link.get("scenario", LINK["scenario"])
            links.append(
                {
                    "text": link["text"],
                    "scenario": target,
                    "scenario_title": self._scenarios[target][1]["title"] if target else None,
                    "external_card": self.external_cards.get(
                        link.get("external_card", LINK["external_card"])
                    ),
                }
            )
        return ScenarioView(
            slug=slug,
            title=data["title"],
            reason=data["reason"],
            description=data.get("description", SCENARIO["description"]),
            order=order,
            steps=steps,
            links=links,
            timers=list(data.get("timers", SCENARIO["timers"])),
        )

    def scenarios(self):
        return [self.scenario(slug) for slug in self._scenarios]

    def footer_steps(self):
        steps = []
        for slug in self.card.get("footer_blocks", CARD["footer_blocks"]):
            for i, item in enumerate(self.shared_blocks[slug]["steps"]):
                steps.append(
                    self._step(
                        item,
                        key=f"{slug}/{i}",
                        block=slug,
                        shared=True,
                        scenario={"reason": "", "title": self.card["title"]},
                    )
                )
        return steps
