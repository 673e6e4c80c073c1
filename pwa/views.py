"""The installable, offline-capable app: web app manifest, service worker, precache list,
and a logout that wipes what the phone has stored.

Evacuated staff read the card on their phones, on a shared hotspot or with no network
at all; see pwa/templates/pwa/sw.js for what is stored and when, and pwa/static/js/pwa.js for
the page side (offline banner, forms, precache after login, logout).
"""

import hashlib
import json

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.access import role_required
from pwa.selectors import (
    PAGE_PREFIXES,
    cache_version,
    precache_page_urls,
    session_marker,
    shell_urls,
    static_prefix,
)

# From static/css/app.css: --head (header bar) and --bg (page background).
THEME_COLOR = "#0a2540"
BACKGROUND_COLOR = "#f3f5f8"
NETWORK_TIMEOUT_MS = 3000


@login_not_required  # browsers fetch the manifest without cookies
@require_GET
def manifest(request):
    home = reverse("home")
    data = {
        "id": home,
        "name": "Aktionskort – Borgerservice",
        "short_name": "Aktionskort",
        "description": "Aktionskort og hændelser for Borgerservice, Aarhus Kommune – "
        "også uden net.",
        "lang": "da",
        "dir": "ltr",
        "start_url": home,
        "scope": home,
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {
                "src": static("img/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("img/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {
                "src": static("img/favicon.svg"),
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "any",
            },
        ],
    }
    response = JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    patch_cache_control(response, public=True, max_age=3600)
    return response


@login_not_required  # registered from the login page too, so it is ready at login
@require_GET
def service_worker(request):
    config = {
        "version": cache_version(),
        "staticUrl": static_prefix(),
        "shell": shell_urls(),
        "pagePrefixes": list(PAGE_PREFIXES),
        "home": reverse("home"),
        "networkTimeoutMs": NETWORK_TIMEOUT_MS,
    }
    response = HttpResponse(
        render_to_string("pwa/sw.js", {"config_json": json.dumps(config)}),
        content_type="text/javascript; charset=utf-8",
    )
    # Served from the root so that its scope covers every page; `no-cache` so that a
    # deploy reaches phones at the next page load instead of after the HTTP cache expires.
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def _precache_refused(request):
    """The service worker reads JSON: an empty list, and why, instead of the no-role page."""
    return JsonResponse(
        {
            "detail": _("Din bruger har ingen rolle, så intet gemmes til offline brug."),
            "pages": [],
            "static": [],
        },
        status=403,
    )


@require_GET
@role_required(refused=_precache_refused)
def precache(request):
    """The pages and static files the service worker stores right after login."""
    payload = json.dumps(
        {
            "version": cache_version(),
            "session": session_marker(request),
            "pages": precache_page_urls(user=request.user),
            "static": shell_urls(),
        },
        ensure_ascii=False,
    )
    # The service worker asks on every page load (If-None-Match): an unchanged card
    # costs a 304, a published version refetches the pages.
    etag = f'"{hashlib.sha256(payload.encode()).hexdigest()[:20]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(payload, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


_django_logout = auth_views.LogoutView.as_view()


# Open to a user whose session has already expired too: the phone may still hold pages.
@login_not_required
def logout(request, *args, **kwargs):
    """Django's logout, plus: the browser forgets every stored page of this site.

    Phones are shared between staff: after logout nothing of the card or an incident
    may be readable offline. "storage" drops Cache Storage and unregisters the service
    worker; "cache" the HTTP cache. Not "cookies": that would also clear the language
    choice, and the session is already gone server-side.
    """
    response = _django_logout(request, *args, **kwargs)
    if response.status_code < 400:
        response["Clear-Site-Data"] = '"cache", "storage"'
    return response
