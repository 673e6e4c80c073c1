"""Reads for the installable, offline-capable app (the PWA): what the service worker
stores, under which cache version, for which login session.
"""

import hashlib
import logging
import re
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import get_template
from django.templatetags.static import PrefixNode
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac

from cards.selectors import published_versions
from cards.snapshots import CardSnapshot
from core.roles import has_any_role

logger = logging.getLogger(__name__)

# The static files every page needs (the shell). Other apps' CSS and JS in css/ and js/
# are picked up too, so a page that was never opened still looks right offline. The
# TTF fonts (PDF only) and the big icons (fetched by the browser from the manifest)
# are left out: they would cost a phone on a hotspot 300 kB for nothing.
SHELL_PATTERNS = (
    re.compile(r"^css/[\w.-]+\.css$"),
    re.compile(r"^js/[\w.-]+\.js$"),
    re.compile(r"^vendor/htmx/htmx\.min\.js$"),
    re.compile(r"^fonts/[\w.-]+\.woff2$"),
    re.compile(r"^icons/sprite\.svg$"),
    re.compile(r"^img/(favicon\.svg|icon-192\.png)$"),
)

# Pages the service worker keeps a copy of (network first, the copy when offline).
# "/" is matched exactly, the rest as prefixes; the prefixes are fixed in config/urls.py
# and cards/urls.py. Admin, login, logout and search results are never stored.
PAGE_PREFIXES = ("/kort/", "/kontakter/", "/haendelser/")


def _shell_names() -> list[str]:
    names = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(["*.md", "*.txt", "LICENSE*", "VERSION"]):
            name = path.replace("\\", "/")
            if any(p.match(name) for p in SHELL_PATTERNS):
                names.add(name)
    return sorted(names)


def _compute_cache_version() -> str:
    digest = hashlib.sha256()
    # The service worker's own code is part of the version: a changed cache layout
    # must not read caches written by the old code.
    template = get_template("pwa/sw.js")
    digest.update(template.template.source.encode())
    for name in _shell_names():
        digest.update(name.encode())
        with open(finders.find(name), "rb") as f:
            digest.update(f.read())
    digest.update(settings.STATIC_URL.encode())
    return digest.hexdigest()[:12]


_cached_cache_version = lru_cache(maxsize=1)(_compute_cache_version)
_cached_shell_names = lru_cache(maxsize=1)(_shell_names)


def cache_version() -> str:
    """Changes whenever a static file or the service worker changes (a deploy).

    Computed once per process in production; on every call with DEBUG, so that
    `make run` picks up an edited CSS file on the next page load.
    """
    if settings.DEBUG:
        return _compute_cache_version()
    return _cached_cache_version()


def static_prefix() -> str:
    """The URL prefix of the static files ("/static/"), without asking the storage.

    ``static("")`` works with the plain storage only: the manifest storage of production
    has no entry for "" and raised, so /sw.js answered 500 and no phone went offline-ready.
    """
    return PrefixNode.handle_simple("STATIC_URL")


def shell_urls() -> list[str]:
    """The shell's URLs as the running storage serves them (hashed names in production).

    The names come from the source folders; a file that the manifest does not know (it
    was added after collectstatic) is left out and logged, instead of taking the service
    worker and the precache list down with it.
    """
    names = _shell_names() if settings.DEBUG else _cached_shell_names()
    urls = []
    for name in names:
        try:
            urls.append(staticfiles_storage.url(name))
        except ValueError:
            logger.warning("static file %s is not collected; left out of the offline shell", name)
    return urls


def session_marker(request) -> str:
    """An opaque id of this login session, safe to put in the page.

    Django gives the session a new key at every login, so the marker changes with each
    login; the service worker keeps one page cache per marker and drops the others.
    An HMAC, never the key itself: the key is the login.
    """
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if user is None or not user.is_authenticated or session is None:
        return ""
    if not session.session_key:
        return ""
    return salted_hmac("aktionskort.pwa.session", session.session_key).hexdigest()[:20]


def offline_owner(user) -> str:
    """An opaque, stable id of the signed-in person for the phone's offline queue: items
    carry it, and a page shows and sends only the items of the person it was served to.
    An HMAC, so the page does not reveal the user id."""
    return salted_hmac("aktionskort.offline.owner", str(user.pk)).hexdigest()[:20]


def _reverse_or_none(name, *args):
    # The staff pages live in other apps; until they exist there is nothing to store.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def precache_page_urls(*, user) -> list[str]:
    """Every page of the published cards a user with a role reads: the home page, each
    card, each of its scenarios, and the contact list. Empty for a user with no role."""
    if not has_any_role(user):
        return []
    urls = [reverse("home")]
    for version in published_versions():
        slug = version.card.slug
        urls.append(_reverse_or_none("cards:card", slug))
        for scenario_slug in CardSnapshot(version.snapshot).scenario_slugs():
            urls.append(_reverse_or_none("cards:scenario", slug, scenario_slug))
    urls.append(_reverse_or_none("contacts:list"))
    return list(dict.fromkeys(u for u in urls if u))


def is_page_path(path: str) -> bool:
    return path == "/" or path.startswith(PAGE_PREFIXES)
