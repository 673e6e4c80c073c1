"""The live dashboard's answers: per-group fragments, rendered once and shared.

A page carries one token with a revision per fragment group (``selectors.LIVE_GROUPS``) and
the minute. A poll compares it with ``selectors.incident_live_state`` (one query):

- nothing changed: 204 (``views._unchanged_poll``, no user loaded);
- otherwise only the changed groups' fragments, out-of-band, each rendered once per
  (group, revisions, minute if the group tells time, rights, language) and shared through
  the Django cache; the checklist and the log send only the steps and entries that
  changed when the viewer's revision is recent enough.

CSRF tokens are the only per-viewer part of a fragment: renders carry a placeholder that is
replaced per viewer. Flash messages are rendered per viewer, outside the shared part.
incidents/README.md has the design; this module is view-side (it renders templates).
"""

import re
import uuid

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template import loader
from django.utils import timezone, translation

from cards.snapshots import CardSnapshot
from core import loadshed
from core.htmx import HtmxTemplateResponse
from incidents import selectors
from incidents.forms import EscalateForm

TEMPLATE = "incidents/dashboard.html"
WORK = "incidents.work_incident"
START = "incidents.start_incident"
# The permissions that change what the dashboard fragments show.
FRAGMENT_PERMISSIONS = (WORK, START, "incidents.send_status_update", "cards.publish_actioncard")
CSRF_PLACEHOLDER = "__csrf__"
IDEMPOTENCY_VALUE = re.compile(r'(name="idempotency_key" value=")[0-9a-f-]{36}(")')
CACHE_SECONDS = 120
STOP_POLLING = 286


def render_fragment(request, partial, context, template=TEMPLATE) -> str:
    """The one place a live fragment is rendered (page and poll draw the same partials)."""
    response = HtmxTemplateResponse(request, template, context, partial=partial, force_partial=True)
    return response.render().content.decode()


def render_shared(partial, context, template=TEMPLATE) -> str:
    """A fragment shared by every viewer of a rights class: rendered without the request,
    so no context processor runs (they would load the user and their roles, which a
    shared render must not depend on anyway); ``perms`` and the CSRF placeholder come
    in ``context``."""
    return loader.get_template(f"{template}#{partial}").render(context)


def rights_of(request) -> str:
    return "".join("1" if request.user.has_perm(p) else "0" for p in FRAGMENT_PERMISSIONS)


def _with_csrf(request, body: str) -> str:
    """Put the per-viewer parts back into a shared render: the CSRF token, and a fresh
    idempotency key for a create form in it (two people pressing "Send opdatering nu"
    must not count as one person pressing twice)."""
    body = IDEMPOTENCY_VALUE.sub(lambda m: f"{m[1]}{uuid.uuid4()}{m[2]}", body)
    if CSRF_PLACEHOLDER not in body:
        return body
    return body.replace(CSRF_PLACEHOLDER, get_token(request))


# Groups that can send only what changed since the viewer's revision.
DELTA_GROUPS = frozenset({"steps", "log"})


def changed_groups(state, token: str, now) -> dict:
    """{group: since} for the groups a viewer with ``token`` must receive; ``since`` is the
    viewer's revision of a checklist or log it can update in place, else None (the whole
    fragment). "clock" is the elapsed time, sent with a new minute."""
    parsed = selectors.parse_live_token(token)
    minute = selectors.minute_of(now)
    if parsed is None:
        return dict.fromkeys(("clock", *selectors.LIVE_GROUPS))
    _revision, seen, seen_minute = parsed
    new_minute = seen_minute != minute
    wanted = {}
    for group, revision in state.groups.items():
        if seen[group] != revision or (new_minute and group in selectors.TIMED_GROUPS):
            delta = group in DELTA_GROUPS and 0 < seen[group] < revision
            wanted[group] = seen[group] if delta else None
    if "header" in wanted and "steps" in wanted:
        wanted["steps"] = None  # new scenarios bring new steps: redraw the whole checklist
    if new_minute or "header" in wanted:
        wanted["clock"] = None
    return wanted


