"""The life of an incident: start, escalate (a scenario joins), close."""

import dataclasses
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import ActionCard, CardVersion
from cards.selectors import published_version
from cards.snapshots import CardSnapshot
from incidents.log import ALL_GROUPS, incident_touch
from incidents.models import (
    Incident,
    IncidentScenario,
    IncidentStep,
    IncidentTimer,
    LogEntry,
    PhoneLineState,
)
from incidents.services.common import (
    _lock_running,
    _replayed,
    _snapshot,
    _system_entry,
    user_label,
)
from notifications import services as notification_services


def _step_details(step) -> dict:
    data = dataclasses.asdict(step)
    keep = (
        "person",
        "contact_group",
        "support_line",
        "announcement",
        "phone_lines",
        "external_card",
        "alternatives",
    )
    return {k: data[k] for k in keep if data[k]}


def _scenario_join(*, incident, snapshot, scenario_slug, user, now) -> IncidentScenario:
    """Add a scenario's steps (those not on the checklist yet) and timers to the incident.

    The caller holds the incident row (created or locked), so ``rev_steps + 1`` is the
    revision this change gets."""
    view = snapshot.scenario(scenario_slug)
    joined = IncidentScenario.objects.create(
        incident=incident,
        scenario_slug=view.slug,
        title=view.title,
        reason=view.reason,
        added_at=now,
        added_by=user,
    )
    present = set(incident.steps.values_list("key", flat=True))
    order = (incident.steps.aggregate(n=Max("order"))["n"] or 0) + 1
    new_steps = []
    for step in view.steps:
        if step.key in present:
            continue
        present.add(step.key)
        new_steps.append(
            IncidentStep(
                incident=incident,
                scenario=joined,
                key=step.key,
                order=order,
                block=step.block,
                shared=step.shared,
                kind=step.kind,
                text=step.text,
                details=_step_details(step),
                revision=incident.rev_steps + 1,
            )
        )
        order += 1
    IncidentStep.objects.bulk_create(new_steps)
    IncidentTimer.objects.bulk_create(
        IncidentTimer(
            incident=incident,
            scenario=joined,
            slug=timer["slug"],
            name=timer["name"],
            minutes=timer["minutes"],
            text=timer.get("text", ""),
            started_at=now,
            changed_by=user,
        )
        for timer in view.timers
    )
    incident_touch(incident_id=incident.pk, groups=("header", "steps", "timers", "contacts"))
    return joined


def _published_version(card: ActionCard) -> CardVersion:
    """The card's published version in force (its newest), or a ValidationError."""
    version = published_version(card=card)
    if version is None:
        raise ValidationError(
            _("Kortet »%(card)s« er ikke udgivet endnu, så der kan ikke startes en hændelse.")
            % {"card": card.title}
        )
    return version


def _incident_create(*, version: CardVersion, user, **fields) -> Incident:
    """Insert the incident row; a concurrent post of the same key answers the first's.

    In a savepoint: the unique index makes the second of two concurrent posts wait for
    the first and then fail, and the outer transaction must survive that failure."""
    idempotency_key = fields["idempotency_key"]
    try:
        with transaction.atomic():
            return Incident.objects.create(
                card_version=version, started_at=timezone.now(), started_by=user, **fields
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        return _replayed(Incident.objects.get(idempotency_key=idempotency_key))


def _phone_lines_copy(*, incident: Incident, snapshot: CardSnapshot) -> None:
    PhoneLineState.objects.bulk_create(
        PhoneLineState(
            incident=incident,
            line_slug=line["slug"],
            name=line["name"],
            number=line.get("number", ""),
            order=order,
        )
        for order, line in enumerate(snapshot.data["phone_lines"])
    )


def _started_log(*, incident: Incident, version: CardVersion, scenario_slug: str, user) -> None:
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.INCIDENT_STARTED,
        data={
            "scenario_slug": scenario_slug,
            "scenario_title": incident.title,
            "card_version": version.number,
            "is_exercise": incident.is_exercise,
            "actor_name": user_label(user),
        },
    )


