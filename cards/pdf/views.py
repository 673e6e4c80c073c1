"""Downloads of the printed card: always a file from disk, rendered at most once."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cards.pdf.selectors import published_version
from cards.pdf.services import ensure_bundle, ensure_scenario_card
from cards.snapshots import CardSnapshot
from config.roles import has_any_role

PRINT_PERMISSIONS = ("cards.publish_actioncard", "incidents.start_incident")


def _print_denied(request):
    """Redaktører and Koordinatorer print; a user with no role sees the no-role page."""
    if not has_any_role(request.user):
        return render(request, "no_role.html", status=200)
    if not any(request.user.has_perm(p) for p in PRINT_PERMISSIONS):
        raise PermissionDenied
    return None


def _pdf_response(path, filename, *, immutable):
    response = FileResponse(path.open("rb"), content_type="application/pdf", filename=filename)
    # A numbered version never changes; "latest" does.
    response["Cache-Control"] = "private, max-age=86400" if immutable else "private, no-cache"
    return response


@require_safe
def card_bundle_download(request, card_slug, number=None):
    if denied := _print_denied(request):
        return denied
    version = published_version(card_slug=card_slug, number=number)
    path = ensure_bundle(version=version)
    filename = f"aktionskort-{card_slug}-v{version.number}.pdf"
    return _pdf_response(path, filename, immutable=number is not None)


@require_safe
def scenario_card_download(request, card_slug, scenario_slug, number=None):
    if denied := _print_denied(request):
        return denied
    version = published_version(card_slug=card_slug, number=number)
    if scenario_slug not in CardSnapshot(version.snapshot).scenario_slugs():
        raise Http404("Scenariet findes ikke i denne version af kortet.")
    path = ensure_scenario_card(version=version, scenario_slug=scenario_slug)
    filename = f"aktionskort-{card_slug}-v{version.number}-{scenario_slug}.pdf"
    return _pdf_response(path, filename, immutable=number is not None)
