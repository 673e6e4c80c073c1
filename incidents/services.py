"""Writes to incidents. Every write bumps ``Incident.revision`` and the revisions of the
dashboard fragment groups it changes (``incident_touch(groups=...)``; see incidents/README.md).

Lock order, everywhere: the incident row first, then a step/line/timer row. Taking the
incident row also serialises the log's sequence numbers and lets ``incident_close``
shut out every late write.
"""

import dataclasses
import datetime as dt
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cards.models import ActionCard, CardVersion
from cards.snapshots import CardSnapshot
from core.names import person_name

# Re-exported for callers that used them from here; new code imports incidents.log.
from incidents.events import minutes_seconds, short  # noqa: F401
from incidents.log import (  # noqa: F401
    ALL_GROUPS,
    GROUP_FIELDS,
    IncidentClosedError,
    incident_lock_running,
    incident_touch,
    log_entry_create,
)
from incidents.models import (
    FigureReport,
    Incident,
    IncidentScenario,
    IncidentStep,
    IncidentTimer,
    IntegrationToken,
    LogEntry,
    PhoneLineState,
    token_digest,
)
from notifications import services as notification_services

# How far before the incident a timer may start: the power may have failed before
# anyone opened the app, but not days before.
TIMER_MAX_BACKDATE = dt.timedelta(hours=48)
# Any other time that enters (a figure report's time): from a day before the incident.
INCIDENT_TIME_BACKDATE = dt.timedelta(days=1)
# A phone's or the telephony platform's clock may run a little ahead of ours.
CLOCK_SKEW = dt.timedelta(minutes=2)
SYSTEM = LogEntry.Kind.SYSTEM


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


def user_label(user) -> str:
    return person_name(user) or _("ukendt")


def _replayed(obj):
    """Mark an object found by its idempotency key: the post was a replay, nothing was written."""
    obj.replayed = True
    return obj


def _replay_under_lock(model, *, incident: Incident, idempotency_key):
    """The object an earlier post with this key created, or None; then the closed check.

    Looked up with the incident row locked, so the look-up and the insert after it cannot
    interleave with a concurrent post of the same key. Before the closed check: a phone
    retrying a post that was saved just before the incident closed gets its saved object.
    """
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if idempotency_key is not None:
        existing = model.objects.filter(incident_id=locked.pk, idempotency_key=idempotency_key)
        if (found := existing.first()) is not None:
            return _replayed(found)
    if not locked.is_running:
        raise IncidentClosedError(locked)
    return None


_lock_running = incident_lock_running


def _snapshot(incident: Incident) -> CardSnapshot:
    return CardSnapshot(
        CardVersion.objects.values_list("snapshot", flat=True).get(pk=incident.card_version_id)
    )


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
    version = CardVersion.objects.filter(card=card).order_by("-number").first()
    if version is None:
        raise ValidationError(
            _("Kortet »%(card)s« er ikke udgivet endnu, så der kan ikke startes en hændelse.")
            % {"card": card.title}
        )
    snapshot = CardSnapshot(version.snapshot)
    if scenario_slug not in snapshot.scenario_slugs():
        raise ValidationError(_("Scenariet findes ikke i den udgivne version af kortet."))
    now = timezone.now()
    try:
        with transaction.atomic():
            incident = Incident.objects.create(
                card_version=version,
                title=snapshot.scenario(scenario_slug).title,
                is_exercise=is_exercise,
                started_at=now,
                started_by=user,
                changed_at=now,
                idempotency_key=idempotency_key,
                **(
                    {"update_interval_minutes": update_interval_minutes}
                    if update_interval_minutes
                    else {}
                ),
            )
    except IntegrityError:
        if idempotency_key is None:
            raise
        return _replayed(Incident.objects.get(idempotency_key=idempotency_key))
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
    _scenario_join(
        incident=incident, snapshot=snapshot, scenario_slug=scenario_slug, user=user, now=now
    )
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
        event=LogEntry.Event.INCIDENT_STARTED,
        data={
            "scenario_slug": scenario_slug,
            "scenario_title": incident.title,
            "card_version": version.number,
            "is_exercise": is_exercise,
            "actor_name": user_label(user),
        },
    )
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
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
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


