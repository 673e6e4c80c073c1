"""Incident pages. Every form works as a plain POST + redirect; with htmx the same views
answer with the dashboard's fragments (out-of-band) instead of a redirect.

The dashboard polls itself every 5 s; an unchanged poll is answered from the session and
one indexed query (see ``_unchanged_poll`` and incidents/README.md).
"""

import json
import logging
import time
import uuid
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from cards.models import ActionCard
from cards.snapshots import CardSnapshot
from config.roles import user_roles
from incidents import live, selectors, services
from incidents.forms import (
    CloseForm,
    EscalateForm,
    FigureApiForm,
    FigureForm,
    LogEntryForm,
    PhoneLineSwitchForm,
    StartForm,
    StepAssignForm,
    StepDoneForm,
    StepNoteForm,
    StepReopenForm,
    TimerStartForm,
    card_slug,
)
from incidents.models import Incident, IncidentStep, IncidentTimer, LogEntry, PhoneLineState

VIEW = "incidents.view_incident"
START = "incidents.start_incident"
WORK = "incidents.work_incident"
# Set in the session when a fully authenticated user with the view permission opens a
# dashboard or the wall screen; lets an unchanged poll skip loading the user.
VIEWER_KEY = "incidents_viewer"
STOP_POLLING = live.STOP_POLLING


logger = logging.getLogger(__name__)