def _group_context(request, group, since, *, incident, state, now, shared) -> tuple[str, dict]:
    """(partial, context) that draws ``group``; ``shared`` holds reads several groups use."""
    if group in ("header", "lines", "contacts") and "snapshot" not in shared:
        # Only these read the card (a large JSON document to decode and index).
        shared["snapshot"] = CardSnapshot(incident.card_version.snapshot)
    snapshot = shared.get("snapshot")
    if group == "header":
        data = selectors.dashboard_header(incident=incident, snapshot=snapshot)
        data["escalate_form"] = EscalateForm(options=data["escalation_options"])
        return "live-header", data
    if group == "clock":
        return "live-clock", selectors.dashboard_clock(incident=state, now=now)
    if group == "steps":
        if since is not None:
            upto = state.groups["steps"]
            data = selectors.dashboard_steps_since(incident=incident, since=since, upto=upto)
            return "live-steps-changed", data
        data = selectors.dashboard_steps(incident=incident)
        shared["steps"] = data["steps"]
        return "live-steps", data
    if group == "log":
        upto = state.groups["log"]
        if since is not None:
            data = selectors.dashboard_log_since(incident=incident, since=since, upto=upto)
            if data is not None:
                return "live-log-new", data
        return "live-log", selectors.dashboard_log(incident=incident, log_total=upto)
    if group == "figures":
        return "live-figures", selectors.dashboard_figures(incident=incident, now=now)
    if group == "lines":
        return "live-lines", selectors.dashboard_lines(incident=incident, snapshot=snapshot)
    if group == "timers":
        return "live-timers", selectors.dashboard_timers(incident=incident, now=now)
    if group == "notifications":
        from notifications.selectors import incident_notification_panel

        return "live-notifications", {"panel": incident_notification_panel(incident=incident)}
    if group == "contacts":
        data = selectors.dashboard_contacts(
            incident=incident, snapshot=snapshot, now=now, steps=shared.get("steps")
        )
        return "live-contacts", data
    raise ValueError(group)


# Clock-driven groups first: the clock is the group that follows the minute.
ORDER = ("clock", *selectors.LIVE_GROUPS)


def _cache_key(incident_id, group, since, state, minute, rights, language):
    if group == "clock":
        ends = int(state.closed_at.timestamp()) if state.closed_at else 0
        revision = f"{int(state.started_at.timestamp())}-{ends}"
    else:
        revision = state.groups[group]
    timed = minute if group in selectors.TIMED_GROUPS or group == "clock" else ""
    base = "w" if since is None else f"s{since}"
    # started_at tells apart an incident from another that reuses its id (a restored or
    # test database): a shared cache must never serve one incident's fragments for another.
    incident_id = f"{incident_id}-{int(state.started_at.timestamp() * 1000)}"
    return (
        f"live:{incident_id}:{group}:{base}:{revision}:{timed}:{state.status}:{rights}:{language}"
    )


def perms_of(rights: str) -> dict:
    """What the templates' ``perms`` say for a rights class (``rights_of``), so that a
    viewer trusted from the session is rendered for without loading the user."""
    perms: dict = {}
    for name, bit in zip(FRAGMENT_PERMISSIONS, rights, strict=True):
        app, codename = name.split(".")
        perms.setdefault(app, {})[codename] = bit == "1"
    return perms


def live_answer(request, *, state, token, load_incident, extra=None, now=None, rights=None):
    """The poll answer (or a form post's): the changed groups' fragments and a new token.

    ``load_incident`` is called only if some fragment has to be rendered here; renders
    from the cache cost no query beyond ``state``. ``rights``: the viewer's rights class
    trusted from the session (views._trusted_rights); without it the user is asked.
    """
    now = now or timezone.now()
    wanted = changed_groups(state, token, now)
    if rights is None:
        rights = rights_of(request)
        can = {p: request.user.has_perm(p) for p in (WORK, START)}
    else:
        can = {WORK: rights[0] == "1", START: rights[1] == "1"}
    parts = render_groups(
        request, state=state, wanted=wanted, now=now, rights=rights, can=can,
        load_incident=load_incident,
    )  # fmt: skip
    live = render_poller(request, state=state, now=now, pk=state_id(state))
    body = live + "".join(parts)
    if extra:
        body += extra
    status = 200 if state.is_running else STOP_POLLING
    return _with_csrf(request, body), status


