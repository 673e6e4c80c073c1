"""Checking a card file before anything is written.

`card_import` trusts its input, so every problem must be found here first: the editor
gets *all* of them at once, each with the line in the file and the path in the data
(``x.yaml:42 scenarios[3].blocks[1].steps[0]: trinnet har ingen tekst``), and fixes the
file in one go instead of one error per run.

Line numbers come from the composed node tree (it keeps the position of every key and
value); the checks themselves run on the plain data built from that tree. The file is
read within bounds (size, depth, time, no anchors) by `cards.card_yaml` first.
"""

import datetime as dt
from dataclasses import dataclass

import yaml
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import connection

from cards.card_shapes import KINDS, SHAPES, TIME_RE
from cards.card_yaml import CONTROL_RE, CardFileError, control_character_message, load_card_yaml
from cards.models import MessageTemplate, Step
from cards.placeholders import template_problems
from cards.serialization import TOP_LEVEL_KEYS
from contacts.models import WEEKDAYS, Organisation
from core.formatting import InvalidPhoneNumber, phone_normalise


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def format(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def _path_str(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _shape_models():
    """The model each shape is written to, so text longer than its column is caught here."""
    from cards import models as m
    from contacts import models as c

    return {
        "card": m.ActionCard,
        "organisation": c.Organisation,
        "person": c.Person,
        "support_line": c.SupportLine,
        "contact_group": c.ContactGroup,
        "phone_line": m.PhoneLine,
        "announcement": m.Announcement,
        "external_card": m.ExternalCard,
        "message_template": m.MessageTemplate,
        "shared_block": m.Block,
        "scenario": m.Scenario,
        "timer": m.ScenarioTimer,
        "link": m.ScenarioLink,
        "step": m.Step,
        "alternative": m.StepAlternative,
    }


def _field(shape_name, key):
    model = _shape_models().get(shape_name)
    try:
        return model._meta.get_field(key) if model else None
    except FieldDoesNotExist:
        return None


def _max_length(shape_name, key):
    field = _field(shape_name, key)
    return field.max_length if field is not None else None


def _int_range(shape_name, key):
    """What the column takes (PostgreSQL integer, smallint …), so the database never errs."""
    field = _field(shape_name, key)
    if field is None:
        return None, None
    return connection.ops.integer_field_range(field.get_internal_type())


# Fields that hold a phone number, by shape.
PHONE_FIELDS = {
    "person": ("phone", "phone_secondary"),
    "support_line": ("phone",),
    "phone_line": ("number",),
}


# Top-level list -> (shape of its items, what a reference to one is called in Danish).
COLLECTIONS = {
    "organisations": ("organisation", "organisationen"),
    "people": ("person", "personen"),
    "support_lines": ("support_line", "supportlinjen"),
    "contact_groups": ("contact_group", "kontaktgruppen"),
    "phone_lines": ("phone_line", "telefonlinjen"),
    "announcements": ("announcement", "infobeskeden"),
    "external_cards": ("external_card", "det eksterne kort"),
    "message_templates": ("message_template", "beskedskabelonen"),
    "shared_blocks": ("shared_block", "den fælles blok"),
    "scenarios": ("scenario", "scenariet"),
}

# Step field -> collection it refers to.
STEP_REFS = {
    "template": "message_templates",
    "person": "people",
    "contact_group": "contact_groups",
    "support_line": "support_lines",
    "announcement": "announcements",
    "external_card": "external_cards",
}


class _Checker:
    def __init__(self, lines: dict):
        self.lines = lines
        self.problems: list[Problem] = []
        self.slugs: dict[str, set] = {}

    def add(self, path, message):
        path = tuple(path)
        # The nearest position known: a missing key has none, its mapping has one.
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        self.problems.append(Problem(_path_str(path), self.lines.get(probe), message))

    def shape(self, value, path, shape_name) -> bool:
        """Check a mapping against its shape; False when it is not a mapping at all."""
        if not isinstance(value, dict):
            self.add(path, f"forventede {KINDS['mapping'][1]}")
            return False
        shape = SHAPES[shape_name]
        for key, item in value.items():
            if key not in shape:
                known = ", ".join(shape)
                self.add((*path, key), f"ukendt felt »{key}« (kendte felter: {known})")
                continue
            kind, _ = shape[key]
            nullable = kind.endswith("?")
            kind = kind.rstrip("?")
            if item is None and nullable:
                continue
            check, description = KINDS[kind]
            if not check(item):
                self.add((*path, key), f"forventede {description}, fandt {_describe(item)}")
            elif isinstance(item, str) and len(item) > (_max_length(shape_name, key) or len(item)):
                limit = _max_length(shape_name, key)
                self.add((*path, key), f"højst {limit} tegn, fandt {len(item)}")
            elif key in PHONE_FIELDS.get(shape_name, ()) and item:
                self.phone((*path, key), item)
            elif kind == "int":
                low, high = _int_range(shape_name, key)
                if (low is not None and item < low) or (high is not None and item > high):
                    self.add((*path, key), f"tallet skal ligge mellem {low} og {high}")
        for key, (_, required) in shape.items():
            if required and key not in value:
                self.add(path, f"mangler det krævede felt »{key}«")
        return True

    def items(self, data, key, shape_name):
        """The well-formed mappings of a top-level list, with their paths."""
        value = data.get(key)
        if not isinstance(value, list):
            return []
        out = []
        for i, item in enumerate(value):
            if self.shape(item, (key, i), shape_name):
                out.append(((key, i), item))
        return out

    def unique_slugs(self, items, collection):
        seen = set()
        for path, item in items:
            slug = item.get("slug")
            if not isinstance(slug, str):
                continue
            if slug in seen:
                self.add((*path, "slug"), f"kort navn »{slug}« er brugt to gange i {collection}")
            seen.add(slug)
        self.slugs[collection] = seen

    def ref(self, path, value, collection):
        if isinstance(value, str) and value not in self.slugs.get(collection, set()):
            self.add(path, f"henviser til {COLLECTIONS[collection][1]} »{value}«, som ikke findes")

    def list_item(self, path, value, kind) -> bool:
        """Items of a list of names (no shape checks them): must be of ``kind``."""
        check, description = KINDS[kind]
        if not check(value):
            self.add(path, f"forventede {description}, fandt {_describe(value)}")
            return False
        return True

    def choice(self, path, value, choices, what):
        if isinstance(value, str) and value not in choices:
            self.add(path, f"ukendt {what} »{value}« (brug {', '.join(choices)})")

    def phone(self, path, value):
        try:
            phone_normalise(value)
        except InvalidPhoneNumber:
            self.add(
                path,
                f"»{value[:40]}« er ikke et telefonnummer (skriv fx 29204259 eller +46812345678)",
            )

    def email(self, path, value):
        if isinstance(value, str) and value:
            try:
                validate_email(value)
            except ValidationError:
                self.add(path, f"»{value}« er ikke en gyldig e-mailadresse")

    def url(self, path, value):
        if isinstance(value, str) and value:
            try:
                URLValidator()(value)
            except ValidationError:
                self.add(path, f"»{value}« er ikke en gyldig webadresse")


def _list(value):
    """A list to walk; anything else was already reported as the wrong type."""
    return value if isinstance(value, list) else []


def _describe(value):
    if value is None:
        return "ingenting (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int) and abs(value) >= 10**18:
        return "et meget stort tal (sæt anførselstegn om tekst og telefonnumre)"
    if isinstance(value, int | float):
        return f"tallet {value} (sæt anførselstegn om tekst og telefonnumre)"
    if isinstance(value, list):
        return "en liste"
    if isinstance(value, dict):
        return "en tabel"
    return f"»{value}«"


def _line_index(node, path=(), lines=None, problems=None):
    """Map every path in the document to its 1-based line; note duplicate keys on the way."""
    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode) and problems is not None:
        # Escapes ("\\0", "\\x1b") pass the check of the raw file; their value does not.
        bad = CONTROL_RE.search(node.value)
        if bad:
            problems.append(
                Problem(
                    _path_str(path),
                    node.start_mark.line + 1,
                    control_character_message(bad.group()),
                )
            )
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if problems is not None and CONTROL_RE.search(str(key)):
                bad = CONTROL_RE.search(str(key)).group()
                problems.append(
                    Problem(
                        _path_str(path),
                        key_node.start_mark.line + 1,
                        control_character_message(bad),
                    )
                )
            if key in seen and problems is not None:
                problems.append(
                    Problem(
                        _path_str((*path, key)),
                        key_node.start_mark.line + 1,
                        f"feltet »{key}« står to gange",
                    )
                )
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _line_index(child, (*path, i), lines, problems)
    return lines


def _check_contacts(c: _Checker, data):
    orgs = c.items(data, "organisations", "organisation")
    c.unique_slugs(orgs, "organisations")
    for path, item in orgs:
        c.choice((*path, "kind"), item.get("kind"), Organisation.Kind.values, "type")
        c.url((*path, "url"), item.get("url"))

    people = c.items(data, "people", "person")
    c.unique_slugs(people, "people")
    for path, item in people:
        c.ref((*path, "organisation"), item.get("organisation"), "organisations")
        c.email((*path, "email"), item.get("email"))

    lines = c.items(data, "support_lines", "support_line")
    c.unique_slugs(lines, "support_lines")
    for path, item in lines:
        c.ref((*path, "organisation"), item.get("organisation"), "organisations")
        hours = item.get("hours")
        if isinstance(hours, dict) and c.shape(hours, (*path, "hours"), "hours"):
            for i, day in enumerate(_list(hours.get("days"))):
                if c.list_item((*path, "hours", "days", i), day, "text"):
                    c.choice((*path, "hours", "days", i), day, WEEKDAYS, "dag")
            opens, closes = hours.get("opens"), hours.get("closes")
            well_formed = all(isinstance(t, str) and TIME_RE.match(t) for t in (opens, closes))
            if well_formed and opens >= closes:
                c.add((*path, "hours", "closes"), "lukketid skal ligge efter åbningstid")

    groups = c.items(data, "contact_groups", "contact_group")
    c.unique_slugs(groups, "contact_groups")
    for path, item in groups:
        for i, member in enumerate(_list(item.get("members"))):
            mpath = (*path, "members", i)
            if not c.shape(member, mpath, "member"):
                continue
            if ("person" in member) == ("email" in member):
                c.add(mpath, "et medlem har enten »person« eller »email«")
            c.ref((*mpath, "person"), member.get("person"), "people")
            c.email((*mpath, "email"), member.get("email"))


def _check_steps(c: _Checker, steps, path):
    if not isinstance(steps, list):
        return
    for i, step in enumerate(steps):
        spath = (*path, i)
        if not c.shape(step, spath, "step"):
            continue
        c.choice((*spath, "kind"), step.get("kind"), Step.Kind.values, "trintype")
        if not str(step.get("text") or "").strip() and not step.get("template"):
            c.add(spath, "trinnet har ingen tekst (og ingen skabelon)")
        for field, collection in STEP_REFS.items():
            c.ref((*spath, field), step.get(field), collection)
        for j, line in enumerate(_list(step.get("phone_lines"))):
            if c.list_item((*spath, "phone_lines", j), line, "slug"):
                c.ref((*spath, "phone_lines", j), line, "phone_lines")
        alternatives = _list(step.get("alternatives"))
        if alternatives and step.get("kind") != Step.Kind.DECISION:
            c.add((*spath, "alternatives"), "kun et trin af typen decision har alternativer")
        for j, alt in enumerate(alternatives):
            c.shape(alt, (*spath, "alternatives", j), "alternative")


def _check_card_content(c: _Checker, data):
    for key in ("phone_lines", "announcements", "external_cards"):
        c.unique_slugs(c.items(data, key, COLLECTIONS[key][0]), key)
    for path, item in c.items(data, "external_cards", "external_card"):
        c.url((*path, "url"), item.get("url"))

    templates = c.items(data, "message_templates", "message_template")
    c.unique_slugs(templates, "message_templates")
    for path, item in templates:
        c.choice((*path, "kind"), item.get("kind"), MessageTemplate.Kind.values, "type")
        if isinstance(item.get("text"), str):
            for message in template_problems(item["text"]):
                c.add((*path, "text"), message)

    blocks = c.items(data, "shared_blocks", "shared_block")
    c.unique_slugs(blocks, "shared_blocks")
    for path, item in blocks:
        _check_steps(c, item.get("steps"), (*path, "steps"))

    scenarios = c.items(data, "scenarios", "scenario")
    c.unique_slugs(scenarios, "scenarios")
    for path, item in scenarios:
        timers = [
            ((*path, "timers", i), t)
            for i, t in enumerate(_list(item.get("timers")))
            if c.shape(t, (*path, "timers", i), "timer")
        ]
        seen = set()
        for tpath, timer in timers:
            if timer.get("slug") in seen:
                c.add((*tpath, "slug"), f"timeren »{timer['slug']}« findes allerede i scenariet")
            seen.add(timer.get("slug"))
            if isinstance(timer.get("minutes"), int) and timer["minutes"] < 1:
                c.add((*tpath, "minutes"), "en timer skal vare mindst ét minut")
        for i, link in enumerate(_list(item.get("links"))):
            lpath = (*path, "links", i)
            if not c.shape(link, lpath, "link"):
                continue
            if ("scenario" in link) == ("external_card" in link):
                c.add(lpath, "en henvisning har enten »scenario« eller »external_card«")
            c.ref((*lpath, "scenario"), link.get("scenario"), "scenarios")
            c.ref((*lpath, "external_card"), link.get("external_card"), "external_cards")
        own = 0
        for i, use in enumerate(_list(item.get("blocks"))):
            bpath = (*path, "blocks", i)
            if not c.shape(use, bpath, "block_use"):
                continue
            if ("shared" in use) == ("steps" in use):
                c.add(bpath, "en blok har enten »shared« eller »steps«")
            c.ref((*bpath, "shared"), use.get("shared"), "shared_blocks")
            if "steps" in use:
                own += 1
                # The importer names a scenario's own blocks "<scenario>-<n>".
                generated = f"{item.get('slug')}-{own}"
                if generated in c.slugs["shared_blocks"]:
                    c.add(bpath, f"en fælles blok hedder allerede »{generated}«; omdøb den")
                _check_steps(c, use["steps"], (*bpath, "steps"))

    meta = data.get("card")
    if isinstance(meta, dict):
        c.ref(("card", "owner"), meta.get("owner"), "people")
        c.ref(("card", "log_keeper"), meta.get("log_keeper"), "people")
        for i, slug in enumerate(_list(meta.get("footer_blocks"))):
            if c.list_item(("card", "footer_blocks", i), slug, "slug"):
                c.ref(("card", "footer_blocks", i), slug, "shared_blocks")


def validate_card_data(data, lines=None) -> list[Problem]:
    """Every problem in already-parsed card data; ``lines`` maps paths to file lines."""
    c = _Checker(lines or {})
    if not isinstance(data, dict):
        c.add((), "filen skal være en tabel med nøglerne " + ", ".join(TOP_LEVEL_KEYS))
        return c.problems
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            c.add((key,), f"ukendt felt »{key}« (kendte felter: {', '.join(TOP_LEVEL_KEYS)})")
    for key in TOP_LEVEL_KEYS:
        if key not in data:
            c.add((), f"mangler det krævede felt »{key}«")
        elif key == "card":
            c.shape(data["card"], ("card",), "card")
        elif not isinstance(data[key], list):
            c.add((key,), f"forventede en liste, fandt {_describe(data[key])}")
    _check_contacts(c, data)
    _check_card_content(c, data)
    return c.problems


def parse_card_yaml(text: str) -> tuple[dict | None, list[Problem]]:
    """Parse and validate a card file: (data ready for `card_import`, problems)."""
    try:
        node, data = load_card_yaml(text)
    except CardFileError as exc:
        return None, [Problem("", exc.line, exc.message)]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [Problem("", line, f"ugyldig YAML: {problem}")]
    if node is None:
        return None, [Problem("", None, "filen er tom")]
    problems: list[Problem] = []
    lines = _line_index(node, problems=problems)
    problems += validate_card_data(data, lines)
    problems.sort(key=lambda p: p.line or 0)
    if problems:
        return None, problems
    # A date written without quotes arrives as a date; the importer expects ISO text.
    next_review = data["card"].get("next_review")
    if isinstance(next_review, dt.date):
        data["card"]["next_review"] = next_review.isoformat()
    return data, []
