"""The figures JSON API for integrations: bearer token, bounded body, rate limit."""

import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from incidents import services
from incidents.forms import (
    FigureApiForm,
)
from incidents.models import Incident


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
