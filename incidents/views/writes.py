"""Incident writes from the dashboard: start, escalate, log, figures, lines, timers, close."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cards.models import ActionCard
from cards.selectors import published_version
from cards.snapshots import CardSnapshot
from core.access import role_required
from core.htmx import HtmxTemplateResponse
from incidents import selectors, services
from incidents.forms import (
    LOG_FILTERS,
    CloseForm,
    EscalateForm,
    FigureForm,
    LogEntryForm,
    PhoneLineSwitchForm,
    StartForm,
    TimerStartForm,
    card_slug,
    log_filter_of,
)
from incidents.models import Incident, IncidentTimer, LogEntry, PhoneLineState
from incidents.views import (
    START,
    VIEW,
    WORK,
    _done,
    _errors_text,
    _kept,
    _live,
    _page,
    _refused,
)


@role_required(START)
@require_POST
def start(request):
    card = get_object_or_404(ActionCard, slug=card_slug(request.POST.get("card", "")))
    form = StartForm(request.POST)
    if not form.is_valid():
        return render(
            request, "incidents/start_confirm.html", {"card": card, "form": form}, status=400
        )
    data = form.cleaned_data
    if not data["confirm"]:
        version = published_version(card=card)
        scenario = None
        if version is not None:
            snapshot = CardSnapshot(version.snapshot)
            if data["scenario"] in snapshot.scenario_slugs():
                scenario = snapshot.scenario(data["scenario"])
        if scenario is None:
            raise Http404
        return render(
            request,
            "incidents/start_confirm.html",
            {
                "card": card,
                "form": form,
                "scenario": scenario,
                "version": version,
                # The confirmation is the form that starts: keep the first form's key.
                "idempotency_key": data["idempotency_key"] or uuid.uuid4(),
            },
        )
    try:
        incident = services.incident_start(
            card=card,
            scenario_slug=data["scenario"],
            user=request.user,
            is_exercise=data["is_exercise"],
            update_interval_minutes=data["update_interval_minutes"],
            idempotency_key=data["idempotency_key"],
        )
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        return redirect("home")
    if incident.replayed:
        messages.info(request, _("Hændelsen var allerede startet – her er den."))
    else:
        messages.success(request, _("Hændelsen er startet. Tjeklisten er klar."))
    return redirect("incidents:dashboard", pk=incident.pk)


def _incident_or_404(pk):
    return get_object_or_404(Incident.objects.select_related("card_version"), pk=pk)


@role_required(START)
@require_POST
def escalate(request, pk):
    incident = _incident_or_404(pk)
    snapshot = CardSnapshot(incident.card_version.snapshot)
    present = set(incident.scenarios.values_list("scenario_slug", flat=True))
    options = selectors.escalation_options(snapshot=snapshot, present=present)
    form = EscalateForm(request.POST, options=options)
    if not form.is_valid():
        if not incident.is_running:
            return _refused(request, incident, services.IncidentClosedError(incident))
        messages.error(request, _errors_text(ValidationError(form.errors["scenario"])))
        return _done(request, incident)
    try:
        joined = services.incident_scenario_add(
            incident=incident, scenario_slug=form.cleaned_data["scenario"], user=request.user
        )
    except services.IncidentClosedError as exc:
        return _refused(request, incident, exc)
    except ValidationError as exc:
        messages.error(request, _errors_text(exc))
        return _done(request, incident)
    messages.success(
        request, _("Scenariet »%(s)s« er tilføjet til tjeklisten.") % {"s": joined.title}
    )
    return _done(request, incident, "#incident-steps")


@role_required(WORK)
@require_POST
def log_write(request, pk):
    incident = _incident_or_404(pk)
    form = LogEntryForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            return _live(request, incident, log_form=form, log_form_oob=True)
        return _page(request, incident, status=400, log_form=form)
    try:
        services.incident_log_write(
            incident=incident,
            text=form.cleaned_data["text"],
            author=request.user,
            category=form.cleaned_data["category"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except (services.IncidentClosedError, ValidationError) as exc:
        text = _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
        return _kept(request, incident, text, log_form=form, log_form_oob=True)
    if request.htmx:
        return _live(request, incident, log_form_oob=True)
    return redirect(reverse("incidents:dashboard", args=[pk]) + "#incident-log")


@role_required(VIEW)
@require_GET
def log_full(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    log_filter = log_filter_of(request.GET.get("art"))
    page = selectors.full_log(
        incident=incident, page=request.GET.get("side") or 1, category=log_filter
    )
    # The filter form swaps only the timeline (htmx); without JavaScript it loads the page.
    return HtmxTemplateResponse(
        request,
        "incidents/log.html",
        {
            "incident": incident,
            "page": page,
            "log_filter": log_filter,
            "log_filters": LOG_FILTERS,
            "can_work": incident.is_running and request.user.has_perm(WORK),
        },
        partial="log-timeline",
    )


@role_required(WORK)
def log_correct(request, pk, sequence):
    incident = get_object_or_404(Incident, pk=pk)
    entry = get_object_or_404(
        LogEntry.objects.select_related("author"), incident=incident, sequence=sequence
    )
    if entry.kind != LogEntry.Kind.MANUAL:
        raise Http404
    if request.method == "POST":
        form = LogEntryForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                services.incident_log_write(
                    incident=incident,
                    text=form.cleaned_data["text"],
                    author=request.user,
                    # The form shows the old kind preselected: kept, or changed on purpose.
                    category=form.cleaned_data["category"] or entry.category,
                    corrects=entry,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except services.IncidentClosedError as exc:
                # The correction comes back on the page, to copy: nothing typed is lost.
                incident.refresh_from_db()
                form.add_error(None, str(exc))
                status = 409
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Rettelsen er skrevet i loggen."))
                return redirect("incidents:log", pk=pk)
    else:
        form = LogEntryForm(initial={"text": entry.text, "category": entry.category})
        status = 200
        if not incident.is_running:
            messages.error(request, str(services.IncidentClosedError(incident)))
            return redirect("incidents:log", pk=pk)
    return render(
        request,
        "incidents/log_correct.html",
        {"incident": incident, "entry": entry, "form": form},
        status=status,
    )


@role_required(WORK)
@require_POST
def figures_add(request, pk):
    incident = _incident_or_404(pk)
    form = FigureForm(request.POST)
    kept = {"figure_form": form, "figure_form_oob": True}
    if not incident.is_running:
        return _kept(request, incident, services.IncidentClosedError(incident), **kept)
    if not form.is_valid():
        if request.htmx:
            return _live(request, incident, **kept)
        return _page(request, incident, status=400, figure_form=form)
    try:
        report = services.figure_report_create(
            incident=incident, user=request.user, **form.cleaned_data
        )
    except services.IncidentClosedError as exc:
        return _kept(request, incident, exc, **kept)
    except ValidationError as exc:
        # A refusal the form could not see (a bound the service checks): the figures stay.
        form.add_error(None, exc)
        if request.htmx:
            return _live(request, incident, **kept)
        return _page(request, incident, status=400, figure_form=form)
    if report.replayed:
        messages.info(request, _("Tallene var allerede gemt."))
    else:
        messages.success(request, _("Tallene er gemt."))
    if request.htmx:
        return _live(request, incident, figure_form_oob=True)
    return redirect(reverse("incidents:dashboard", args=[pk]) + "#incident-figures")


@role_required(WORK)
@require_POST
def phone_line_switch(request, pk, line_pk):
    line = get_object_or_404(PhoneLineState, pk=line_pk, incident_id=pk)
    incident = _incident_or_404(pk)
    form = PhoneLineSwitchForm(request.POST)
    anchor = "#incident-lines"
    try:
        if not form.is_valid():
            raise ValidationError(_("Ukendt infobesked."))
        services.phone_line_switch(
            line=line, user=request.user, announcement_slug=form.cleaned_data["announcement"]
        )
    except services.IncidentClosedError as exc:
        return _refused(request, incident, exc, anchor)
    except ValidationError as exc:
        return _refused(request, incident, _errors_text(exc), anchor)
    return _done(request, incident, anchor)


@role_required(WORK)
@require_POST
def timer_start(request, pk, timer_pk):
    timer = get_object_or_404(IncidentTimer, pk=timer_pk, incident_id=pk)
    incident = _incident_or_404(pk)
    if not incident.is_running:
        return _refused(request, incident, services.IncidentClosedError(incident))
    form = TimerStartForm(request.POST, incident=incident)
    if not form.is_valid():
        if request.htmx:
            messages.error(request, " ".join(form.errors["started_at"]))
            return _live(request, incident)
        return _page(request, incident, status=400, timer_form=form, timer_form_for=timer.pk)
    try:
        services.timer_start_set(
            timer=timer, user=request.user, started_at=form.cleaned_data["started_at"]
        )
    except services.IncidentClosedError as exc:
        return _refused(request, incident, exc)
    except ValidationError as exc:
        if request.htmx:
            return _refused(request, incident, _errors_text(exc))
        form.add_error("started_at", exc)
        return _page(request, incident, status=400, timer_form=form, timer_form_for=timer.pk)
    messages.success(request, _("Timeren er flyttet."))
    return _done(request, incident, "#incident-timers")


@role_required(START)
def close(request, pk):
    incident = _incident_or_404(pk)
    form = CloseForm(request.POST or None)
    if not incident.is_running:
        if request.method != "POST" or not form.data.get("summary", "").strip():
            messages.error(request, str(services.IncidentClosedError(incident)))
            return redirect("incidents:dashboard", pk=pk)
        # Someone else closed it first: their summary stays on the page, to copy.
        form.is_valid()
        form.errors.clear()
        form.add_error(None, str(services.IncidentClosedError(incident)))
        context = {"incident": incident, "form": form, "closed_first": True}
        return render(request, "incidents/close.html", context, status=409)
    context = selectors.incident_dashboard(incident=incident)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.incident_close(
                    incident=incident,
                    user=request.user,
                    yammer_text=context["yammer_text"],
                    **form.cleaned_data,
                )
            except services.IncidentClosedError as exc:
                form.add_error(None, str(exc))
                incident.refresh_from_db()
                context["closed_first"] = True
                status = 409
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Hændelsen er afsluttet."))
                return redirect("incidents:dashboard", pk=pk)
        status = 409 if context.get("closed_first") else 400
    context["form"] = form
    return render(request, "incidents/close.html", context, status=status)