def render_groups(request, *, state, wanted, now, rights, can, load_incident) -> list[str]:
    """The fragments of the ``wanted`` groups, from the shared cache or rendered (and
    cached) here; ``can`` says whether this rights class may work/coordinate."""
    minute = selectors.minute_of(now)
    language = translation.get_language()
    keys = {
        group: _cache_key(state_id(state), group, wanted[group], state, minute, rights, language)
        for group in ORDER
        if group in wanted
    }
    found = cache.get_many(list(keys.values())) if keys else {}
    parts, fresh, shared, incident = [], {}, {}, None
    # ``perms`` as the rights class says: the same render whoever of the class asks.
    base = {"oob": True, "csrf_token": CSRF_PLACEHOLDER, "perms": perms_of(rights)}
    for group, key in keys.items():
        body = found.get(key)
        if body is None:
            if incident is None:
                incident = load_incident()
                base.update(
                    incident=incident,
                    now=now,
                    can_work=incident.is_running and can[WORK],
                    can_coordinate=incident.is_running and can[START],
                    step_base=step_base_of(incident),
                )
            partial, data = _group_context(
                request,
                group,
                wanted[group],
                incident=incident,
                state=state,
                now=now,
                shared=shared,
            )
            body = render_shared(partial, {**base, **data})
            fresh[key] = body
        parts.append(body)
    if fresh:
        cache.set_many(fresh, timeout=CACHE_SECONDS)
    return parts


def cached_answer(request, *, state, token, rights):
    """The answer ``live_answer`` would give, if every part is in the shared cache; else
    None. Needs no user: ``rights`` is the viewer's rights class from the session."""
    now = timezone.now()
    wanted = changed_groups(state, token, now)
    minute = selectors.minute_of(now)
    language = translation.get_language()
    keys = [
        _cache_key(state_id(state), group, wanted[group], state, minute, rights, language)
        for group in ORDER
        if group in wanted
    ]
    poller = _poller_key(state, now)
    found = cache.get_many([poller, *keys])
    if len(found) != len(keys) + 1:
        return None
    body = found[poller] + "".join(found[k] for k in keys)
    return _with_csrf(request, body), 200 if state.is_running else STOP_POLLING


# --- The wall screen: the same fragments and renders, read-only --------------------------

WALL_GROUPS = ("header", "clock", "timers", "figures", "lines", "log")
READ_ONLY = "0" * len(FRAGMENT_PERMISSIONS)
_OOB = re.compile(r' hx-swap-oob="[^"]*"')
_IDS = re.compile(r'\b(id|aria-labelledby|for)="')


def wall_fragments(request, *, state, now) -> str:
    """One running incident for the wall: the dashboard's own cached renders for a viewer
    without rights (no forms), made part of the wall's single swap (no out-of-band
    markers) and with ids prefixed per incident (several incidents share the wall)."""
    parts = render_groups(
        request,
        state=state,
        wanted=dict.fromkeys(WALL_GROUPS),
        now=now,
        rights=READ_ONLY,
        can={WORK: False, START: False},
        load_incident=lambda: selectors.incident_get(pk=state.pk),
    )
    body = _OOB.sub("", "".join(parts))
    return _IDS.sub(rf'\g<1>="wall-{state.pk}-', body)


def wall_next_steps(state) -> list[dict]:
    """The wall's "Næste trin" (the first open steps), read once per checklist revision
    and shared by every wall screen through the cache, like the fragments."""
    started = int(state.started_at.timestamp() * 1000)
    key = f"live:{state.pk}-{started}:wall-steps:{state.groups['steps']}"
    steps = cache.get(key)
    if steps is None:
        steps = [
            {"kind": s.kind, "text": s.text}
            for s in selectors.wall_open_steps(incident_id=state.pk)
        ]
        cache.set(key, steps, timeout=CACHE_SECONDS)
    return steps


def state_id(state):
    return state.pk


def step_base_of(incident):
    from django.urls import reverse

    # One reverse() instead of three per step: the checklist can have hundreds.
    return reverse("incidents:step", args=[incident.pk, 0]).removesuffix("0/")


def _poller_key(state, now) -> str:
    token = selectors.state_token(state, now)
    started = int(state.started_at.timestamp() * 1000)
    return f"live:{state.pk}-{started}:poller:{token}:{state.status}:{translation.get_language()}"


def render_poller(request, *, state, now, pk) -> str:
    """The ``#incident-live`` element with the new token; the same for every viewer."""
    token = selectors.state_token(state, now)
    key = _poller_key(state, now)
    body = cache.get(key)
    if body is None:
        context = {
            "oob": True,
            "incident": state,
            "live_token": token,
        }
        body = render_fragment(request, "incident-live", context)
        cache.set(key, body, timeout=CACHE_SECONDS)
    return body


# --- Overload: a poll can wait, a write cannot ------------------------------------------------

BACKOFF_SECONDS = 15


def overloaded() -> bool:
    """This process is behind (requests waited for a thread): shed polls, keep writes."""
    return loadshed.behind()
