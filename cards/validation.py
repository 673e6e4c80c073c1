"""Checking a card file before anything is written.

`card_import` trusts its input, so every problem must be found here first: the editor
gets *all* of them at once, each with the line in the file and the path in the data
(``x.yaml:42 scenarios[3].blocks[1].steps[0]: trinnet har ingen tekst``), and fixes the
file in one go instead of one error per run.

The shape is `cards.schema`: pydantic checks every field against it (its errors carry
the path, and the schema's kinds raise our Danish messages); then the references and the
rules that span fields run over the same raw data, guided by the same schema, so a wrong
field in a mapping never hides a problem elsewhere in it. Line numbers come from the
composed node tree (it keeps the position of every key and value). The file is read
within bounds (size, depth, time, no anchors) by `cards.card_yaml` first.
"""

import datetime as dt
from dataclasses import dataclass

import yaml
from pydantic import ValidationError

from cards.card_yaml import CONTROL_RE, CardFileError, control_character_message, load_card_yaml
from cards.schema import TOP_LEVEL_KEYS, CardDocument, Shape
from cards.schema.kinds import MAPPING, _is_slug


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


class _Problems(list):
    def __init__(self, lines: dict):
        super().__init__()
        self.lines = lines

    def add(self, path, message):
        path = tuple(path)
        # The nearest position known: a missing key has none, its mapping has one.
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        self.append(Problem(_path_str(path), self.lines.get(probe), message))


def _shape_at(loc) -> type[Shape]:
    """The shape of the mapping at ``loc`` (a path pydantic reported)."""
    shape = CardDocument
    for part in loc:
        if isinstance(part, str):
            inner, _many = shape.nested()[part]
            shape = inner
    return shape


def _schema_problems(data, problems: _Problems):
    """Every field that does not fit the schema, in the project's words."""
    try:
        CardDocument.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    else:
        return
    for error in errors:
        loc, kind = error["loc"], error["type"]
        if kind == "missing":
            problems.add(loc[:-1], f"mangler det krævede felt »{loc[-1]}«")
        elif kind == "extra_forbidden":
            known = ", ".join(_shape_at(loc[:-1]).model_fields)
            problems.add(loc, f"ukendt felt »{loc[-1]}« (kendte felter: {known})")
        elif kind == "model_type":
            problems.add(loc, f"forventede {MAPPING}")
        else:  # the schema's kinds raise the project's message as it is
            problems.add(loc, error["msg"])


def _mappings(shape: type[Shape], raw, path=()):
    """Every mapping in the raw data with the shape that describes it, outermost first."""
    if not isinstance(raw, dict):
        return
    yield shape, raw, path
    for name, (inner, many) in shape.nested().items():
        value = raw.get(name)
        if not many:
            yield from _mappings(inner, value, (*path, name))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                yield from _mappings(inner, item, (*path, name, i))


def _slugs(data, problems: _Problems) -> dict[str, set]:
    """The slugs of every top-level collection; a slug used twice is a problem."""
    slugs = {}
    for collection in CardDocument.reference_names:
        items = data.get(collection)
        seen = set()
        for i, item in enumerate(items if isinstance(items, list) else []):
            slug = item.get("slug") if isinstance(item, dict) else None
            if not isinstance(slug, str):
                continue
            if slug in seen:
                message = f"kort navn »{slug}« er brugt to gange i {collection}"
                problems.add((collection, i, "slug"), message)
            seen.add(slug)
        slugs[collection] = seen
    return slugs


def _reference_problems(shape, raw, path, slugs, problems: _Problems):
    for name, (collection, many) in shape.references().items():
        value = raw.get(name)
        if many:
            # An item that is no slug (or a value that is no list) was reported already.
            items = value if isinstance(value, list) else []
            pairs = [((*path, name, i), v) for i, v in enumerate(items) if _is_slug(v)]
        else:
            pairs = [((*path, name), value)] if isinstance(value, str) else []
        for where, slug in pairs:
            if slug not in slugs[collection]:
                what = CardDocument.reference_names[collection]
                problems.add(where, f"henviser til {what} »{slug}«, som ikke findes")


def _cross_problems(data, problems: _Problems):
    """References and the rules that span fields, over every well-formed mapping."""
    slugs = _slugs(data, problems)
    for shape, raw, path in _mappings(CardDocument, data):
        for below, message in [*shape.format_problems(raw), *shape.rules(raw, slugs)]:
            problems.add((*path, *below), message)
        _reference_problems(shape, raw, path, slugs, problems)


def validate_card_data(data, lines=None) -> list[Problem]:
    """Every problem in already-parsed card data; ``lines`` maps paths to file lines."""
    problems = _Problems(lines or {})
    if not isinstance(data, dict):
        problems.add((), "filen skal være en tabel med nøglerne " + ", ".join(TOP_LEVEL_KEYS))
        return list(problems)
    _schema_problems(data, problems)
    _cross_problems(data, problems)
    return list(problems)


def _scalar_problems(node, path, problems):
    # Escapes ("\\0", "\\x1b") pass the check of the raw file; their value does not.
    bad = CONTROL_RE.search(node.value)
    if bad:
        message = control_character_message(bad.group())
        problems.append(Problem(_path_str(path), node.start_mark.line + 1, message))


def _key_problems(key_node, path, seen, problems):
    key, line = key_node.value, key_node.start_mark.line + 1
    bad = CONTROL_RE.search(str(key))
    if bad:
        problems.append(Problem(_path_str(path), line, control_character_message(bad.group())))
    if key in seen:
        problems.append(Problem(_path_str((*path, key)), line, f"feltet »{key}« står to gange"))


def _line_index(node, path=(), lines=None, problems=None):
    """Map every path in the document to its 1-based line; note duplicate keys on the way."""
    lines = {} if lines is None else lines
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode) and problems is not None:
        _scalar_problems(node, path, problems)
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if problems is not None:
                _key_problems(key_node, path, seen, problems)
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), lines, problems)
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _line_index(child, (*path, i), lines, problems)
    return lines


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