def requires(perm):
    """No role: the no-role page; a role without ``perm``: 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("login"))
                return redirect_to_login(request.get_full_path())
            user = request.user
            # Cached where config.context_processors.roles looks, so a page asks once.
            request._roles = user_roles(user)
            if not (user.is_superuser or request._roles):
                return render(request, "no_role.html", status=403)
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _remember_viewer(request):
    uid = request.session.get(SESSION_KEY)
    if request.session.get(VIEWER_KEY) != uid:
        request.session[VIEWER_KEY] = uid


def _trusted_poller(request):
    uid = request.session.get(SESSION_KEY)
    return uid is not None and request.session.get(VIEWER_KEY) == uid


# The rights class (live.rights_of) of the last full check, and when it was made: a changed
# poll within RIGHTS_TRUSTED_SECONDS is served from the shared renders without loading the
# user (session + state query); after that, or on a cache miss, the full check runs again.
RIGHTS_KEY = "incidents_viewer_rights"
RIGHTS_TRUSTED_SECONDS = 60


def _remember_rights(request):
    now = int(time.time())
    rights = live.rights_of(request)
    known = request.session.get(RIGHTS_KEY) or {}
    if known.get("rights") != rights or now - known.get("at", 0) > RIGHTS_TRUSTED_SECONDS // 2:
        request.session[RIGHTS_KEY] = {"rights": rights, "at": now}


def _trusted_rights(request):
    known = request.session.get(RIGHTS_KEY) or {}
    if int(time.time()) - known.get("at", 0) > RIGHTS_TRUSTED_SECONDS:
        return None
    return known.get("rights")


def _cached_changed_poll(request, state):
    """A changed poll answered from the shared renders alone, or None (then: full path)."""
    rights = _trusted_rights(request)
    if rights is None or len(messages.get_messages(request)):
        return None
    token = request.GET.get("rev", "")
    answer = live.cached_answer(request, state=state, token=token, rights=rights)
    if answer is None:
        return None
    body, status = answer
    return HttpResponse(body, status=status)


def _unchanged_poll(request, pk):
    """204 (or 286 once closed) without loading the user: session + one indexed query.

    When this process is behind (``live.overloaded``) a poll also gets a 204, with
    Retry-After: its token stays old, so the change arrives with a later, calmer poll.
    """
    if not _trusted_poller(request):
        return None
    token = request.GET.get("rev", "")
    if live.overloaded() and selectors.parse_live_token(token) is not None:
        return _slow_down(HttpResponse(status=204))
    # The same query checks that the viewer is still active; a deactivated one (or a
    # missing incident) gets the full answer, which sends them to the login (or 404s).
    state = selectors.incident_live_state(pk=pk, viewer_id=request.session[SESSION_KEY])
    if state is None:
        return None
    if not state.is_running:
        if token.split(".")[0] == str(state.revision):
            return HttpResponse(status=STOP_POLLING)
        return None
    if token == selectors.state_token(state, timezone.now()):
        return HttpResponse(status=204)
    return _cached_changed_poll(request, state)


def _slow_down(response):
    """Ask the client to poll less often for a while (static/js/live.js honours it)."""
    response["Retry-After"] = str(live.BACKOFF_SECONDS)
    return response


def _dashboard_context(request, incident, **extra):
    context = selectors.incident_dashboard(incident=incident)
    user = request.user
    context.update(
        can_work=incident.is_running and user.has_perm(WORK),
        can_coordinate=incident.is_running and user.has_perm(START),
        log_form=LogEntryForm(),
        figure_form=FigureForm(),
        escalate_form=EscalateForm(options=context["escalation_options"]),
        step_base=live.step_base_of(incident),
    )
    context.update(extra)
    return context


# Form partials that a write answer may send back to the writer (their own form, reset or
# with its errors); they are never part of a poll, so nobody else's typing is swapped.
WRITER_FORMS = {
    "log_form_oob": ("incident-log-form", "log_form", LogEntryForm),
    "figure_form_oob": ("incident-figures-form", "figure_form", FigureForm),
}


def _per_viewer_parts(request, incident, extra, *, always_messages) -> str:
    parts = []
    for flag, (partial, name, form_class) in WRITER_FORMS.items():
        if extra.get(flag):
            context = {
                "incident": incident,
                "can_work": incident.is_running and request.user.has_perm(WORK),
                name: extra.get(name) or form_class(),
                flag: True,
            }
            parts.append(live.render_fragment(request, partial, context))
    if always_messages or len(messages.get_messages(request)):
        parts.append(live.render_fragment(request, "messages", {"oob": True}, "_messages.html"))
    return "".join(parts)


def _live(request, incident, status=200, refetch=True, **extra):
    """The changed fragments, out-of-band, for an htmx poll or form post.

    A poll sends its token in ``rev``; a form post in the X-Live-Token header (live.js),
    so the writer too gets only what changed. ``refetch`` is kept for callers: the state
    is always read afresh, one query.
    """
    state = selectors.incident_live_state(pk=incident.pk)
    is_poll = request.method == "GET"
    token = request.GET.get("rev", "") if is_poll else request.headers.get("X-Live-Token", "")
    body, code = live.live_answer(
        request,
        state=state,
        token=token,
        load_incident=lambda: selectors.incident_get(pk=incident.pk),
        extra=_per_viewer_parts(request, incident, extra, always_messages=not is_poll),
    )
    response = HttpResponse(body, status=status if code == 200 else code)
    if is_poll and live.overloaded():
        _slow_down(response)
    return response


def _page(request, incident, status=200, **extra):
    return render(
        request,
        "incidents/dashboard.html",
        _dashboard_context(request, incident, **extra),
        status=status,
    )


def _done(request, incident, anchor=""):
    if request.htmx:
        return _live(request, incident)
    return redirect(reverse("incidents:dashboard", args=[incident.pk]) + anchor)


def _refused(request, incident, exc, anchor=""):
    """A write refused (closed incident, stale step): say why, show the fresh state."""
    messages.error(request, str(exc))
    return _done(request, incident, anchor)


def _kept(request, incident, exc, **forms):
    """A write refused, but what the person typed comes back: their form, bound, beside the
    fresh state (the form partials show a closed incident's text read-only, to copy)."""
    messages.error(request, exc if isinstance(exc, str) else str(exc))
    if request.htmx:
        return _live(request, incident, **forms)
    return _page(request, incident, status=409, **forms)


def _errors_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@requires(VIEW)
@require_GET
def incident_list(request):
    return render(
        request, "incidents/list.html", selectors.incident_list(page=request.GET.get("side") or 1)
    )


@login_not_required  # the unchanged poll checks the session itself; see _unchanged_poll
@never_cache
@vary_on_headers("HX-Request")
@require_GET
def dashboard(request, pk):
    if request.htmx and "rev" in request.GET:
        answer = _unchanged_poll(request, pk)
        if answer is not None:
            return answer
    return _dashboard(request, pk)


@requires(VIEW)
def _dashboard(request, pk):
    try:
        incident = selectors.incident_get(pk=pk)
    except Incident.DoesNotExist as exc:
        raise Http404 from exc
    _remember_viewer(request)
    _remember_rights(request)
    if request.htmx:
        return _shared_poll_answer(request, incident)
    return _page(request, incident)


def _shared_poll_answer(request, incident):
    """A changed poll: only the changed groups, each rendered once for everyone (live.py)."""
    return _live(request, incident)


@requires(START)
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
        version = card.versions.order_by("-number").first()
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


@requires(START)
@require_POST
def escalate(request, pk):
    incident = _incident_or_404(pk)
    snapshot = CardSnapshot(incident.card_version.snapshot)
    present = set(incident.scenarios.values_list("scenario_slug", flat=True))
    options = [
        (slug, snapshot.scenario(slug).title)
        for slug in snapshot.scenario_slugs()
        if slug not in present
    ]
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


@requires(WORK)
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
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except (services.IncidentClosedError, ValidationError) as exc:
        text = _errors_text(exc) if isinstance(exc, ValidationError) else str(exc)
        return _kept(request, incident, text, log_form=form, log_form_oob=True)
    if request.htmx:
        return _live(request, incident, log_form_oob=True)
    return redirect(reverse("incidents:dashboard", args=[pk]) + "#incident-log")


@requires(VIEW)
@require_GET
def log_full(request, pk):
    incident = get_object_or_404(Incident, pk=pk)
    page = selectors.full_log(incident=incident, page=request.GET.get("side") or 1)
    return render(
        request,
        "incidents/log.html",
        {
            "incident": incident,
            "page": page,
            "can_work": incident.is_running and request.user.has_perm(WORK),
        },
    )


@requires(WORK)
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
        form = LogEntryForm(initial={"text": entry.text})
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


def _step_or_404(pk, step_pk):
    return get_object_or_404(
        IncidentStep.objects.select_related("incident__card_version", "done_by", "assigned_user"),
        pk=step_pk,
        incident_id=pk,
    )


def _step_people(step):
    return list(CardSnapshot(step.incident.card_version.snapshot).people.values())


@requires(VIEW)
@require_GET
def step_detail(request, pk, step_pk):
    step = _step_or_404(pk, step_pk)
    return _step_page(request, step)


def _step_page(request, step, status=200, template="incidents/step.html", **forms):
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
    return render(request, template, context, status=status)


STEP_ACTIONS = {
    "done": StepDoneForm,
    "reopen": StepReopenForm,
    "note": StepNoteForm,
    "assign": StepAssignForm,
}


@requires(WORK)
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
    if request.htmx:
        # htmx only swaps 2xx answers; the panel carries the refusal itself.
        return _step_page(request, fresh, template="incidents/step.html#step-panel", **context)
    return _step_page(request, fresh, status=status, **context)


@requires(WORK)
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


def _bearer_token(request):
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    raw = raw.strip()
    # A token is URL-safe base64; anything else (a NUL, a megabyte) is not worth a query.
    if scheme.lower() != "bearer" or not raw or len(raw) > 200 or not raw.isprintable():
        return None
    return services.integration_token_check(raw=raw)


def _json_error(status, errors, **headers):
    response = JsonResponse({"errors": errors}, status=status)
    for key, value in headers.items():
        response[key] = value
    return response


def _rate_limit_retry_after(token) -> int | None:
    """Seconds until the token may post again, or None. A fixed window counted in the
    cache, so every gunicorn worker sees the same count."""
    limit = settings.FIGURES_API_RATE_LIMIT
    window = settings.FIGURES_API_RATE_WINDOW_SECONDS
    now = timezone.now().timestamp()
    key = f"figures-api-rate:{token.pk}:{int(now // window)}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count <= limit:
        return None
    return max(1, int(window - now % window))


def _json_body(request):
    """The parsed body, or an error response: 413 when too big, 415 unless JSON, 400."""
    limit = settings.FIGURES_API_MAX_BODY_BYTES
    too_big = _json_error(
        413, {"__all__": [_("Kroppen er for stor: højst %(n)s byte.") % {"n": limit}]}
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None, too_big
    body = request.read(limit + 1)
    if len(body) > limit:
        return None, too_big
    # An empty body has no media type (and gets the 400 below).
    if body and (request.content_type or "").lower() != "application/json":
        return None, _json_error(
            415, {"__all__": [_("Send tallene som JSON (Content-Type: application/json).")]}
        )
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: deeply nested arrays; no figure report nests at all.
        return None, _json_error(400, {"__all__": [_("Kroppen er ikke gyldig JSON.")]})
    if not isinstance(payload, dict):
        return None, _json_error(400, {"__all__": [_("Send et JSON-objekt med tallene.")]})
    return payload, None


@csrf_exempt  # machine-to-machine: authenticated by the bearer token, not a cookie
@login_not_required
@require_POST
def figures_api(request, pk):
    token = _bearer_token(request)
    if token is None:
        return _json_error(
            401,
            {"__all__": [_("Manglende eller ugyldigt API-token (Authorization: Bearer …).")]},
            **{"WWW-Authenticate": 'Bearer realm="aktionskort"'},
        )
    retry_after = _rate_limit_retry_after(token)
    if retry_after is not None:
        return _json_error(
            429,
            {
                "__all__": [
                    _("For mange indberetninger; prøv igen om %(s)s sekunder.") % {"s": retry_after}
                ]
            },
            **{"Retry-After": str(retry_after)},
        )
    incident = get_object_or_404(Incident.objects.select_related("card_version"), pk=pk)
    if not token.allows(incident):
        return _json_error(
            403, {"__all__": [_("Tokenet må ikke indberette tal til denne hændelse.")]}
        )
    payload, error = _json_body(request)
    if error is not None:
        return error
    # An integration's retry: the key as a header (the IETF draft's name) or in the body.
    if "idempotency_key" not in payload and request.headers.get("Idempotency-Key"):
        payload = {**payload, "idempotency_key": request.headers["Idempotency-Key"]}
    form = FigureApiForm(payload, incident=incident)
    if not form.is_valid():
        return _json_error(400, {k: list(v) for k, v in form.errors.items()})
    try:
        report = services.figure_report_create(
            incident=incident, source=token.name, **form.cleaned_data
        )
    except services.IncidentClosedError as exc:
        return _json_error(409, {"__all__": [str(exc)]})
    except ValidationError as exc:
        return _json_error(400, {"__all__": exc.messages})
    return JsonResponse(
        {"id": report.pk, "incident": incident.pk, "reported_at": report.reported_at.isoformat()},
        status=200 if report.replayed else 201,
    )


@requires(WORK)
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


@requires(WORK)
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


@requires(START)
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


@login_not_required  # see dashboard: the unchanged poll checks the session itself
@never_cache
@vary_on_headers("HX-Request")
@require_GET
def wall(request):
    if request.htmx and "rev" in request.GET and _trusted_poller(request):
        token = f"{selectors.running_wall_state()}.{int(timezone.now().timestamp() // 60)}"
        if request.GET["rev"] == token:
            return HttpResponse(status=204)
    return _wall(request)


def _wall_item(request, state, now) -> dict:
    """One incident of the wall; one whose data cannot be drawn says so, and the others
    are drawn as usual."""
    try:
        return {
            "pk": state.pk,
            "fragments": live.wall_fragments(request, state=state, now=now),
            "open_steps": selectors.wall_open_steps(incident_id=state.pk),
        }
    except selectors.BAD_ROW_ERRORS:
        logger.exception("Could not draw incident %s on the wall", state.pk)
        return {"pk": state.pk, "broken": True}


@requires(VIEW)
def _wall(request):
    _remember_viewer(request)
    now = timezone.now()
    # The token first: a change while drawing then shows on the next poll, never gets lost.
    token = f"{selectors.running_wall_state()}.{int(now.timestamp() // 60)}"
    # The dashboard's own fragments, from the same shared renders (incidents/live.py).
    overview = [_wall_item(request, state, now) for state in selectors.running_live_states()]
    context = {"overview": overview, "live_token": token, "now": now}
    template = "incidents/wall.html#wall-live" if request.htmx else "incidents/wall.html"
    return render(request, template, context)