def _lock_step(*, step: IncidentStep, version: int, idempotency_key=None) -> IncidentStep:
    incident = _lock_running(step.incident_id)
    locked = (
        IncidentStep.objects.select_for_update(of=("self",))
        .select_related("changed_by")
        .get(pk=step.pk)
    )
    # A phone's queued tick sent again (its answer was lost): the log entry that the first
    # send wrote carries the key, so the replay is answered even if the step moved on since.
    if (
        idempotency_key is not None
        and incident.log_entries.filter(idempotency_key=idempotency_key).exists()
    ):
        locked.incident = incident
        return _replayed(locked)
    if locked.version != version:
        raise StaleStepError(locked)
    locked.incident = incident
    return locked


def _device_time_check(incident, device_written_at):
    # The phone's clock when an offline write was queued: bounded like every time that enters.
    if device_written_at is not None:
        incident_time_check(incident=incident, when=device_written_at)


def _step_facts(step, **facts) -> dict:
    return {"step_id": step.pk, "step_key": step.key, "step_text": step.text, **facts}


def _step_changed(
    step, *, user, action, now, event, data, idempotency_key=None, device_written_at=None
):
    # _lock_step holds the incident row: no one else can take this steps revision.
    step.revision = step.incident.rev_steps + 1
    incident_touch(incident_id=step.incident_id, groups=("steps",))
    step.version += 1
    step.changed_at = now
    step.changed_by = user
    step.last_action = action
    step.save()
    log_entry_create(
        incident=step.incident,
        author=user,
        kind=SYSTEM,
        event=event,
        data=data,
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
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
    step = _lock_step(step=step, version=version, idempotency_key=idempotency_key)
    if getattr(step, "replayed", False):
        return step
    _device_time_check(step.incident, device_written_at)
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
    data = _step_facts(
        step,
        alternative=chosen.get("slug", chosen.get("label", "")),
        alternative_label=step.chosen_alternative,
    )
    return _step_changed(
        step,
        user=user,
        action=step.Action.DONE,
        now=now,
        event=LogEntry.Event.STEP_DONE,
        data=data,
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
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
    step = _lock_step(step=step, version=version, idempotency_key=idempotency_key)
    if getattr(step, "replayed", False):
        return step
    _device_time_check(step.incident, device_written_at)
    if not step.is_done:
        raise ValidationError(_("Trinnet er ikke udført, så det kan ikke fortrydes."))
    if not reason.strip():
        raise ValidationError(_("Skriv hvorfor trinnet genåbnes."))
    step.done_at = None
    step.done_by = None
    step.chosen_alternative = ""
    return _step_changed(
        step,
        user=user,
        action=step.Action.REOPENED,
        now=timezone.now(),
        event=LogEntry.Event.STEP_REOPENED,
        data=_step_facts(step, reason=reason.strip()),
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
    )


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
    step = _lock_step(step=step, version=version)
    step.assigned_user = assignee
    step.assigned_person_slug = "" if assignee else person_slug
    step.assigned_person_name = "" if assignee else person_name
    data = _step_facts(
        step, assignee_name=step.assignee_name or "", person_slug=step.assigned_person_slug
    )
    return _step_changed(
        step,
        user=user,
        action=step.Action.ASSIGNED,
        now=timezone.now(),
        event=LogEntry.Event.STEP_ASSIGNED,
        data=data,
    )


@transaction.atomic
def step_note_set(*, step: IncidentStep, user, version: int, note: str) -> IncidentStep:
    step = _lock_step(step=step, version=version)
    step.note = note.strip()
    return _step_changed(
        step,
        user=user,
        action=step.Action.NOTE,
        now=timezone.now(),
        event=LogEntry.Event.STEP_NOTE,
        data=_step_facts(step, note=step.note),
    )


@transaction.atomic
def incident_log_write(
    *,
    incident: Incident,
    text: str,
    author,
    category: str | None = None,
    corrects: LogEntry | None = None,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> LogEntry:
    """A log entry written by a person; a correction points at the entry it corrects.

    ``category`` is the logfører's kind (information, beslutning, handling, undladelse):
    Information when not given; a correction keeps the kind of the entry it corrects
    unless one is given explicitly. A replay of the same form (same ``idempotency_key``)
    answers the entry it wrote. ``device_written_at``: the phone's time, for an entry
    queued offline and sent later.
    """
    if replay := _replay_under_lock(LogEntry, incident=incident, idempotency_key=idempotency_key):
        return replay
    _device_time_check(incident, device_written_at)
    text = text.strip()
    if not text:
        raise ValidationError(_("Skriv en tekst til loggen."))
    if corrects is not None and corrects.incident_id != incident.pk:
        raise ValidationError(_("Rettelsen skal høre til samme hændelse."))
    if not category:
        category = corrects.category if corrects is not None else LogEntry.Category.INFORMATION
    if category not in LogEntry.Category.values:
        raise ValidationError(_("Vælg en art for indlægget."))
    return log_entry_create(
        incident=incident,
        text=text,
        author=author,
        category=category,
        corrects=corrects,
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
    )


@transaction.atomic
def figure_report_create(
    *,
    incident: Incident,
    user=None,
    source: str = "",
    agents_on_duty: int,
    agents_available: int,
    calls_in_queue: int,
    longest_wait_seconds: int,
    average_wait_seconds: int,
    reported_at=None,
    idempotency_key: uuid.UUID | None = None,
    device_written_at: dt.datetime | None = None,
) -> FigureReport:
    """Store one figure report; a replay (same ``idempotency_key``) answers the stored one.

    ``reported_at`` is when the server got it; ``device_written_at`` the phone's time for
    figures entered offline (both are shown when they differ)."""
    replay = _replay_under_lock(FigureReport, incident=incident, idempotency_key=idempotency_key)
    if replay:
        return replay
    _device_time_check(incident, device_written_at)
    if reported_at is not None:
        incident_time_check(incident=incident, when=reported_at)
    if agents_available > agents_on_duty:
        raise ValidationError(_("Der kan ikke være flere ledige end medarbejdere på vagt."))
    report = FigureReport(
        incident_id=incident.pk,
        reported_by=user,
        source=source,
        agents_on_duty=agents_on_duty,
        agents_available=agents_available,
        calls_in_queue=calls_in_queue,
        longest_wait_seconds=longest_wait_seconds,
        average_wait_seconds=average_wait_seconds,
        reported_at=reported_at or timezone.now(),
        idempotency_key=idempotency_key,
        device_written_at=device_written_at,
    )
    report.full_clean(exclude=["incident", "idempotency_key"])
    report.save()
    incident_touch(incident_id=incident.pk, groups=("figures",))
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
        event=LogEntry.Event.FIGURES_REPORTED,
        data={
            "figure_id": report.pk,
            "agents_on_duty": agents_on_duty,
            "agents_available": agents_available,
            "calls_in_queue": calls_in_queue,
            "longest_wait_seconds": longest_wait_seconds,
            "average_wait_seconds": average_wait_seconds,
            "source": source,
        },
        device_written_at=device_written_at,
    )
    return report


@transaction.atomic
def phone_line_switch(*, line: PhoneLineState, user, announcement_slug: str) -> PhoneLineState:
    """Record which announcement is now on the line ('' = back to normal)."""
    incident = _lock_running(line.incident_id)
    line = PhoneLineState.objects.select_for_update().get(pk=line.pk)
    announcements = _snapshot(incident).announcements
    if announcement_slug and announcement_slug not in announcements:
        raise ValidationError(_("Ukendt infobesked."))
    if announcement_slug == line.announcement_slug:
        raise ValidationError(_("Linjen har allerede den infobesked."))
    before = {
        "from_announcement": line.announcement_slug,
        "from_announcement_title": line.announcement_name,
    }
    line.announcement_slug = announcement_slug
    line.announcement_name = announcements[announcement_slug]["name"] if announcement_slug else ""
    line.switched_at = timezone.now()
    line.switched_by = user
    line.save()
    incident_touch(incident_id=incident.pk, groups=("lines",))
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
        event=LogEntry.Event.LINE_SWITCHED,
        data={
            "line_slug": line.line_slug,
            "line_name": line.name,
            **before,
            "to_announcement": announcement_slug,
            "to_announcement_title": line.announcement_name,
        },
    )
    return line


def incident_time_check(
    *, incident: Incident, when: dt.datetime, what: str = "time", now=None
) -> None:
    """The one plausibility window for every time that enters an incident (forms, the API,
    services): from shortly before the incident started to now plus a small clock skew.

    A time outside it is a typo or an attack, and a year-1 time with a +14:00 offset
    cannot even be read back from PostgreSQL: every page that loads the row would fail.
    ``what`` is "timer" (may start up to 48 hours before the incident) or "time".
    """
    now = now or timezone.now()
    backdate = TIMER_MAX_BACKDATE if what == "timer" else INCIDENT_TIME_BACKDATE
    if when > now + CLOCK_SKEW:
        raise ValidationError(
            _("Starttidspunktet kan ikke ligge i fremtiden.")
            if what == "timer"
            else _("Tidspunktet kan ikke ligge i fremtiden."),
            code="future",
        )
    if when < incident.started_at - backdate:
        raise ValidationError(
            _("Starttidspunktet kan højst ligge 48 timer før hændelsen startede.")
            if what == "timer"
            else _("Tidspunktet kan højst ligge 24 timer før hændelsen startede."),
            code="too_early",
        )


def timer_start_validate(*, incident: Incident, started_at: dt.datetime) -> None:
    incident_time_check(incident=incident, when=started_at, what="timer")


@transaction.atomic
def timer_start_set(*, timer: IncidentTimer, user, started_at: dt.datetime) -> IncidentTimer:
    """Move a timer's start back to when the trouble actually began."""
    incident = _lock_running(timer.incident_id)
    timer_start_validate(incident=incident, started_at=started_at)
    timer = IncidentTimer.objects.select_for_update().get(pk=timer.pk)
    before = timer.started_at
    timer.started_at = started_at
    timer.changed_by = user
    timer.save()
    incident_touch(incident_id=incident.pk, groups=("timers",))
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
        event=LogEntry.Event.TIMER_MOVED,
        data={
            "timer_id": timer.pk,
            "timer_name": timer.name,
            "from_started_at": before.isoformat(),
            "to_started_at": started_at.isoformat(),
        },
    )
    return timer


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
    incident_touch(incident_id=incident.pk)  # read-only from now: every fragment changes
    log_entry_create(
        incident=incident,
        author=user,
        kind=SYSTEM,
        event=LogEntry.Event.INCIDENT_CLOSED,
        data={"summary": incident.summary, "actor_name": user_label(user)},
    )
    notification_services.status_update_create(incident=incident, reason="closed", user=user)
    # Incident report (issue 6), rendered by a Celery task after the close commits. A
    # function import: incidents.pdf reads through this module.
    from incidents.pdf.services import incident_report_schedule

    incident_report_schedule(incident=incident)
    return incident


def integration_token_create(
    *, name: str, user=None, card=None, incident=None
) -> tuple[IntegrationToken, str]:
    """A new API token, optionally scoped to a card's incidents or one incident; the raw
    value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name,
        prefix=raw[:8],
        token_hash=token_digest(raw),
        created_by=user,
        card=card,
        incident=incident,
    )
    return token, raw


def integration_token_check(*, raw: str) -> IntegrationToken | None:
    token = IntegrationToken.objects.filter(token_hash=token_digest(raw), is_active=True).first()
    if token is not None:
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
