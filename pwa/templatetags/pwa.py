"""The page side of the PWA: data attributes on <body> that pwa/static/js/pwa.js reads."""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from pwa.selectors import offline_owner, session_marker

register = template.Library()


@register.simple_tag(takes_context=True)
def pwa_body_attrs(context):
    """``data-pwa-*`` attributes for <body>.

    ``data-pwa-saved-at`` is empty in every page the server sends; the service worker
    writes the time into the copy it stores, so a page shown from the cache carries its
    own age (see pwa/templates/pwa/sw.js). ``data-pwa-precache`` is only there for a user
    with a role: the page after login asks the service worker to store the whole card.
    """
    request = context.get("request")
    attrs = format_html(
        ' data-pwa-sw="{}" data-pwa-logout="{}" data-pwa-session="{}" data-pwa-saved-at=""',
        reverse("pwa-sw"),
        reverse("logout"),
        session_marker(request) if request is not None else "",
    )
    if context.get("has_role"):
        attrs += format_html(' data-pwa-precache="{}"', reverse("pwa-precache"))
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Whose offline queue this page may show and send (static/js/offline-queue.js).
        attrs += format_html(' data-offline-owner="{}"', offline_owner(user))
    return attrs
