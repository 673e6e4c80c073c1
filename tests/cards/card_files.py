"""Card files made up for the bounds tests: a large valid one and hostile ones."""

from pathlib import Path

import yaml

SEED = Path(__file__).resolve().parents[2] / "cards" / "data" / "telefoni.yaml"


def seed_data():
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


def dump(data):
    # libyaml's emitter: the pure-Python one takes many seconds for a megabyte.
    return yaml.dump(data, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=4096)


def located_problems(data, marker):
    """The line of ``data``'s card file that holds ``marker``, and the file's problems as
    an editor reads them (``x.yaml:LINE path: message``)."""
    from cards.validation import parse_card_yaml

    text = dump(data)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if marker in s)
    _, problems = parse_card_yaml(text)
    return line, [p.format("x.yaml") for p in problems]


def made_up_scenario(i, shared_block, step_texts):
    """Made-up scenario number ``i``: the shared block, then its own action steps."""
    return {
        "slug": f"testscenarie-{i}",
        "title": f"Testscenarie {i}",
        "reason": "test",
        "blocks": [
            {"shared": shared_block},
            {"steps": [{"kind": "action", "text": text} for text in step_texts]},
        ],
    }


def large_card_text(size=1024 * 1024):
    """A card file of at least ``size`` bytes: the seed with made-up scenarios added.

    Valid in every way but its number of entries (a MB of scenarios is thousands of them).
    """
    data = seed_data()
    base = len(dump(data).encode())
    step_text = "Testtrin: ring til vagten og skriv i loggen, hvad der er sket. " * 4
    shared = data["shared_blocks"][0]["slug"]
    step_texts = [f"{step_text}{n}" for n in range(6)]

    # Dumping once per scenario would take minutes; measure one and add them all.
    one = len(dump({"scenarios": [made_up_scenario(10_000, shared, step_texts)]}).encode())
    count = (size - base) // one + 1
    while True:
        added = [made_up_scenario(i, shared, step_texts) for i in range(count)]
        text = dump({**data, "scenarios": data["scenarios"] + added})
        if len(text.encode()) >= size:
            return text
        count += count // 20 + 1


def card_with_entries(entries):
    """A valid card file with about ``entries`` mappings: the largest the bounds allow."""
    data = seed_data()
    base = 122  # the seed's own entries
    per_scenario = 8  # scenario, 2 block uses, 5 steps
    shared = data["shared_blocks"][0]["slug"]
    step_texts = [f"Testtrin {n}" for n in range(5)]
    for i in range(max(0, (entries - base) // per_scenario)):
        data["scenarios"].append(made_up_scenario(i, shared, step_texts))
    return dump(data)


def billion_laughs(levels=9):
    lines = ['a0: &a0 ["ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha", "ha"]']
    for n in range(1, levels + 1):
        refs = ", ".join([f"*a{n - 1}"] * 10)
        lines.append(f"a{n}: &a{n} [{refs}]")
    return "\n".join(lines) + "\n"


def deeply_nested(depth=10_000):
    return "card: " + "[" * depth + "]" * depth + "\n"
