"""The printed action card: the card bundle and the single scenario card.

Everything here is read from the snapshot of a published ``CardVersion`` through
``CardSnapshot``, never from the live card rows, so a printed version is exactly what
was published. The version row itself only gives its number and publish time.
"""

import datetime as dt
import re
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from cards.selectors import card_last_tested, user_name
from cards.snapshots import CardSnapshot, StepView
from config.formatting import phone_mentioned
from contacts.models import WEEKDAY_NAMES, WEEKDAYS
from printing.engine import BASE_CSS, pdf_render_template, qr_data_uri

# The shared base (page, fonts, footer) and the card's own layout, kept in this app.
CARD_STYLESHEETS = (BASE_CSS, Path(__file__).resolve().parent / "css" / "card.css")

# Danish numbers as the card writes them: 8 digits, optionally in pairs, optionally +45.
PHONE_RE = re.compile(r"(?<![\w@.])((?:\+45 ?)?(?:\d{8}|\d{2}(?: \d{2}){3}))(?![\w@])")
WORKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def with_phone_numbers(text: str):
    """Escaped ``text`` with every phone number set large and bold, to dial from paper."""
    escaped = str(conditional_escape(text))
    return mark_safe(PHONE_RE.sub(r'<strong class="tel">\1</strong>', escaped))


def _mentions(text, value):
    """Whether ``text`` already carries a phone number or e-mail address."""
    if not value:
        return True
    if "@" in value:
        return value.lower() in text.lower()
    return phone_mentioned(text, value)


