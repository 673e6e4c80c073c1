"""The notification panel of an incident: send now, add and remove recipients.

The incidents dashboard includes the panel; these views answer its forms (htmx swaps
the panel, plain POSTs redirect to the panel page).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import role_required
from core.htmx import HtmxTemplateResponse, form_answer
from incidents.models import Incident
from notifications import services
from notifications.forms import RecipientAddForm, SendNowForm
from notifications.models import Recipient

PAGE = "notifications/incident_page.html"
PANEL = "notifications-panel"
VIEW = "incidents.view_incident"
SEND = "incidents.send_status_update"


def _panel_response(request, incident, *, form=None, status=200):
    return form_answer(
        request,
        PAGE,
        {"incident": incident, "panel_form": form},
        partial=PANEL,
        redirect_to=reverse("notifications:incident-panel", args=[incident.pk]),
        refused=form is not None and bool(form.errors),
        status=status,
    )


@role_required(VIEW)
def incident_panel(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    return HtmxTemplateResponse(request, PAGE, {"incident": incident}, partial=PANEL)


@require_POST
@role_required(SEND)
def status_update_send(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    _send_now(request, incident, SendNowForm(request.POST))
    return _panel_response(request, incident)


def _send_now(request, incident, form) -> None:
    """Send an update now, and say how it went (a flash message on the panel)."""
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["idempotency_key"]))
    elif not incident.is_running:
        messages.error(request, _("Hændelsen er afsluttet; der sendes ikke flere opdateringer."))
    else:
        update, _replayed = services.status_update_send_now(
            incident=incident,
            user=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
        if update is None:
            messages.info(request, _("Der er allerede sendt en opdatering i dette minut."))
        else:
            messages.success(
                request,
                _("Statusopdateringen er sat i kø til %(count)d modtagere.")
                % {"count": update.messages.values("recipient").distinct().count()},
            )


@require_POST
@role_required(SEND)
def recipient_add(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    form = RecipientAddForm(request.POST)
    if form.is_valid():
        return _recipient_added(request, incident, form.cleaned_data)
    return _panel_response(request, incident, form=form, status=422 if request.htmx else 200)


def _recipient_added(request, incident, data):
    try:
        added = _recipients_add(request, incident, data)
    except ValidationError as exc:  # a closed incident is read-only
        messages.error(request, " ".join(exc.messages))
        return _panel_response(request, incident, status=409 if request.htmx else 200)
    messages.success(request, _("%(name)s får nu statusopdateringerne.") % {"name": added})
    return _panel_response(request, incident)


def _recipients_add(request, incident, data) -> str:
    if data["person"]:
        services.recipient_add_person(incident=incident, person=data["person"], user=request.user)
        added = data["person"].name
    elif data["group"]:
        services.recipient_add_group(incident=incident, group=data["group"], user=request.user)
        added = data["group"].name
    else:
        recipient = services.recipient_add_adhoc(
            incident=incident,
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            webhook_url=data["webhook_url"],
            sms_first=data["sms_first"],
            user=request.user,
        )
        added = recipient.name
    return added


@require_POST
@role_required(SEND)
def recipient_remove(request, recipient_id):
    recipient = get_object_or_404(Recipient.objects.select_related("incident"), pk=recipient_id)
    try:
        services.recipient_remove(recipient=recipient)
    except ValidationError as exc:  # a closed incident is read-only
        messages.error(request, " ".join(exc.messages))
        return _panel_response(request, recipient.incident, status=409 if request.htmx else 200)
    messages.success(
        request, _("%(name)s får ikke flere statusopdateringer.") % {"name": recipient.name}
    )
    return _panel_response(request, recipient.incident)
