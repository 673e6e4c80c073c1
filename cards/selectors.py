"""Reads of action cards for the staff pages: always the latest *published* version."""

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cards.models import ActionCard, CardVersion
from cards.snapshots import CardSnapshot


def published_versions():
    """The newest published version of every card, one query; unpublished cards are absent."""
    newest = CardVersion.objects.filter(card=OuterRef("card")).order_by("-number").values("pk")
    return (
        CardVersion.objects.filter(pk=Subquery(newest[:1]))
        .select_related("card")
        .order_by("card__title")
    )


def published_version(
    *, card: ActionCard | None = None, card_slug: str = "", number: int | None = None
) -> CardVersion | None:
    """The card's version in force (its newest), or version ``number``; None if there is none.

    The one way every app finds what staff read and incidents start from. Give the card, or
    its slug (the version then comes with its card, one query). The caller says what a
    missing version means to it (a 404, a form error, a command error).
    """
    if card is not None:
        versions = card.versions.all()
    else:
        versions = CardVersion.objects.select_related("card").filter(card__slug=card_slug)
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def _matches(query, *texts):
    return any(query in (text or "").casefold() for text in texts)


def card_search(*, query: str) -> list[dict]:
    """Scenarios and steps of the published cards whose text contains ``query``.

    Searches what staff read (templates filled, shared blocks expanded), so a hit always
    matches the page it links to. A shared step is listed once per scenario using it:
    staff look for "what do I do in *this* situation".
    """
    query = query.casefold()
    results = []
    for version in published_versions():
        snapshot = CardSnapshot(version.snapshot)
        slug = version.card.slug
        for scenario in snapshot.scenarios():
            url = reverse("cards:scenario", args=[slug, scenario.slug])
            if _matches(query, scenario.title, scenario.description, scenario.reason):
                results.append(
                    {"kind": "scenario", "title": scenario.title, "text": "", "url": url}
                )
            for step in scenario.steps:
                alternatives = [f"{a['label']} {a['text']}" for a in step.alternatives]
                if _matches(query, step.text, *alternatives):
                    results.append(
                        {
                            "kind": "step",
                            "title": scenario.title,
                            "text": step.text,
                            "url": f"{url}#{step.anchor}",
                        }
                    )
        for step in snapshot.footer_steps():
            if _matches(query, step.text):
                url = reverse("cards:card", args=[slug])
                results.append(
                    {
                        "kind": "step",
                        "title": version.card.title,
                        "text": step.text,
                        "url": f"{url}#{step.anchor}",
                    }
                )
    return results


def _card_history_querysets(card):
    """Historical rows of the card and everything in it, plus all contacts.

    Filters on ids taken from the history tables themselves, so changes to objects that
    have since been deleted (an import replaces the card's content) are still found.
    """
    from cards import models as m
    from contacts import models as c

    scenario_ids = m.Scenario.history.filter(card_id=card.pk).values("id")
    block_ids = m.Block.history.filter(card_id=card.pk).values("id")
    step_ids = m.Step.history.filter(block_id__in=block_ids).values("id")
    return [
        m.ActionCard.history.filter(id=card.pk),
        *(
            model.history.filter(card_id=card.pk)
            for model in (
                m.PhoneLine,
                m.Announcement,
                m.ExternalCard,
                m.MessageTemplate,
                m.Scenario,
                m.Block,
            )
        ),
        *(
            model.history.filter(scenario_id__in=scenario_ids)
            for model in (m.ScenarioBlock, m.ScenarioLink, m.ScenarioTimer)
        ),
        m.Step.history.filter(block_id__in=block_ids),
        m.StepAlternative.history.filter(step_id__in=step_ids),
        *(
            model.history.all()
            for model in (
                c.Organisation,
                c.Person,
                c.SupportLine,
                c.ContactGroup,
                c.ContactGroupMember,
            )
        ),
    ]


def _display(value):
    if value in (None, ""):
        return "–"
    if isinstance(value, list):  # many-to-many: [{"step": 1, "phoneline": 2}, …]
        return ", ".join(str(v) for row in value for k, v in row.items() if k != "step") or "–"
    return str(value)


def _label(record):
    """The object's name; some names follow a link to an object deleted since (by pk then)."""
    try:
        # A historical record prints as "<object> as of <date>"; the date is shown apart.
        return str(record).rsplit(" as of ", 1)[0][:120]
    except ObjectDoesNotExist:
        return f"#{record.id}"


HISTORY_TYPES = {"+": _("Oprettet"), "~": _("Ændret"), "-": _("Slettet")}


def card_history(*, card, limit: int = 200) -> list[dict]:
    """The newest ``limit`` changes: when, who, what object, and field-by-field diffs."""
    records = []
    for queryset in _card_history_querysets(card):
        records += queryset.select_related("history_user").order_by("-history_date")[:limit]
    records.sort(key=lambda r: r.history_date, reverse=True)
    changes = []
    for record in records[:limit]:
        model = record.instance_type
        diffs = []
        if record.history_type == "~":
            previous = record.prev_record
            if previous is not None:
                delta = record.diff_against(previous, foreign_keys_are_objs=True)
                diffs = [
                    {
                        "field": model._meta.get_field(change.field).verbose_name,
                        "old": _display(change.old),
                        "new": _display(change.new),
                    }
                    for change in delta.changes
                ]
            if not diffs:
                continue  # a save that changed nothing is noise
        changes.append(
            {
                "when": record.history_date,
                "user": record.history_user,
                "type": HISTORY_TYPES[record.history_type],
                "model": model._meta.verbose_name,
                "object": _label(record),
                "changes": diffs,
            }
        )
    return changes


def user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def card_last_updated(*, card) -> dict | None:
    """ "Senest ajourført": the last publish of the card, and by whom."""
    version = (
        CardVersion.objects.filter(card=card).select_related("published_by").order_by("-number")
    ).first()
    if version is None:
        return None
    return {
        "at": version.published_at,
        "by": user_name(version.published_by),
        "number": version.number,
    }


def card_last_tested(*, card) -> dict | None:
    """ "Senest afprøvet": the last closed incident or exercise worked from any version of
    the card, with its date and coordinator (the one who started it).

    Incidents live in an app above cards; the model is looked up by name so that cards
    never imports incidents (which imports cards)."""
    from django.apps import apps

    incident_model = apps.get_model("incidents", "Incident")
    incident = (
        incident_model.objects.filter(card_version__card=card, status="closed")
        .exclude(closed_at=None)
        .select_related("started_by", "closed_by")
        .order_by("-closed_at")
        .first()
    )
    if incident is None:
        return None
    return {
        "at": incident.closed_at,
        "by": user_name(incident.started_by or incident.closed_by),
        "is_exercise": incident.is_exercise,
        "incident_id": incident.pk,
        "title": incident.title,
    }


def card_version_sources(*, card) -> dict:
    """Published versions with the accepted proposed changes (finding, incident) in them,
    and the accepted changes still waiting for the next publish."""
    from cards.models import CardChangeSource

    sources = CardChangeSource.objects.filter(card=card).select_related("version")
    by_version: dict = {}
    for source in sources.order_by("created_at", "pk"):
        by_version.setdefault(source.version, []).append(source)
    versions = CardVersion.objects.filter(card=card).select_related("published_by")
    rows = [
        {"version": v, "by": user_name(v.published_by), "sources": by_version.get(v, [])}
        for v in versions.order_by("-number")
    ]
    return {"versions": rows, "pending": by_version.get(None, [])}
