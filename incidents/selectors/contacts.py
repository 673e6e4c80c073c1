"""The contacts panel: the persons, groups and vendor lines the incident's steps name."""

import datetime as dt
from types import SimpleNamespace

from cards.snapshots import CardSnapshot
from contacts.opening_hours import opening_state


class _Line(SimpleNamespace):
    """A support line from a snapshot, shaped for ``contacts.opening_hours``."""

    @property
    def has_hours(self):
        return self.opens_at is not None and self.closes_at is not None


def _support_line(data, now):
    hours = data.get("hours") or {}
    line = _Line(
        day_list=hours.get("days", []),
        opens_at=dt.time.fromisoformat(hours["opens"]) if hours.get("opens") else None,
        closes_at=dt.time.fromisoformat(hours["closes"]) if hours.get("closes") else None,
        open_on_holidays=hours.get("open_on_holidays", False),
    )
    is_open, next_opening = opening_state(line, now)
    hours_label = f"kl. {line.opens_at:%H:%M}–{line.closes_at:%H:%M}" if line.has_hours else ""
    return {**data, "is_open": is_open, "next_opening": next_opening, "hours_label": hours_label}


def contacts_panel(*, snapshot: CardSnapshot, steps, now) -> dict:
    """Responsible persons, contact groups and vendor lines that the incident's steps name."""
    responsible, people, groups, lines = {}, {}, {}, {}
    for step in steps:
        d = step.details
        if person := d.get("person"):
            target = responsible if step.kind == "responsibility" else people
            target.setdefault(person["slug"], person)
        if group := d.get("contact_group"):
            groups.setdefault(group["slug"], group)
        if line := d.get("support_line"):
            lines.setdefault(line["slug"], line)
    keeper = snapshot.log_keeper
    return {
        "log_keeper": keeper,
        "responsible": list(responsible.values()),
        "people": [p for slug, p in people.items() if slug not in responsible],
        "groups": list(groups.values()),
        "support_lines": [_support_line(line, now) for line in lines.values()],
    }
