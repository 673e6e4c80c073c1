"""Download of the serverless HTML copy of the published card: every reader (any role)."""

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from cards.pdf.services import version_dir_for
from cards.selectors import published_version
from cards.static_copy import static_copy_write
from core.access import role_required


@require_safe
@role_required()
def static_copy_download(request, card_slug):
    version = published_version(card_slug=card_slug)
    if version is None:
        raise Http404("Kortet er ikke udgivet.")
    path = version_dir_for(version) / f"{version.card.slug}-v{version.number}.html"
    if not path.is_file():
        # The worker writes it on publish; an HTML render takes milliseconds, so a copy
        # missing (worker down) is written here rather than refused.
        static_copy_write(version=version)
    response = FileResponse(
        path.open("rb"),
        content_type="text/html; charset=utf-8",
        as_attachment=True,
        filename=f"aktionskort-{version.card.slug}-v{version.number}.html",
    )
    response["Cache-Control"] = "private, no-cache"
    return response
