"""Thin views: exercise scripts (Redaktør), starting exercises and evaluating closed
incidents (Koordinator), proposed card changes (Redaktør decides), statistics (all).

Reading is for every role (``incidents.view_incident``); each write names the one
permission it needs, checked the way every view checks it (``core.access.role_required``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.models import ActionCard
from cards.selectors import published_versions
from cards.services import DRAFT_FIELDS
from cards.snapshots import CardSnapshot
from core.access import role_required
from exercises import selectors, services
from exercises.forms import (
    DecisionForm,
    EvaluationForm,
    FindingForm,
    InjectForm,
    ParticipantForm,
    ProposalForm,
    ScriptForm,
    StartExerciseForm,
    StatisticsForm,
    target_choices,
)
from exercises.models import ExerciseScript, Finding, Inject, ProposedChange
from exercises.presentation import statistics_charts
from incidents.models import Incident

VIEW = "incidents.view_incident"
WRITE_SCRIPT = "exercises.write_exercise_script"
RUN = "exercises.run_exercise"
DECIDE = "exercises.decide_proposed_change"


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _form_errors(request, form) -> None:
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))


def _write(request, form, write, *, back, success="", done=None):
    """The one shape of an exercise write: an invalid form or a refused write says why and
    goes ``back``; a saved one says ``success`` and goes to ``done(result)``, else back."""
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(back)
    try:
        result = write(form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
        return redirect(back)
    if success:
        messages.success(request, success)
    return redirect(done(result) if done else back)


@role_required(VIEW)
@require_GET
def script_list(request):
    closed = Incident.objects.filter(status=Incident.Status.CLOSED).order_by("-closed_at")[:20]
    return render(
        request,
        "exercises/script_list.html",
        {
            "scripts": selectors.scripts_for_list(),
            "form": ScriptForm(cards=published_versions()),
            "closed": closed,
            "can_write": request.user.has_perm(WRITE_SCRIPT),
            "can_run": request.user.has_perm(RUN),
        },
    )


@role_required(WRITE_SCRIPT)
@require_POST
def script_create(request):
    def write(data):
        card_slug, _sep, scenario_slug = data["scenario"].partition("/")
        return services.script_create(
            card=get_object_or_404(ActionCard, slug=card_slug),
            scenario_slug=scenario_slug,
            title=data["title"],
            description=data["description"],
            user=request.user,
        )

    form = ScriptForm(request.POST, cards=published_versions())
    back = reverse("exercises:scripts")
    return _write(
        request,
        form,
        write,
        back=back,
        success=_("Drejebogen er oprettet. Tilføj deltagere og injects."),
        done=lambda script: reverse("exercises:script", args=[script.pk]),
    )


def _script_or_404(pk):
    try:
        return selectors.script_detail(pk=pk)
    except ExerciseScript.DoesNotExist as exc:
        raise Http404 from exc


@role_required(VIEW)
@require_GET
def script_detail(request, pk):
    script = _script_or_404(pk)
    return render(
        request,
        "exercises/script.html",
        {
            "script": script,
            "participant_form": ParticipantForm(),
            "inject_form": InjectForm(script=script),
            "start_form": StartExerciseForm(),
            "runs": script.runs.select_related("incident").order_by("-started_at")[:10],
            "can_write": request.user.has_perm(WRITE_SCRIPT),
            "can_run": request.user.has_perm(RUN),
        },
    )


@role_required(WRITE_SCRIPT)
@require_POST
def participant_add(request, pk):
    script = _script_or_404(pk)

    def write(data):
        services.participant_add(script=script, **data)

    back = reverse("exercises:script", args=[pk])
    return _write(request, ParticipantForm(request.POST), write, back=back)


@role_required(WRITE_SCRIPT)
@require_POST
def inject_add(request, pk):
    script = _script_or_404(pk)

    def write(data):
        services.inject_add(
            script=script,
            offset_seconds=data["offset_minutes"] * 60,
            text=data["text"],
            recipients=data["recipients"],
            send_to_crisis_team=data["send_to_crisis_team"],
        )

    form = InjectForm(request.POST, script=script)
    back = reverse("exercises:script", args=[pk])
    return _write(request, form, write, back=back, success=_("Injectet er tilføjet."))


@role_required(WRITE_SCRIPT)
@require_POST
def inject_delete(request, inject_pk):
    inject = get_object_or_404(Inject, pk=inject_pk)
    services.inject_delete(inject=inject)
    return redirect("exercises:script", pk=inject.script_id)


@role_required(RUN)
@require_POST
def exercise_start(request, pk):
    script = _script_or_404(pk)
    form = StartExerciseForm(request.POST)
    key = form.cleaned_data["idempotency_key"] if form.is_valid() else None
    try:
        incident = services.exercise_start(script=script, user=request.user, idempotency_key=key)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("exercises:script", pk=pk)
    messages.success(request, _("Øvelsen er startet. Injects kommer i loggen til tiden."))
    return redirect("incidents:dashboard", pk=incident.pk)


def _closed_incident_or_404(incident_id):
    incident = get_object_or_404(
        Incident.objects.select_related("card_version__card", "started_by"), pk=incident_id
    )
    return incident


def _targets(incident):
    snapshot = CardSnapshot(incident.card_version.snapshot)
    slugs = incident.scenarios.values_list("scenario_slug", flat=True)
    return target_choices(snapshot, slugs)


@role_required(VIEW)
@require_GET
def evaluation(request, incident_id):
    incident = _closed_incident_or_404(incident_id)
    evaluation = selectors.evaluation_for(incident=incident)
    run = selectors.run_for_incident(incident=incident)
    initial = (
        {"worked": evaluation.worked, "did_not_work": evaluation.did_not_work} if evaluation else {}
    )
    return render(
        request,
        "exercises/evaluation.html",
        {
            "incident": incident,
            "evaluation": evaluation,
            "run": run,
            "injects": selectors.run_injects(run=run) if run else [],
            "metrics": selectors.response_metrics(incident=incident),
            "form": EvaluationForm(initial=initial),
            "finding_form": FindingForm(targets=_targets(incident)),
            "draft_fields": DRAFT_FIELDS,
            "can_evaluate": request.user.has_perm(RUN) and not incident.is_running,
        },
    )


@role_required(RUN)
@require_POST
def evaluation_save(request, incident_id):
    incident = _closed_incident_or_404(incident_id)
    form = EvaluationForm(request.POST)
    back = reverse("exercises:evaluation", args=[incident_id])
    return _write(
        request,
        form,
        lambda data: services.evaluation_save(incident=incident, user=request.user, **data),
        back=back,
        success=_("Evalueringen er gemt."),
    )


@role_required(RUN)
@require_POST
def finding_add(request, incident_id):
    incident = _closed_incident_or_404(incident_id)

    def write(data):
        target_type, target_key = data["target"]
        services.finding_add(
            incident=incident,
            text=data["text"],
            target_type=target_type,
            target_key=target_key,
            user=request.user,
        )

    form = FindingForm(request.POST, targets=_targets(incident))
    back = reverse("exercises:evaluation", args=[incident_id])
    return _write(request, form, write, back=back, success=_("Fundet er gemt."))


@role_required(RUN)
@require_POST
def proposal_create(request, finding_id):
    finding = get_object_or_404(Finding.objects.select_related("evaluation"), pk=finding_id)
    form = ProposalForm(request.POST, fields=DRAFT_FIELDS.get(finding.target_type, ()))
    back = reverse("exercises:evaluation", args=[finding.evaluation.incident_id])
    return _write(
        request,
        form,
        lambda data: services.proposed_change_create(finding=finding, **data),
        back=back,
        success=_("Ændringsforslaget er sendt til redaktørerne."),
    )


@role_required(VIEW)
@require_GET
def proposal_list(request):
    decided = ProposedChange.objects.exclude(status=ProposedChange.Status.PROPOSED)
    return render(
        request,
        "exercises/proposals.html",
        {
            "open": selectors.proposed_changes_open(),
            "decided": decided.select_related("card", "finding__evaluation")[:50],
            "can_decide": request.user.has_perm(DECIDE),
        },
    )


@role_required(DECIDE)
@require_POST
def proposal_decide(request, pk, decision):
    change = get_object_or_404(ProposedChange, pk=pk)
    form = DecisionForm(request.POST)
    if decision not in ("godkend", "afvis") or not form.is_valid():
        if not form.is_valid():
            _form_errors(request, form)
        return redirect("exercises:proposals")
    try:
        if decision == "godkend":
            edited = form.cleaned_data["new_value"] if "new_value" in request.POST else None
            services.proposed_change_accept(change=change, user=request.user, new_value=edited)
            messages.success(
                request, _("Forslaget er skrevet i kortets kladde og kommer med i næste version.")
            )
        else:
            services.proposed_change_reject(change=change, user=request.user)
            messages.success(request, _("Forslaget er afvist."))
    except ValidationError as exc:
        _error(request, exc)
    return redirect("exercises:proposals")


@role_required(VIEW)
@require_GET
def statistics(request):
    scenarios = selectors.scenario_choices()
    form = StatisticsForm(request.GET or None, scenarios=scenarios)
    slug = form.cleaned_data["scenario"] if form.is_valid() else ""
    if not slug and scenarios:
        slug = scenarios[0][0]
    stats = selectors.scenario_statistics(scenario_slug=slug) if slug else None
    return render(
        request,
        "exercises/statistics.html",
        {
            "form": form,
            "scenario_slug": slug,
            "stats": stats,
            "charts": statistics_charts(stats) if stats else [],
            "scenarios": scenarios,
        },
    )
