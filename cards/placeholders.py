"""Filling a message template: the one function that puts {reason} and {scenario} in.

Templates are typed by editors (admin, card files), so they are never given to
``str.format``: that would obey format specs and conversions (``{reason:>5000000}``
made a 5 MB page) and attribute or index lookups (``{reason.__class__}``). Here only the
named placeholders in ``PLACEHOLDERS`` are replaced, ``{{`` and ``}}`` stand for single
braces, and anything else is left as written. Entry points refuse such text with the
messages of `template_problems`, so the fill only meets it in old data.
"""

import re

PLACEHOLDERS = ("reason", "scenario")

# One token at a time: an escaped brace, a {…} with no braces inside, or a lone brace.
_TOKEN_RE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def template_problems(text: str) -> list[str]:
    """What is wrong with a template, in Danish; [] when it may be saved."""
    problems = []
    for match in _TOKEN_RE.finditer(text or ""):
        token, name = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            continue
        if name is None:
            message = "krøllede parenteser passer ikke sammen (skriv {{ og }} for en parentes)"
        elif name in PLACEHOLDERS:
            continue
        elif any(c in name for c in ":!.[]"):
            message = (
                f"pladsholderen {token} må ikke have formatering eller opslag "
                "(:, !, . eller [ ]); skriv kun {reason} eller {scenario}"
            )
        else:
            message = f"ukendt pladsholder {token} (brug {{reason}} eller {{scenario}})"
        if message not in problems:
            problems.append(message)
    return problems


def fill_template(text: str, **values) -> str:
    """``text`` with each known placeholder replaced by its value, as plain text."""
    unknown = set(values) - set(PLACEHOLDERS)
    if unknown:
        raise TypeError(f"not a placeholder: {', '.join(sorted(unknown))}")

    def replace(match):
        token, name = match.group(0), match.group(1)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        if name in values:
            return str(values[name])
        return token

    return _TOKEN_RE.sub(replace, text or "")
