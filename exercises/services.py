"""Writes for exercises: scripts and injects (Redaktør), starting an exercise from a
script (Koordinator), firing injects at their time (beat), evaluations, findings and
proposed changes to the card (Koordinator writes; Redaktør accepts or rejects)."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cards import services as card_services
from cards.models import ActionCard
from cards.selectors import published_version
from cards.snapshots import CardSnapshot
from exercises.models import (
    MAX_INJECT_OFFSET_SECONDS,
    MAX_INJECTS_PER_SCRIPT,
    MAX_PARTICIPANTS_PER_SCRIPT,
    Evaluation,
    ExerciseRun,
    ExerciseScript,
    Finding,
    Inject,
    InjectDelivery,
    Participant,
    ProposedChange,
)
from incidents import services as incident_services
from incidents.log import log_entry_create
from incidents.models import Incident, LogEntry
from notifications.messages import incident_message_create

logger = logging.getLogger(__name__)


# --- Scripts (Redaktør) -----------------------------------------------------------------------


def _published_scenario(card: ActionCard, scenario_slug: str) -> None:
    version = published_version(card=card)
    if version is None or scenario_slug not in CardSnapshot(version.snapshot).scenario_slugs():
        raise ValidationError(_("Scenariet findes ikke i kortets udgivne version."))


@transaction.atomic
def script_create(
    *, card: ActionCard, scenario_slug: str, title: str, description: str = "", user=None
) -> ExerciseScript:
    _published_scenario(card, scenario_slug)
    return ExerciseScript.objects.create(
        card=card,
        scenario_slug=scenario_slug,
        title=title,
        description=description,
        created_by=user,
    )


@transaction.atomic
def participant_add(*, script: ExerciseScript, name: str, email: str = "", phone: str = ""):
    if not (email or phone):
        raise ValidationError(_("En deltager skal have en e-mailadresse eller et telefonnummer."))
    if script.participants.count() >= MAX_PARTICIPANTS_PER_SCRIPT:
        raise ValidationError(
            _("En drejebog kan højst have %(n)s deltagere.") % {"n": MAX_PARTICIPANTS_PER_SCRIPT}
        )
    return Participant.objects.create(script=script, name=name, email=email, phone=phone)


@transaction.atomic
def inject_add(
    *,
    script: ExerciseScript,
    offset_seconds: int,
    text: str,
    recipients=(),
    send_to_crisis_team: bool = False,
) -> Inject:
    ExerciseScript.objects.select_for_update().get(pk=script.pk)
    if not 0 <= offset_seconds <= MAX_INJECT_OFFSET_SECONDS:
        raise ValidationError(_("Et inject skal ligge mellem T+0 og T+24 timer."))
    if script.injects.count() >= MAX_INJECTS_PER_SCRIPT:
        raise ValidationError(
            _("En drejebog kan højst have %(n)s injects.") % {"n": MAX_INJECTS_PER_SCRIPT}
        )
    recipients = list(recipients)
    if any(p.script_id != script.pk for p in recipients):
        raise ValidationError(_("Modtagerne skal være deltagere i drejebogen."))
    inject = Inject.objects.create(
        script=script,
        offset_seconds=offset_seconds,
        text=text,
        send_to_crisis_team=send_to_crisis_team,
    )
    inject.recipients.set(recipients)
    return inject


@transaction.atomic
def inject_delete(*, inject: Inject) -> None:
    inject.delete()


# --- Running an exercise (Koordinator, beat) --------------------------------------------------


@transaction.atomic
def exercise_start(*, script: ExerciseScript, user, idempotency_key=None) -> Incident:
    """Start an exercise (an incident with ``is_exercise``) from the script's scenario; its
    injects fire from now on. A replayed form answers the exercise it started."""
    incident = incident_services.incident_start(
        card=script.card,
        scenario_slug=script.scenario_slug,
        user=user,
        is_exercise=True,
        idempotency_key=idempotency_key,
    )
    if getattr(incident, "replayed", False):
        return incident
    ExerciseRun.objects.create(incident=incident, script=script, started_at=incident.started_at)
    return incident


def _people(inject: Inject) -> list[dict]:
    return [
        {"key": f"exercise:participant:{p.pk}", "name": p.name, "email": p.email, "phone": p.phone}
        for p in inject.recipients.all()
    ]


def inject_fire(*, run: ExerciseRun, inject: Inject, now=None) -> InjectDelivery | None:
    """Deliver one inject exactly once: the delivery row (unique per run and inject), its
    log entry and its outbox rows are one transaction. A concurrent tick that loses the
    race gets the unique violation and does nothing; a worker that dies before the commit
    leaves nothing, and the next tick fires the inject."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            incident = Incident.objects.select_for_update().get(pk=run.incident_id)
            if not incident.is_running:
                return None
            delivery = InjectDelivery.objects.create(run=run, inject=inject, delivered_at=now)
            entry = log_entry_create(
                incident=incident,
                text=f"ØVELSE – inject T+{inject.offset_seconds // 60} min: {inject.text}",
                kind=LogEntry.Kind.SYSTEM,
                event=LogEntry.Event.INJECT,
                data={
                    "inject_id": inject.pk,
                    "offset_seconds": inject.offset_seconds,
                    "script_id": inject.script_id,
                },
            )
            delivery.log_entry_id = entry.pk
            delivery.save(update_fields=["log_entry_id"])
            incident_message_create(
                incident=incident,
                slot=f"inject:{run.pk}:{inject.pk}",
                text=inject.text,
                people=_people(inject),
                include_crisis_team=inject.send_to_crisis_team,
            )
    except IntegrityError:
        return None  # Another tick delivered it first.
    return delivery


