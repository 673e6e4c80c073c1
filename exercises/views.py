"""Thin views: exercise scripts (Redaktør), starting exercises and evaluating closed
incidents (Koordinator), proposed card changes (Redaktør decides), statistics (all).

Reading is for every role (``incidents.view_incident``); each write names the one
permission it needs, checked the way the incidents views check it (``requires``)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.models import ActionCard
from cards.selectors import published_versions
from cards.services import DRAFT_FIELDS
from cards.snapshots import CardSnapshot
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
from incidents.views import requires

VIEW = "incidents.view_incident"
WRITE_SCRIPT = "exercises.write_exercise_script"
RUN = "exercises.run_exercise"
DECIDE = "exercises.decide_proposed_change"


def _error(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


def _form_errors(request, form) -> None:
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))


@requires(VIEW)
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


@requires(WRITE_SCRIPT)
@require_POST
def script_create(request):
    form = ScriptForm(request.POST, cards=published_versions())
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:scripts")
    card_slug, _sep, scenario_slug = form.cleaned_data["scenario"].partition("/")
    try:
        script = services.script_create(
            card=get_object_or_404(ActionCard, slug=card_slug),
            scenario_slug=scenario_slug,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            user=request.user,
        )
    except ValidationError as exc:
        _error(request, exc)
        return redirect("exercises:scripts")
    messages.success(request, _("Drejebogen er oprettet. Tilføj deltagere og injects."))
    return redirect("exercises:script", pk=script.pk)


def _script_or_404(pk):
    try:
        return selectors.script_detail(pk=pk)
    except ExerciseScript.DoesNotExist as exc:
        raise Http404 from exc


@requires(VIEW)
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


@requires(WRITE_SCRIPT)
@require_POST
def participant_add(request, pk):
    script = _script_or_404(pk)
    form = ParticipantForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:script", pk=pk)
    try:
        services.participant_add(script=script, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    return redirect("exercises:script", pk=pk)


@requires(WRITE_SCRIPT)
@require_POST
def inject_add(request, pk):
    script = _script_or_404(pk)
    form = InjectForm(request.POST, script=script)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:script", pk=pk)
    data = form.cleaned_data
    try:
        services.inject_add(
            script=script,
            offset_seconds=data["offset_minutes"] * 60,
            text=data["text"],
            recipients=data["recipients"],
            send_to_crisis_team=data["send_to_crisis_team"],
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Injectet er tilføjet."))
    return redirect("exercises:script", pk=pk)


@requires(WRITE_SCRIPT)
@require_POST
def inject_delete(request, inject_pk):
    inject = get_object_or_404(Inject, pk=inject_pk)
    services.inject_delete(inject=inject)
    return redirect("exercises:script", pk=inject.script_id)


@requires(RUN)
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


@requires(VIEW)
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


@requires(RUN)
@require_POST
def evaluation_save(request, incident_id):
    incident = _closed_incident_or_404(incident_id)
    form = EvaluationForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:evaluation", incident_id=incident_id)
    try:
        services.evaluation_save(incident=incident, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Evalueringen er gemt."))
    return redirect("exercises:evaluation", incident_id=incident_id)


@requires(RUN)
@require_POST
def finding_add(request, incident_id):
    incident = _closed_incident_or_404(incident_id)
    form = FindingForm(request.POST, targets=_targets(incident))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:evaluation", incident_id=incident_id)
    target_type, target_key = form.cleaned_data["target"]
    try:
        services.finding_add(
            incident=incident,
            text=form.cleaned_data["text"],
            target_type=target_type,
            target_key=target_key,
            user=request.user,
        )
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Fundet er gemt."))
    return redirect("exercises:evaluation", incident_id=incident_id)


@requires(RUN)
@require_POST
def proposal_create(request, finding_id):
    finding = get_object_or_404(Finding.objects.select_related("evaluation"), pk=finding_id)
    incident_id = finding.evaluation.incident_id
    form = ProposalForm(request.POST, fields=DRAFT_FIELDS.get(finding.target_type, ()))
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("exercises:evaluation", incident_id=incident_id)
    try:
        services.proposed_change_create(finding=finding, **form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Ændringsforslaget er sendt til redaktørerne."))
    return redirect("exercises:evaluation", incident_id=incident_id)


@requires(VIEW)
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


@requires(DECIDE)
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


@requires(VIEW)
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
