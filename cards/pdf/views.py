"""Downloads of the printed card: always a file from disk, rendered at most once."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from audit.models import AccessRecord
from audit.services import access_record
from cards.pdf.services import ensure_bundle, ensure_scenario_card
from cards.selectors import published_version
from cards.snapshots import CardSnapshot
from core.access import role_required
from core.roles import has_any_role


def may_download(user) -> bool:
    """Every role that reads the card downloads its PDF: a Medarbejder evacuated with a
    phone needs the card as a file too, not only whoever prints the binder."""
    return has_any_role(user)


def _pdf_response(path, filename, *, immutable):
    response = FileResponse(path.open("rb"), content_type="application/pdf", filename=filename)
    # A numbered version never changes; "latest" does.
    response["Cache-Control"] = "private, max-age=86400" if immutable else "private, no-cache"
    return response


def _version_or_404(card_slug, number):
    version = published_version(card_slug=card_slug, number=number)
    if version is None:
        raise Http404("Kortet eller versionen findes ikke.")
    return version


@require_safe
@role_required()  # every role: see may_download
def card_bundle_download(request, card_slug, number=None):
    version = _version_or_404(card_slug, number)
    path = ensure_bundle(version=version)
    filename = f"aktionskort-{card_slug}-v{version.number}.pdf"
    access_record(user=request.user, action=AccessRecord.Action.EXPORT, obj=version, label=filename)
    return _pdf_response(path, filename, immutable=number is not None)


@require_safe
@role_required()  # every role: see may_download
def scenario_card_download(request, card_slug, scenario_slug, number=None):
    version = _version_or_404(card_slug, number)
    if scenario_slug not in CardSnapshot(version.snapshot).scenario_slugs():
        raise Http404("Scenariet findes ikke i denne version af kortet.")
    path = ensure_scenario_card(version=version, scenario_slug=scenario_slug)
    filename = f"aktionskort-{card_slug}-v{version.number}-{scenario_slug}.pdf"
    access_record(user=request.user, action=AccessRecord.Action.EXPORT, obj=version, label=filename)
    return _pdf_response(path, filename, immutable=number is not None)
