"""Writes from a phone's offline queue (static/js/offline-queue.js), one per request.

The phone queues a log entry, a tick/untick or figures while it has no network and sends
them in order when it is back. Each carries the key the phone made and the phone's time;
the answer is JSON the queue acts on: 200 accepted (or already accepted: ``replayed``),
400 refused for good (shown, not retried), 409 the step changed meanwhile or the incident
closed (shown to the person, never dropped silently). A 302 to the login (expired
session) or a network error leaves the item queued.

The same form classes and services as the dashboard's own forms: the queue only wraps
them, so a queued write is checked exactly like one sent online.
"""

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import role_required
from incidents import services
from incidents.forms import (
    FigureForm,
    LogEntryForm,
    OfflineWriteForm,
    StepDoneForm,
    StepReopenForm,
)
from incidents.models import Incident, IncidentStep
from incidents.views import WORK, _errors_text
from incidents.views.steps import _own_replay

FORMS = {"log": LogEntryForm, "figures": FigureForm, "done": StepDoneForm, "reopen": StepReopenForm}


def _refusal(message, status=400, **extra):
    return JsonResponse({"ok": False, "error": message, **extra}, status=status)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _conflict_text(step: IncidentStep, kind: str) -> str:
    values = {
        "step": services.short(step.text, 60),
        "action": step.get_last_action_display() or _("ændret"),
        "who": services.user_label(step.changed_by),
        "when": timezone.localtime(step.changed_at).strftime("%H:%M") if step.changed_at else "",
    }
    if kind == "done":
        text = _(
            "Trinnet »%(step)s« blev %(action)s af %(who)s kl. %(when)s, mens du var "
            "offline – dit flueben blev ikke sat."
        )
    else:
        text = _(
            "Trinnet »%(step)s« blev %(action)s af %(who)s kl. %(when)s, mens du var "
            "offline – din genåbning blev ikke gemt."
        )
    return text % values


def _write(request, incident, kind, envelope, data):
    """Call the write's service; returns (replayed, step or None)."""
    common = {
        "idempotency_key": envelope["idempotency_key"],
        "device_written_at": envelope["device_written_at"],
    }
    if kind == "log":
        entry = services.incident_log_write(
            incident=incident, text=data["text"], author=request.user, **common
        )
        return entry.replayed, None
    if kind == "figures":
        data = {k: v for k, v in data.items() if k != "idempotency_key"}
        report = services.figure_report_create(
            incident=incident, user=request.user, **data, **common
        )
        return report.replayed, None
    step = get_object_or_404(IncidentStep, pk=envelope["step"], incident_id=incident.pk)
    if kind == "done":
        step = services.step_complete(
            step=step,
            user=request.user,
            version=data["version"],
            alternative=data["alternative"],
            **common,
        )
    else:
        step = services.step_reopen(
            step=step, user=request.user, version=data["version"], reason=data["reason"], **common
        )
    return getattr(step, "replayed", False), step


@role_required(WORK)
@require_POST
def offline_write(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    envelope = OfflineWriteForm(request.POST, incident=incident)
    if not envelope.is_valid():
        return _refusal(_form_errors(envelope))
    kind = envelope.cleaned_data["kind"]
    form = FORMS[kind](request.POST)
    if not form.is_valid():
        return _refusal(_form_errors(form))
    try:
        replayed, step = _write(request, incident, kind, envelope.cleaned_data, form.cleaned_data)
    except services.StaleStepError as exc:
        if _own_replay(exc.step, kind, form.cleaned_data, request.user):
            # htmx sent it and the answer was lost, then the queue sent it again.
            return JsonResponse({"ok": True, "replayed": True})
        return _refusal(_conflict_text(exc.step, kind), status=409, conflict=True)
    except services.IncidentClosedError as exc:
        return _refusal(str(exc), status=409)
    except ValidationError as exc:
        return _refusal(_errors_text(exc))
    answer = {"ok": True, "replayed": replayed}
    if step is not None:
        answer["step"] = {"id": step.pk, "version": step.version}
    return JsonResponse(answer)
