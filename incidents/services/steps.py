"""Writes to the checklist's steps: tick, untick, assign, note.

Each takes the incident row, then the step row (the lock order of ``incidents.services``),
and refuses a change posted with an old step version (``StaleStepError``).
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.events import short
from incidents.models import IncidentStep, LogEntry
from incidents.services.common import _lock_running, _replayed, _system_entry, user_label
from incidents.services.times import _device_time_check


class StaleStepError(Exception):
    """A change posted with an old step version: someone else changed the step first."""

    def __init__(self, step: IncidentStep):
        self.step = step
        who = user_label(step.changed_by)
        when = timezone.localtime(step.changed_at).strftime("%H:%M") if step.changed_at else ""
        super().__init__(
            _(
                "Trinnet »%(step)s« blev %(action)s af %(who)s kl. %(when)s, mens du så på "
                "det. Din ændring er ikke gemt. Se den aktuelle status og prøv igen, hvis det "
                "stadig er nødvendigt."
            )
            % {
                "step": short(step.text, 60),
                "action": step.get_last_action_display() or _("ændret"),
                "who": who,
                "when": when,
            }
        )


def _lock_step(step: IncidentStep, version: int, idempotency_key=None, device_written_at=None):
    """The step row, locked after its incident's, at the ``version`` the change was posted
    against (else ``StaleStepError``).

    ``idempotency_key``/``device_written_at``: a change from a phone's offline queue. A
    resend of one already written answers the step with ``replayed`` set; otherwise both
    are kept on the step for the log entry ``_step_changed`` writes."""
    incident = _lock_running(step.incident_id)
    locked = (
        IncidentStep.objects.select_for_update(of=("self",))
        .select_related("changed_by")
        .get(pk=step.pk)
    )
    locked.incident = incident
    # A phone's queued tick sent again (its answer was lost): the log entry that the first
    # send wrote carries the key, so the replay is answered even if the step moved on since.
    if (
        idempotency_key is not None
        and incident.log_entries.filter(idempotency_key=idempotency_key).exists()
    ):
        return _replayed(locked)
    if locked.version != version:
        raise StaleStepError(locked)
    _device_time_check(incident, device_written_at)
    locked.offline = {"idempotency_key": idempotency_key, "device_written_at": device_written_at}
    return locked


# The log's event for each thing a person can do to a step.
_EVENTS = {
    IncidentStep.Action.DONE: LogEntry.Event.STEP_DONE,
    IncidentStep.Action.REOPENED: LogEntry.Event.STEP_REOPENED,
    IncidentStep.Action.ASSIGNED: LogEntry.Event.STEP_ASSIGNED,
    IncidentStep.Action.NOTE: LogEntry.Event.STEP_NOTE,
}


def _step_changed(step, *, user, action, now=None, **facts) -> IncidentStep:
    """Save the step as changed by ``user`` and log it with ``facts`` about the change."""
    # _lock_step holds the incident row: no one else can take this steps revision.
    step.revision = step.incident.rev_steps + 1
    step.version += 1
    step.changed_at = now or timezone.now()
    step.changed_by = user
    step.last_action = action
    step.save()
    _system_entry(
        incident=step.incident,
        user=user,
        event=_EVENTS[action],
        groups=("steps",),
        data={"step_id": step.pk, "step_key": step.key, "step_text": step.text, **facts},
        **step.offline,
    )
    return step


@transaction.atomic
def step_complete(
    *,
    step: IncidentStep,
    user,
    version: int,
    alternative: str = "",
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> IncidentStep:
    """Tick a step. ``idempotency_key``/``device_written_at``: a tick from a phone's offline
    queue (the key makes a resend a replay; the phone's time is kept on the log entry)."""
    step = _lock_step(step, version, idempotency_key, device_written_at)
    if getattr(step, "replayed", False):
        return step
    if not step.is_task:
        raise ValidationError(_("Dette trin er en oplysning og kan ikke afkrydses."))
    if step.is_done:
        raise ValidationError(_("Trinnet er allerede udført."))
    labels = [a["label"] for a in step.alternatives]
    if step.kind == "decision" and alternative not in labels:
        raise ValidationError(
            _("Vælg et af alternativerne: %(labels)s.") % {"labels": ", ".join(labels)}
        )
    now = timezone.now()
    step.done_at = now
    step.done_by = user
    step.chosen_alternative = alternative if step.kind == "decision" else ""
    chosen = next((a for a in step.alternatives if a["label"] == step.chosen_alternative), {})
    return _step_changed(
        step,
        user=user,
        action=step.Action.DONE,
        now=now,
        alternative=chosen.get("slug", chosen.get("label", "")),
        alternative_label=step.chosen_alternative,
    )


@transaction.atomic
def step_reopen(
    *,
    step: IncidentStep,
    user,
    version: int,
    reason: str,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> IncidentStep:
    """Untick a step, with a reason; the offline queue's arguments as in ``step_complete``."""
    step = _lock_step(step, version, idempotency_key, device_written_at)
    if getattr(step, "replayed", False):
        return step
    if not step.is_done:
        raise ValidationError(_("Trinnet er ikke udført, så det kan ikke fortrydes."))
    if not reason.strip():
        raise ValidationError(_("Skriv hvorfor trinnet genåbnes."))
    step.done_at = None
    step.done_by = None
    step.chosen_alternative = ""
    return _step_changed(step, user=user, action=step.Action.REOPENED, reason=reason.strip())


@transaction.atomic
def step_assign(
    *,
    step: IncidentStep,
    user,
    version: int,
    assignee=None,
    person_slug: str = "",
    person_name: str = "",
) -> IncidentStep:
    """Assign to a user with a login, or to a person from the card; neither unassigns."""
    step = _lock_step(step, version)
    step.assigned_user = assignee
    step.assigned_person_slug = "" if assignee else person_slug
    step.assigned_person_name = "" if assignee else person_name
    return _step_changed(
        step,
        user=user,
        action=step.Action.ASSIGNED,
        assignee_name=step.assignee_name or "",
        person_slug=step.assigned_person_slug,
    )


@transaction.atomic
def step_note_set(*, step: IncidentStep, user, version: int, note: str) -> IncidentStep:
    step = _lock_step(step, version)
    step.note = note.strip()
    return _step_changed(step, user=user, action=step.Action.NOTE, note=step.note)
