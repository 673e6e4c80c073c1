"""Staff pages: thin views over the latest *published* card version (a CardSnapshot).

Editors' drafts never show here; the admin's "Forhåndsvis" renders a draft with the same
`render_scenario`, so a preview looks exactly like the page staff will get.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import AccessRecord
from audit.services import access_record
from cards.health import card_problems
from cards.models import ActionCard
from cards.pdf.selectors import printed_version_number
from cards.pdf.views import may_download
from cards.selectors import (
    card_history,
    card_last_tested,
    card_last_updated,
    card_search,
    card_version_sources,
    published_version,
    published_versions,
)
from cards.snapshots import CardSnapshot
from contacts.selectors import contact_search
from core.access import role_required
from core.htmx import HtmxTemplateResponse

BINDER_PERMISSIONS = ("cards.publish_actioncard", "incidents.start_incident")

# The paper card's columns, left to right.
COLUMNS = (
    ("solution", _("Løsning")),
    ("communication", _("Kommunikation")),
    ("responsible", _("Ansvarlig")),
)


def _first_group_steps(steps):
    """Keys of the steps that list a contact group's members: the group's first step only.

    The communication block names the crisis team in two consecutive steps; the same
    phone list twice is noise on a small screen.
    """
    seen, keys = set(), set()
    for step in steps:
        if step.contact_group and step.contact_group["slug"] not in seen:
            seen.add(step.contact_group["slug"])
            keys.add(step.key)
    return keys


def people_shown(steps) -> list[dict]:
    """The persons whose numbers the steps show (named, or members of a contact group)."""
    people = {}
    for step in steps:
        members = step.contact_group["members"] if step.contact_group else []
        for person in [step.person, *members]:
            if person and person.get("slug"):
                people.setdefault(person["slug"], person)
    return list(people.values())


def _published(card_slug):
    version = published_version(card_slug=card_slug)
    if version is None:
        raise Http404("Kortet er ikke udgivet.")
    return version, CardSnapshot(version.snapshot)


@role_required()
def home(request):
    cards = [(v, CardSnapshot(v.snapshot).scenarios()) for v in published_versions()]
    return render(request, "cards/home.html", {"cards": cards})


@role_required()
def card_detail(request, card_slug):
    version, snapshot = _published(card_slug)
    problems = None
    if request.user.has_perm("cards.change_actioncard"):
        problems = card_problems(version.card)
    footer_steps = snapshot.footer_steps()
    access_record(
        user=request.user, action=AccessRecord.Action.READ, people=people_shown(footer_steps)
    )
    # Everyone with a role downloads the PDF; the binder's "print it again" notes are for
    # those who keep the binder (Redaktører, Koordinatorer).
    can_print = any(request.user.has_perm(p) for p in BINDER_PERMISSIONS)
    return render(
        request,
        "cards/card.html",
        {
            "card": version.card,
            "version": version,
            "scenarios": snapshot.scenarios(),
            "footer_steps": footer_steps,
            "group_steps": _first_group_steps(footer_steps),
            "problems": problems,
            "now": timezone.now(),
            "can_print": can_print,
            "can_download": may_download(request.user),
            "printed_number": printed_version_number(version.card) if can_print else None,
            "last_updated": card_last_updated(card=version.card),
            "last_tested": card_last_tested(card=version.card),
        },
    )


def render_scenario(request, *, card, snapshot, scenario_slug, version=None):
    """The scenario page; ``version`` None means a preview of the unpublished draft."""
    if scenario_slug not in snapshot.scenario_slugs():
        raise Http404("Scenariet findes ikke i den udgivne version.")
    scenario = snapshot.scenario(scenario_slug)
    columns = [
        {"key": key, "label": label, "steps": scenario.steps_in(key)}
        for key, label in COLUMNS
        if scenario.steps_in(key)
    ]
    return render(
        request,
        "cards/scenario.html",
        {
            "card": card,
            "version": version,
            "preview": version is None,
            "scenario": scenario,
            "columns": columns,
            "group_steps": _first_group_steps(scenario.steps),
            "now": timezone.now(),
        },
    )


@role_required()
def scenario_detail(request, card_slug, scenario_slug):
    version, snapshot = _published(card_slug)
    if scenario_slug in snapshot.scenario_slugs():
        steps = snapshot.scenario(scenario_slug).steps
        access_record(
            user=request.user, action=AccessRecord.Action.READ, people=people_shown(steps)
        )
    return render_scenario(
        request, card=version.card, snapshot=snapshot, scenario_slug=scenario_slug, version=version
    )


@role_required()
def search(request):
    query = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    results = []
    if query:
        results = card_search(query=query) + contact_search(query=query)
    # Typing in the field swaps only the results.
    return HtmxTemplateResponse(
        request,
        "cards/search.html",
        {"query": query, "results": results},
        partial="search-results",
        target="search-results",
    )


@role_required("cards.change_actioncard")
def history(request, card_slug):
    """Who changed what and when, in the card and everything in it (Redaktører only)."""
    card = get_object_or_404(ActionCard, slug=card_slug)
    context = {
        "card": card,
        "changes": card_history(card=card),
        "sources": card_version_sources(card=card),
    }
    return render(request, "cards/history.html", context)
