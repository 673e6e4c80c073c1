"""The checklist's steps: the step page and its actions (done, reopen, note, assign)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from cards.snapshots import CardSnapshot
from core.access import role_required
from core.htmx import HtmxTemplateResponse
from incidents import services
from incidents.forms import (
    StepAssignForm,
    StepDoneForm,
    StepNoteForm,
    StepReopenForm,
)
from incidents.models import IncidentStep
from incidents.views import (
    VIEW,
    WORK,
    _done,
    _errors_text,
    _live,
    _refused,
)


def _step_or_404(pk, step_pk):
    return get_object_or_404(
        IncidentStep.objects.select_related("incident__card_version", "done_by", "assigned_user"),
        pk=step_pk,
        incident_id=pk,
    )


def _step_people(step):
    return list(CardSnapshot(step.incident.card_version.snapshot).people.values())


@role_required(VIEW)
@require_GET
def step_detail(request, pk, step_pk):
    step = _step_or_404(pk, step_pk)
    return _step_page(request, step)


def _step_page(request, step, status=200, partial=None, **forms):
    incident = step.incident
    initial = {"version": step.version}
    context = {
        "incident": incident,
        "step": step,
        "can_work": incident.is_running and request.user.has_perm(WORK),
        "done_form": StepDoneForm(initial=initial),
        "reopen_form": StepReopenForm(initial=initial),
        "note_form": StepNoteForm(initial={**initial, "note": step.note}),
        "assign_form": StepAssignForm(
            initial={
                **initial,
                "assignee": f"user:{step.assigned_user_id}"
                if step.assigned_user_id
                else (f"person:{step.assigned_person_slug}" if step.assigned_person_slug else ""),
            },
            people=_step_people(step),
        ),
    }
    context.update(forms)
    return HtmxTemplateResponse(
        request, "incidents/step.html", context, partial=partial, status=status
    )


STEP_ACTIONS = {
    "done": StepDoneForm,
    "reopen": StepReopenForm,
    "note": StepNoteForm,
    "assign": StepAssignForm,
}


@role_required(WORK)
@require_POST
def step_update(request, pk, step_pk, action):
    if action not in STEP_ACTIONS:
        raise Http404
    step = _step_or_404(pk, step_pk)
    incident = step.incident
    form_class = STEP_ACTIONS[action]
    kwargs = {"people": _step_people(step)} if action == "assign" else {}
    form = form_class(request.POST, **kwargs)
    anchor = f"#step-{step.pk}"
    from_step_page = request.htmx and request.htmx.target == "step-panel"
    if not incident.is_running:
        if action in TYPED_ACTIONS:
            return _step_refused(request, step, services.IncidentClosedError(incident), form)
        return _refused(request, incident, services.IncidentClosedError(incident), anchor)
    if not form.is_valid():
        if request.htmx and not from_step_page:
            messages.error(request, _errors_text(ValidationError(list(form.errors.values()))))
            return _live(request, incident)
        return _step_refused(request, step, None, form, status=400)
    data = form.cleaned_data
    common = {"step": step, "user": request.user, "version": data["version"]}
    try:
        if action == "done":
            services.step_complete(**common, alternative=data["alternative"])
        elif action == "reopen":
            services.step_reopen(**common, reason=data["reason"])
        elif action == "note":
            services.step_note_set(**common, note=data["note"])
        else:
            services.step_assign(**common, **data["assignee"])
    except services.StaleStepError as exc:
        if _own_replay(exc.step, action, data, request.user):
            return _step_done(request, incident, anchor, from_step_page)
        return _step_refused_or_fragments(request, step, exc, form, action, from_step_page, anchor)
    except (services.IncidentClosedError, ValidationError) as exc:
        return _step_refused_or_fragments(request, step, exc, form, action, from_step_page, anchor)
    return _step_done(request, incident, anchor, from_step_page)


def _own_replay(current, action, data, user):
    """The stale post is this person's own second tap (or a retry) of the change that is
    already saved: the step's next version is theirs and says what they asked for."""
    if current.changed_by_id != user.pk or current.version != data["version"] + 1:
        return False
    if action == "done":
        chosen = data["alternative"] if current.kind == "decision" else ""
        return current.last_action == IncidentStep.Action.DONE and (
            current.is_done and current.chosen_alternative == chosen
        )
    if action == "reopen":
        return current.last_action == IncidentStep.Action.REOPENED and not current.is_done
    if action == "note":
        return current.last_action == IncidentStep.Action.NOTE and current.note == data["note"]
    return False


def _step_refused_or_fragments(request, step, exc, form, action, from_step_page, anchor):
    if action in TYPED_ACTIONS or from_step_page:
        return _step_refused(request, step, exc, form)
    if isinstance(exc, ValidationError):
        exc = _errors_text(exc)
    return _refused(request, step.incident, exc, anchor)


def _step_done(request, incident, anchor, from_step_page):
    if from_step_page:
        return HttpResponseClientRedirect(
            reverse("incidents:dashboard", args=[incident.pk]) + anchor
        )
    return _done(request, incident, anchor)


# The step forms with words in them: a refusal must hand those words back.
TYPED_ACTIONS = ("reopen", "note")


def _step_refused(request, step, exc, form, status=409):
    """The step page with the person's form bound (their note or reason intact) next to
    the step as it is now, and why it was not saved: who changed it first, and when."""
    fresh = _step_or_404(step.incident_id, step.pk)
    action = next(name for name, cls in STEP_ACTIONS.items() if isinstance(form, cls))
    if isinstance(exc, ValidationError):
        exc = _errors_text(exc)
    context = {
        f"{action}_form": form,
        "conflict": str(exc) if exc else "",
        "conflict_stale": isinstance(exc, services.StaleStepError),
        "kept_action": action,
    }
    # htmx only swaps 2xx answers: there the panel alone, carrying the refusal itself.
    status = 200 if request.htmx else status
    return _step_page(request, fresh, status=status, partial="step-panel", **context)
