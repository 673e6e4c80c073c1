"""Downloads of a closed incident's report (PDF) and archive package (zip).

A view never renders: a current file is served from disk; otherwise the document is
requested (the worker renders it) and the page "Rapporten laves" answers, which polls
itself with htmx every 2 s and sends the browser to the file once it is ready. A failed
render says so, in Danish, with a button that asks again.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audit.models import AccessRecord
from audit.services import access_record
from config.roles import has_any_role
from incidents.models import Incident
from incidents.pdf.models import IncidentDocument
from incidents.pdf.services import incident_document_current, incident_document_request

Kind = IncidentDocument.Kind
# The report: Koordinatorer and Redaktører; Medarbejdere work the incident but do not get
# it. The archive package (aktindsigt, ESDH): Koordinatorer only.
REPORT_PERMISSIONS = ("incidents.start_incident", "cards.publish_actioncard")
ARCHIVE_PERMISSIONS = ("incidents.start_incident",)
PENDING = "incidents/pdf/document_pending.html"


def can_download_report(user) -> bool:
    return any(user.has_perm(p) for p in REPORT_PERMISSIONS)


def can_download_archive(user) -> bool:
    return any(user.has_perm(p) for p in ARCHIVE_PERMISSIONS)


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


def _document_view(request, pk, *, kind, allowed):
    # Anonymous users never get here: the login middleware sends them to the login page.
    if not has_any_role(request.user):
        return render(request, "no_role.html", status=403)
    if not allowed(request.user):
        raise PermissionDenied
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
    template = PENDING + ("#document-status" if request.htmx else "")
    return render(request, template, context)


@require_http_methods(["GET", "HEAD", "POST"])
def incident_report_download(request, pk):
    return _document_view(request, pk, kind=Kind.REPORT, allowed=can_download_report)


@require_http_methods(["GET", "HEAD", "POST"])
def incident_archive_download(request, pk):
    return _document_view(request, pk, kind=Kind.ARCHIVE, allowed=can_download_archive)