def _run_tick(*, run: ExerciseRun, now) -> int:
    elapsed = (now - run.started_at).total_seconds()
    due = (
        run.script.injects.filter(offset_seconds__lte=max(elapsed, 0))
        .exclude(deliveries__run=run)
        .order_by("offset_seconds", "pk")
    )
    return sum(inject_fire(run=run, inject=inject, now=now) is not None for inject in due)


def injects_due_fire(*, now=None) -> int:
    """The beat tick: every running exercise's injects whose time has come. Each run is
    isolated: one that fails is logged and retried on the next tick, the others go on."""
    now = now or timezone.now()
    fired = 0
    runs = ExerciseRun.objects.filter(incident__status=Incident.Status.RUNNING).select_related(
        "script"
    )
    for run in runs:
        try:
            fired += _run_tick(run=run, now=now)
        except Exception:
            logger.exception("Inject tick failed for exercise run %s; retried next tick", run.pk)
    return fired


# --- Evaluation (Koordinator) -----------------------------------------------------------------


def _closed(incident: Incident) -> None:
    if incident.status != Incident.Status.CLOSED:
        raise ValidationError(_("Kun en afsluttet hændelse eller øvelse kan evalueres."))


@transaction.atomic
def evaluation_save(*, incident: Incident, worked: str, did_not_work: str, user) -> Evaluation:
    _closed(incident)
    evaluation, _created = Evaluation.objects.select_for_update().get_or_create(incident=incident)
    evaluation.worked = worked
    evaluation.did_not_work = did_not_work
    evaluation.updated_at = timezone.now()
    evaluation.updated_by = user
    evaluation.save()
    return evaluation


@transaction.atomic
def finding_add(
    *, incident: Incident, text: str, target_type: str = "", target_key: str = "", user
) -> Finding:
    _closed(incident)
    evaluation, _created = Evaluation.objects.get_or_create(
        incident=incident, defaults={"updated_by": user}
    )
    if evaluation.findings.count() >= 200:
        raise ValidationError(_("En evaluering kan højst have 200 fund."))
    return Finding.objects.create(
        evaluation=evaluation,
        text=text,
        target_type=target_type,
        target_key=target_key if target_type else "",
        created_by=user,
    )


@transaction.atomic
def proposed_change_create(*, finding: Finding, field: str, new_value: str) -> ProposedChange:
    """Turn a finding into a draft edit of the card: the field's current draft value is
    kept beside the proposal, so the Redaktør sees both."""
    if not finding.target_type:
        raise ValidationError(_("Fundet skal vedrøre et trin, en kontakt eller et scenarie."))
    if hasattr(finding, "proposed_change"):
        raise ValidationError(_("Fundet har allerede et ændringsforslag."))
    card = finding.evaluation.incident.card_version.card
    if field not in card_services.DRAFT_FIELDS.get(finding.target_type, ()):
        raise ValidationError(_("Feltet kan ikke ændres fra et ændringsforslag."))
    row = card_services.draft_target(
        card=card, target_type=finding.target_type, target_key=finding.target_key
    )
    if row is None:
        raise ValidationError(_("Det, fundet vedrører, findes ikke i kortets kladde."))
    return ProposedChange.objects.create(
        finding=finding,
        card=card,
        target_type=finding.target_type,
        target_key=finding.target_key,
        field=field,
        old_value=str(getattr(row, field) or ""),
        new_value=new_value,
    )


def _decided(change: ProposedChange) -> ProposedChange:
    locked = ProposedChange.objects.select_for_update().select_related("finding__evaluation")
    locked = locked.get(pk=change.pk)
    if locked.status != ProposedChange.Status.PROPOSED:
        raise ValidationError(_("Forslaget er allerede behandlet."))
    return locked


@transaction.atomic
def proposed_change_accept(
    *, change: ProposedChange, user, new_value: str | None = None
) -> ProposedChange:
    """Write the (possibly edited) proposal into the card's draft; the next published
    version lists it with the finding and incident it came from."""
    change = _decided(change)
    if new_value is not None:
        change.new_value = new_value
    incident_id = change.finding.evaluation.incident_id
    card_services.card_draft_change(
        card=change.card,
        target_type=change.target_type,
        target_key=change.target_key,
        field=change.field,
        value=change.new_value,
        user=user,
        source={
            "finding_id": change.finding_id,
            "incident_id": incident_id,
            "summary": f"{change.get_target_type_display()} {change.target_key}: "
            f"{change.field} → {change.new_value}"[:300],
        },
    )
    change.status = ProposedChange.Status.ACCEPTED
    change.decided_at = timezone.now()
    change.decided_by = user
    change.save()
    return change


@transaction.atomic
def proposed_change_reject(*, change: ProposedChange, user) -> ProposedChange:
    change = _decided(change)
    change.status = ProposedChange.Status.REJECTED
    change.decided_at = timezone.now()
    change.decided_by = user
    change.save()
    return change
