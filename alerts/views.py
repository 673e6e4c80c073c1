"""Alert views: the dashboard panel and its forms, the one-tap acknowledgement page
(public, by token) and the browser's push subscription."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.forms import AlertForm, PushSubscriptionForm
from alerts.models import Alert
from alerts.templatetags.alerts_tags import alert_panel
from core.access import role_required
from core.htmx import HtmxTemplateResponse, form_answer
from incidents.models import Incident

PAGE = "alerts/page.html"
VIEW = "incidents.view_incident"
SEND = "incidents.send_status_update"
MAX_SUBSCRIPTION_BYTES = 4096


def _panel(request, incident, *, form=None, status=200):
    context = {"incident": incident, "alert_form": form, "ap": alert_panel(incident, form)}
    back = reverse("incidents:dashboard", args=[incident.pk]) + "#alerts-panel"
    return form_answer(
        request, PAGE, context, partial="alerts-panel", redirect_to=back,
        refused=status >= 400, status=status,
    )  # fmt: skip


@role_required(VIEW)
def panel(request, incident_id):
    """The panel's data part; fetched when the dashboard's notifications group changes."""
    incident = get_object_or_404(Incident, pk=incident_id)
    context = {"incident": incident}
    if request.htmx:  # the data part alone: it needs the panel's data, the page does not
        context.update(ap=alert_panel(incident, None), oob=True)
    return HtmxTemplateResponse(request, PAGE, context, partial="alerts-status")


@require_POST
@role_required(SEND)
def send(request, incident_id):
    incident = get_object_or_404(Incident, pk=incident_id)
    form = AlertForm(request.POST)
    if not form.is_valid():
        return _panel(request, incident, form=form, status=400)
    try:
        alert = services.alert_send(
            incident=incident, user=request.user, text=form.cleaned_data["text"],
            group=form.cleaned_data["group"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )  # fmt: skip
    except ValidationError as exc:
        form.add_error(None, exc)
        return _panel(request, incident, form=form, status=400)
    count = alert.recipients.count()
    messages.success(
        request,
        ngettext(
            "Alarmen er sendt til %(n)s person.", "Alarmen er sendt til %(n)s personer.", count
        )
        % {"n": count},
    )
    return _panel(request, incident)


@require_POST
@role_required(SEND)
def resend(request, alert_id):
    alert = get_object_or_404(Alert.objects.select_related("incident"), pk=alert_id)
    try:
        count = services.alert_resend_missing(alert=alert, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sendt igen til %(n)s, der ikke har kvitteret.") % {"n": count})
    return _panel(request, alert.incident)


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def ack(request, token):
    """GET shows the button (a link preview must not acknowledge); POST acknowledges."""
    recipient = services.alert_recipient_for_token(token)
    if recipient is None:
        return render(request, "alerts/ack.html", {"unknown": True}, status=404)
    if request.method == "POST":
        recipient = services.alert_ack_by_token(token=token)
    return render(request, "alerts/ack.html", {"recipient": recipient,
                                               "incident": recipient.alert.incident})  # fmt: skip


@require_POST
@role_required(VIEW)
def push_subscribe(request):
    """The browser's PushSubscription JSON, posted by static/alerts/push.js."""
    if len(request.body) > MAX_SUBSCRIPTION_BYTES:
        return JsonResponse({"error": _("For stor forespørgsel.")}, status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
        keys = data.get("keys") or {}
        fields = {"endpoint": data.get("endpoint"), "p256dh": keys.get("p256dh"),
                  "auth": keys.get("auth")}  # fmt: skip
    except (ValueError, AttributeError):
        return JsonResponse({"error": _("Ugyldig JSON.")}, status=400)
    form = PushSubscriptionForm(fields)
    if not form.is_valid():
        return JsonResponse({"error": form.errors.get_json_data()}, status=400)
    services.push_subscription_save(user=request.user, **form.cleaned_data)
    return HttpResponse(status=204)
