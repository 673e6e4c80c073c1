"""Downloads of a closed incident's report (PDF) and archive package (zip).

A view never renders: a current file is served from disk; otherwise the document is
requested (the worker renders it) and the page "Rapporten laves" answers, which polls
itself with htmx every 2 s and sends the browser to the file once it is ready. A failed
render says so, in Danish, with a button that asks again.
"""

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import AccessRecord
from audit.services import access_record
from core.access import role_required
from core.htmx import HtmxTemplateResponse
from incidents.models import Incident
from incidents.pdf.models import IncidentDocument
from incidents.pdf.services import incident_document_current, incident_document_request

Kind = IncidentDocument.Kind
# The report: Koordinatorer and Redaktører; Medarbejdere work the incident but do not get
# it. The archive package (aktindsigt, ESDH): Koordinatorer only.
REPORT_PERMISSIONS = ("incidents.start_incident", "cards.publish_actioncard")
ARCHIVE_PERMISSIONS = ("incidents.start_incident",)
PENDING = "incidents/pdf/document_pending.html"


def _file_response(incident, kind, path):
    prefix = "oevelse-" if incident.is_exercise else ""
    if kind == Kind.ARCHIVE:
        name, content_type = f"{prefix}haendelse-{incident.pk}-arkiv.zip", "application/zip"
    else:
        name, content_type = f"{prefix}haendelsesrapport-{incident.pk}.pdf", "application/pdf"
    response = FileResponse(
        path.open("rb"),
        content_type=content_type,
        filename=name,
        as_attachment=kind == Kind.ARCHIVE,
    )
    # Rendered again when the data changes (a late delivery), so a browser must ask again.
    response["Cache-Control"] = "private, no-cache"
    return response


def _document_view(request, pk, *, kind):
    incident = Incident.objects.select_related("card_version").filter(pk=pk).first()
    if incident is None:
        raise Http404("Hændelsen findes ikke.")
    if incident.is_running:
        return render(
            request, "incidents/pdf/report_not_ready.html", {"incident": incident}, status=404
        )
    url = request.path
    if request.method == "POST":  # "Prøv igen" after a failed render
        incident_document_request(incident=incident, kind=kind, retry=True)
        return redirect(url)
    path, doc = incident_document_current(incident=incident, kind=kind)
    if path is not None:
        if request.htmx:  # the waiting page's poll: leave the page for the file
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        # The report and the archive hold personal data: every download is on record.
        access_record(user=request.user, action=AccessRecord.Action.DOWNLOAD, obj=incident)
        return _file_response(incident, kind, path)
    doc = incident_document_request(incident=incident, kind=kind)
    context = {"incident": incident, "document": doc, "kind": kind, "url": url}
    context["back"] = reverse("incidents:dashboard", args=[incident.pk])
    return HtmxTemplateResponse(request, PENDING, context, partial="document-status")


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*REPORT_PERMISSIONS)
def incident_report_download(request, pk):
    return _document_view(request, pk, kind=Kind.REPORT)


@require_http_methods(["GET", "HEAD", "POST"])
@role_required(*ARCHIVE_PERMISSIONS)
def incident_archive_download(request, pk):
    return _document_view(request, pk, kind=Kind.ARCHIVE)
