"""Card health: missing or stale data that the paper card could never flag.

Each check is a function ``check(card) -> list[Problem]``. ``HEALTH_CHECKS`` is the one
list that `card_health`, the card page and anyone else run. The printed-PDF check lives
with the PDFs (cards/pdf/health.py) and is adapted here.

Checks read the *draft* (the database), because that is what a Redaktør can fix.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cards.models import ActionCard, Scenario, Step
from cards.pdf.health import check_printed_pdf_is_current
from cards.selectors import published_version
from cards.serialization import card_to_data
from contacts.models import ContactGroup, Person, SupportLine

ERROR = "error"  # can fail staff during an incident: fix it
WARNING = "warning"  # worth a look


@dataclass(frozen=True)
class Problem:
    severity: str
    message: str  # Danish, names the object
    admin_url: str  # where to fix it


def _admin_url(obj):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _steps(card):
    return Step.objects.filter(block__card=card)


def person_without_phone(card):
    """People the card names (on steps, in its groups, as log keeper) who cannot be called."""
    steps = _steps(card)
    ids = set(steps.exclude(person=None).values_list("person", flat=True))
    ids |= set(
        ContactGroup.objects.filter(step__in=steps)
        .exclude(members__person=None)
        .values_list("members__person", flat=True)
    )
    ids |= {pk for pk in (card.owner_id, card.log_keeper_id) if pk}
    return [
        Problem(ERROR, _("%(name)s har intet telefonnummer.") % {"name": p.name}, _admin_url(p))
        for p in Person.objects.filter(pk__in=ids, phone="", phone_secondary="")
    ]


def scenario_without_responsible(card):
    covered = Scenario.objects.filter(
        card=card, block_uses__block__steps__kind=Step.Kind.RESPONSIBILITY
    ).values("pk")
    return [
        Problem(
            ERROR,
            _("Scenariet »%(title)s« har intet trin med en ansvarlig.") % {"title": s.title},
            _admin_url(s),
        )
        for s in Scenario.objects.filter(card=card).exclude(pk__in=covered)
    ]


def support_line_without_hours(card):
    lines = SupportLine.objects.filter(step__in=_steps(card)).distinct()
    return [
        Problem(
            WARNING,
            _(
                "Supportlinjen »%(name)s« har ingen åbningstid; "
                "medarbejderne kan ikke se, om den er åben."
            )
            % {"name": line.name},
            _admin_url(line),
        )
        for line in lines
        if not line.has_hours
    ]


def group_without_phone(card):
    """E-mail alone fails exactly when aarhus.dk is down; every group needs a phone."""
    groups = ContactGroup.objects.filter(step__in=_steps(card)).distinct()
    groups = groups.prefetch_related("members__person")
    return [
        Problem(
            ERROR,
            _(
                "Kontaktgruppen »%(name)s« har ingen med telefonnummer; e-mail alene svigter, "
                "når aarhus.dk er nede."
            )
            % {"name": group.name},
            _admin_url(group),
        )
        for group in groups
        if not any(m.person_id and m.person.phones for m in group.members.all())
    ]


def review_date(card):
    if card.next_review is None:
        return [
            Problem(WARNING, _("Kortet har ingen dato for næste gennemgang."), _admin_url(card))
        ]
    if card.is_past_review:
        return [
            Problem(
                ERROR,
                _("Kortet skulle have været gennemgået %(date)s.")
                % {"date": date_format(card.next_review, "j. F Y")},
                _admin_url(card),
            )
        ]
    return []


def unpublished_changes(card):
    """Staff read the latest published version; edits are invisible until published."""
    latest = published_version(card=card)
    if latest is None:
        return [
            Problem(
                ERROR,
                _("Kortet er aldrig udgivet; medarbejderne kan ikke se det."),
                _admin_url(card),
            )
        ]
    if latest.snapshot != card_to_data(card):
        return [
            Problem(
                WARNING,
                _("Der er ændringer, som ikke er udgivet (seneste version: %(n)s, %(when)s).")
                % {
                    "n": latest.number,
                    "when": date_format(timezone.localtime(latest.published_at), "j. F Y H:i"),
                },
                _admin_url(card),
            )
        ]
    return []


def not_tested_recently(card):
    """An action card nobody has rehearsed is a guess: flag one whose last closed
    exercise or incident is older than CARD_TEST_MAX_MONTHS (default 12)."""
    from django.conf import settings

    from cards.selectors import card_last_tested

    months = settings.CARD_TEST_MAX_MONTHS
    tested = card_last_tested(card=card)
    url = reverse("cards:card", args=[card.slug])
    if tested is None:
        return [Problem(WARNING, _("Kortet er aldrig afprøvet i en øvelse eller hændelse."), url)]
    if tested["at"] < timezone.now() - dt.timedelta(days=round(months * 30.44)):
        return [
            Problem(
                WARNING,
                _("Kortet er ikke afprøvet i %(months)s måneder (senest %(date)s).")
                % {
                    "months": months,
                    "date": date_format(timezone.localtime(tested["at"]), "j. F Y"),
                },
                url,
            )
        ]
    return []


def printed_pdf_is_current(card):
    url = reverse("cards_pdf:bundle_latest", args=[card.slug])
    return [Problem(p["severity"], p["message"], url) for p in check_printed_pdf_is_current(card)]


HEALTH_CHECKS: list[Callable[[ActionCard], list[Problem]]] = [
    person_without_phone,
    scenario_without_responsible,
    support_line_without_hours,
    group_without_phone,
    review_date,
    unpublished_changes,
    printed_pdf_is_current,
    not_tested_recently,
]


def card_problems(card: ActionCard) -> list[Problem]:
    problems = [problem for check in HEALTH_CHECKS for problem in check(card)]
    return sorted(problems, key=lambda p: p.severity != ERROR)
