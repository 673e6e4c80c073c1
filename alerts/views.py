"""Alert views: the dashboard panel and its forms, the one-tap acknowledgement page
(public, by token) and the browser's push subscription."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.forms import AlertForm, PushSubscriptionForm
from alerts.models import Alert
from alerts.templatetags.alerts_tags import alert_panel
from incidents.models import Incident

PANEL = "alerts/panel.html#alerts-panel"
STATUS = "alerts/panel.html#alerts-status"
MAX_SUBSCRIPTION_BYTES = 4096


def _panel(request, incident, *, form=None, status=200, partial=PANEL):
    context = {"incident": incident, "alert_form": form,
               "ap": alert_panel(incident, form)}  # fmt: skip
    if request.htmx:
        # oob: the panel brings the flash messages along (_messages.html, out of band).
        return render(request, partial, {**context, "oob": True}, status=status)
    if status >= 400:
        return render(request, "alerts/page.html", context, status=status)
    return redirect(reverse("incidents:dashboard", args=[incident.pk]) + "#alerts-panel")


@permission_required("incidents.view_incident", raise_exception=True)
def panel(request, incident_id):
    """The panel's data part; fetched when the dashboard's notifications group changes."""
    incident = get_object_or_404(Incident, pk=incident_id)
    if request.htmx:
        return _panel(request, incident, partial=STATUS)
    return render(request, "alerts/page.html", {"incident": incident})


@require_POST
@permission_required("incidents.send_status_update", raise_exception=True)
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
@permission_required("incidents.send_status_update", raise_exception=True)
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
@permission_required("incidents.view_incident", raise_exception=True)
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