def duration_label(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(_("1 time") if hours == 1 else _("%(n)d timer") % {"n": hours})
    if rest:
        parts.append(_("%(n)d min.") % {"n": rest})
    return " ".join(parts)


def hours_label(hours: dict | None) -> str:
    if not hours:
        return _("Åbningstid ikke oplyst")
    days = hours.get("days") or []
    if days == WORKDAYS:
        day_text = _("hverdage")
    elif days == list(WEEKDAYS):
        day_text = _("alle dage")
    else:
        day_text = ", ".join(str(WEEKDAY_NAMES[d]) for d in days)
    label = _("%(days)s kl. %(opens)s–%(closes)s") % {
        "days": day_text,
        "opens": hours["opens"],
        "closes": hours["closes"],
    }
    if not hours.get("open_on_holidays"):
        label += ", " + _("lukket på helligdage")
    return label[:1].upper() + label[1:]


class CardDocument:
    """What both printed documents need from one version: scenarios, contacts, footer."""

    def __init__(self, version):
        self.version = version
        self.snapshot = CardSnapshot(version.snapshot)
        self.card = self.snapshot.card
        self.scenarios = self.snapshot.scenarios()

    # --- steps -------------------------------------------------------------------------
    def _contact_lines(self, step: StepView, shown: set, context_text: str):
        """Contacts a step refers to whose number or address the scenario's text does not
        already give, and those with no way to reach them at all (the paper never said).
        ``shown`` collects what this scenario has printed, so a shared group is listed once.
        """
        people = []
        if step.person:
            people.append(step.person)
        if step.contact_group:
            people += step.contact_group["members"]
        lines = []
        for person in people:
            phone, email = person.get("phone", ""), person.get("email", "")
            key = (person["name"], phone, email)
            if key in shown:
                continue
            if not phone and not email:
                lines.append({"name": person["name"], "missing": True})
            elif not (_mentions(context_text, phone) and _mentions(context_text, email)):
                lines.append({"name": person["name"], "phone": phone, "email": email})
            shown.add(key)
        line = step.support_line
        if line and not _mentions(context_text, line["phone"]) and line["slug"] not in shown:
            shown.add(line["slug"])
            lines.append(
                {
                    "name": line["name"],
                    "phone": line["phone"],
                    "hours": hours_label(line.get("hours")),
                }
            )
        return lines

    def step(self, step: StepView, *, shown=None, context_text=None):
        shown = set() if shown is None else shown
        context_text = step.text if context_text is None else context_text
        external = step.external_card
        if external and external["title"].lower() in step.text.lower():
            external = None
        return {
            "kind": step.kind,
            "text": with_phone_numbers(step.text),
            "starts_with_obs": step.text.lstrip().upper().startswith("OBS"),
            "announcement": step.announcement,
            "phone_lines": step.phone_lines,
            "contacts": self._contact_lines(step, shown, context_text),
            "external_card": external,
            "alternatives": [
                {"label": a["label"], "text": with_phone_numbers(a["text"])}
                for a in step.alternatives
            ],
        }

    # --- scenarios ---------------------------------------------------------------------
    def scenario_url(self, scenario):
        return f"{settings.SITE_URL.rstrip('/')}/kort/{self.card['slug']}/{scenario.slug}/"

    def scenario(self, scenario):
        shown = set()
        text = "\n".join(s.text for s in scenario.steps)

        def steps_in(column):
            return [self.step(s, shown=shown, context_text=text) for s in scenario.steps_in(column)]

        solution = steps_in("solution")
        communication = steps_in("communication")
        responsible = steps_in("responsible")
        note_texts = {s.text.strip() for s in scenario.steps}
        timers = [
            {
                "name": t["name"],
                "duration": duration_label(t["minutes"]),
                # The seed repeats the timer's explanation as an OBS step: print it once.
                "text": "" if t.get("text", "").strip() in note_texts else t.get("text", ""),
            }
            for t in scenario.timers
        ]
        url = self.scenario_url(scenario)
        return {
            "slug": scenario.slug,
            "anchor": f"scenarie-{scenario.slug}",
            "number": scenario.order + 1,
            "title": scenario.title,
            "description": scenario.description,
            "timers": timers,
            "links": scenario.links,
            "url": url,
            "qr": qr_data_uri(url),
            # One table row per solution step, so a long scenario breaks between steps;
            # the first row also carries the problem, communication and responsible cells.
            "rows": solution or [None],
            "communication": communication,
            "responsible": responsible,
        }

    # --- contacts ----------------------------------------------------------------------
    def _all_step_text(self):
        texts = [s.text for sc in self.scenarios for s in sc.steps]
        texts += [s.text for s in self.snapshot.footer_steps()]
        return "\n".join(texts)

    def contacts(self):
        """People, groups, support lines and phone lines the card uses.

        A person counts when a step, group or the card refers to them, or when a step's
        text gives their number (the seed names Glenn Hald only in a sentence).
        """
        steps = [s for sc in self.scenarios for s in sc.steps] + self.snapshot.footer_steps()
        text = self._all_step_text()
        group_slugs = {s.contact_group["slug"] for s in steps if s.contact_group}
        line_slugs = {s.support_line["slug"] for s in steps if s.support_line}
        person_slugs = {s.person["slug"] for s in steps if s.person}
        person_slugs |= {self.card.get("owner"), self.card.get("log_keeper")} - {None}
        for group in self.snapshot.data["contact_groups"]:
            if group["slug"] in group_slugs:
                person_slugs |= {m["person"] for m in group["members"] if "person" in m}
        organisations = self.snapshot.organisations

        def organisation_name(item):
            return organisations.get(item.get("organisation"), {}).get("name", "")

        people = []
        for slug, person in self.snapshot.people.items():
            phone = person.get("phone")
            if slug in person_slugs or (phone and phone_mentioned(text, phone)):
                org = organisation_name(person)
                people.append(
                    {
                        **person,
                        "role": ", ".join(p for p in (person.get("title", ""), org) if p),
                        "is_log_keeper": slug == self.card.get("log_keeper"),
                    }
                )
        people.sort(key=lambda p: p["name"])
        support_lines = [
            {
                **line,
                "organisation_name": organisation_name(line),
                "hours_label": hours_label(line.get("hours")),
            }
            for slug, line in sorted(self.snapshot.support_lines.items())
            if slug in line_slugs or (line["phone"] and phone_mentioned(text, line["phone"]))
        ]
        groups = [g for slug, g in sorted(self.snapshot.groups.items()) if slug in group_slugs]
        return {
            "people": people,
            "support_lines": support_lines,
            "groups": groups,
            "phone_lines": list(self.snapshot.phone_lines.values()),
        }

    def footer_blocks(self):
        blocks = []
        for step in self.snapshot.footer_steps():
            if not blocks or blocks[-1]["slug"] != step.block:
                title = self.snapshot.shared_blocks[step.block].get("title") or ""
                blocks.append({"slug": step.block, "title": title, "steps": []})
            blocks[-1]["steps"].append(self.step(step))
        return blocks

    # --- documents ---------------------------------------------------------------------
    def base_context(self):
        return {
            "card": self.card,
            "version": self.version,
            "published_at": timezone.localtime(self.version.published_at),
            "printed_at": timezone.localtime(),
            "scenario_count": len(self.scenarios),
            # This version's publish: the paper says when *its* content was last updated.
            "last_updated": {
                "at": timezone.localtime(self.version.published_at),
                "by": user_name(self.version.published_by),
            },
            # An unsaved version (the bench renders without a database) was never tested.
            "last_tested": card_last_tested(card=self.version.card)
            if self.version.card.pk
            else None,
        }

    def bundle_context(self):
        next_review = self.card.get("next_review")
        return {
            **self.base_context(),
            "next_review": dt.date.fromisoformat(next_review) if next_review else None,
            "in_bundle": True,
            "scenarios": [self.scenario(s) for s in self.scenarios],
            "footer_blocks": self.footer_blocks(),
            "contacts": self.contacts(),
        }

    def scenario_context(self, slug):
        scenario = self.snapshot.scenario(slug)
        return {**self.base_context(), "in_bundle": False, "scenario": self.scenario(scenario)}


def render_card_bundle(*, version) -> bytes:
    document = CardDocument(version)
    return pdf_render_template(
        template_name="cards/pdf/bundle.html",
        context=document.bundle_context(),
        stylesheets=CARD_STYLESHEETS,
    )


def render_scenario_card(*, version, scenario_slug) -> bytes:
    document = CardDocument(version)
    return pdf_render_template(
        template_name="cards/pdf/scenario.html",
        context=document.scenario_context(scenario_slug),
        stylesheets=CARD_STYLESHEETS,
    )
