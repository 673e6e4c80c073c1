"""Download of the incident report: a file from disk, rendered here only if it is missing
(the worker was down) or older than the last delivery change of a status update."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from audit.models import AccessRecord
from audit.services import access_record
from config.roles import has_any_role
from incidents.models import Incident
from incidents.pdf.services import ensure_incident_report

# Koordinatorer and Redaktører; Medarbejdere work the incident but do not get the report.
REPORT_PERMISSIONS = ("incidents.start_incident", "cards.publish_actioncard")


def can_download_report(user) -> bool:
    return any(user.has_perm(p) for p in REPORT_PERMISSIONS)


@require_safe
def incident_report_download(request, pk):
    # Anonymous users never get here: the login middleware sends them to the login page.
    if not has_any_role(request.user):
        return render(request, "no_role.html", status=403)
    if not can_download_report(request.user):
        raise PermissionDenied
    incident = Incident.objects.select_related("card_version").filter(pk=pk).first()
    if incident is None:
        raise Http404("Hændelsen findes ikke.")
    if incident.is_running:
        return render(
            request, "incidents/pdf/report_not_ready.html", {"incident": incident}, status=404
        )
    path = ensure_incident_report(incident=incident)
    access_record(user=request.user, action=AccessRecord.Action.DOWNLOAD, obj=incident)
    prefix = "oevelse-" if incident.is_exercise else ""
    response = FileResponse(
        path.open("rb"),
        content_type="application/pdf",
        filename=f"{prefix}haendelsesrapport-{incident.pk}.pdf",
    )
    # Re-rendered when a delivery state changes, so a browser must ask again.
    response["Cache-Control"] = "private, no-cache"
    return response