@transaction.atomic
def incident_start(
    *,
    card: ActionCard,
    scenario_slug: str,
    user,
    is_exercise: bool = False,
    update_interval_minutes: int | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> Incident:
    """Start an incident from a scenario of the card's published version in force.

    With an ``idempotency_key`` (the start form's), a second post of the same form answers
    the incident the first one started (``replayed`` set) and sends nothing again. Two
    concurrent posts both insert; the unique index makes the second wait for the first
    and then fail, and the second answers the first's incident.
    """
    if idempotency_key is not None:
        existing = Incident.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _replayed(existing)
    version = _published_version(card)
    snapshot = CardSnapshot(version.snapshot)
    if scenario_slug not in snapshot.scenario_slugs():
        raise ValidationError(_("Scenariet findes ikke i den udgivne version af kortet."))
    title = snapshot.scenario(scenario_slug).title
    fields = {"title": title, "is_exercise": is_exercise, "idempotency_key": idempotency_key}
    if update_interval_minutes:  # else the model's default
        fields["update_interval_minutes"] = update_interval_minutes
    incident = _incident_create(version=version, user=user, **fields)
    if incident.replayed:
        return incident
    _phone_lines_copy(incident=incident, snapshot=snapshot)
    _scenario_join(
        incident=incident,
        snapshot=snapshot,
        scenario_slug=scenario_slug,
        user=user,
        now=incident.started_at,  # the steps and timers start with the incident
    )
    _started_log(incident=incident, version=version, scenario_slug=scenario_slug, user=user)
    notification_services.status_update_create(incident=incident, reason="started", user=user)
    return incident


@transaction.atomic
def incident_scenario_add(*, incident: Incident, scenario_slug: str, user) -> IncidentScenario:
    """Escalate: the scenario's steps join the checklist, shared steps only once."""
    incident = _lock_running(incident.pk)
    snapshot = _snapshot(incident)
    if scenario_slug not in snapshot.scenario_slugs():
        raise ValidationError(_("Scenariet findes ikke i kortversionen, hændelsen bruger."))
    if incident.scenarios.filter(scenario_slug=scenario_slug).exists():
        raise ValidationError(_("Scenariet er allerede en del af hændelsen."))
    joined = _scenario_join(
        incident=incident,
        snapshot=snapshot,
        scenario_slug=scenario_slug,
        user=user,
        now=timezone.now(),
    )
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.SCENARIO_ADDED,
        data={
            "scenario_slug": joined.scenario_slug,
            "scenario_title": joined.title,
            "reason": joined.reason,
            "actor_name": user_label(user),
        },
    )
    notification_services.status_update_create(
        incident=incident, reason="scenario_added", user=user
    )
    return joined


@transaction.atomic
def incident_close(
    *,
    incident: Incident,
    user,
    summary: str = "",
    announcements_off: bool,
    crisis_team_informed: bool,
    yammer_posted: bool,
    yammer_text: str = "",
) -> Incident:
    """Close after the closing checklist; from then on the incident is read-only."""
    incident = _lock_running(incident.pk)
    still_on = list(
        incident.phone_lines.exclude(announcement_slug="").values_list("announcement_name", "name")
    )
    errors = []
    if still_on:
        errors += [
            _(
                "Infobeskeden »%(a)s« er stadig slået til på %(line)s. Skift linjen tilbage til "
                "normal, før hændelsen afsluttes."
            )
            % {"a": a, "line": line}
            for a, line in still_on
        ]
    if not (announcements_off and crisis_team_informed and yammer_posted):
        errors.append(_("Bekræft alle punkter på afslutningstjeklisten."))
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    incident.status = Incident.Status.CLOSED
    incident.closed_at = now
    incident.closed_by = user
    incident.summary = summary.strip()
    incident.closing_checklist = {
        "announcements_off": announcements_off,
        "crisis_team_informed": crisis_team_informed,
        "yammer_posted": yammer_posted,
        "yammer_text": yammer_text,
    }
    incident.save(
        update_fields=["status", "closed_at", "closed_by", "summary", "closing_checklist"]
    )
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.INCIDENT_CLOSED,
        groups=ALL_GROUPS,  # read-only from now: every fragment changes
        data={"summary": incident.summary, "actor_name": user_label(user)},
    )
    notification_services.status_update_create(incident=incident, reason="closed", user=user)
    # Incident report (issue 6), rendered by a Celery task after the close commits. A
    # function import: incidents.pdf reads through this module.
    from incidents.pdf.services import incident_report_schedule

    incident_report_schedule(incident=incident)
    return incident
