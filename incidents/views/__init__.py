"""Incident pages. Every form works as a plain POST + redirect; with htmx the same views
answer with the dashboard's fragments (out-of-band) instead of a redirect.

The dashboard polls itself every 5 s; an unchanged poll is answered from the session and
one indexed query (see ``_unchanged_poll`` and incidents/README.md).
"""

import logging
import time

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.access import role_required
from core.htmx import HtmxTemplateResponse
from incidents import live, selectors
from incidents.forms import (
    LOG_FILTERS,
    EscalateForm,
    FigureForm,
    LogEntryForm,
    log_filter_of,
)
from incidents.models import Incident

VIEW = "incidents.view_incident"
START = "incidents.start_incident"
WORK = "incidents.work_incident"
# Set in the session when a fully authenticated user with the view permission opens a
# dashboard or the wall screen; lets an unchanged poll skip loading the user.
VIEWER_KEY = "incidents_viewer"
STOP_POLLING = live.STOP_POLLING


logger = logging.getLogger(__name__)


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
        # Some part is not rendered yet (a new revision, or this viewer's own delta):
        # render it here for the trusted rights class, still without loading the user.
        answer = live.live_answer(
            request,
            state=state,
            token=token,
            rights=rights,
            load_incident=lambda: selectors.incident_get(pk=state.pk),
        )
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
        # Per page, outside every polled fragment: the shared renders stay unfiltered and
        # the page's CSS hides the other kinds (entries carry data-category).
        log_filter=log_filter_of(request.GET.get("art")),
        log_filters=LOG_FILTERS,
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


@role_required(VIEW)
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


@role_required(VIEW)
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
            "open_steps": live.wall_next_steps(state),
        }
    except selectors.BAD_ROW_ERRORS:
        logger.exception("Could not draw incident %s on the wall", state.pk)
        return {"pk": state.pk, "broken": True}


@role_required(VIEW)
def _wall(request):
    _remember_viewer(request)
    now = timezone.now()
    # The token first: a change while drawing then shows on the next poll, never gets lost.
    token = f"{selectors.running_wall_state()}.{int(now.timestamp() // 60)}"
    # The dashboard's own fragments, from the same shared renders (incidents/live.py).
    overview = [_wall_item(request, state, now) for state in selectors.running_live_states()]
    context = {"overview": overview, "live_token": token, "now": now}
    return HtmxTemplateResponse(request, "incidents/wall.html", context, partial="wall-live")
