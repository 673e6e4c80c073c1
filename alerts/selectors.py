"""Reads for alerts: the dashboard panel's data (who acknowledged, by which channel)."""

from django.db.models import Prefetch

from alerts.models import Alert, AlertRecipient, Delivery

PANEL_ALERTS = 3


def _recipient_row(recipient: AlertRecipient) -> dict:
    latest = {}
    for d in recipient.deliveries.all():  # ordered by creation: the last round wins
        latest[d.channel] = d
    channels = [
        {"label": Delivery.Channel(ch).label, "status": d.status,
         "status_label": d.get_status_display(), "duplicate": d.possible_duplicate}
        for ch, d in sorted(latest.items())
    ]  # fmt: skip
    return {
        "name": recipient.name,
        "acked_at": recipient.acked_at,
        "acked_via": recipient.get_acked_via_display() if recipient.acked_at else "",
        "channels": channels,
    }


def alert_panel(*, incident) -> dict:
    """The newest alerts of the incident, each with its recipients, acknowledged last."""
    deliveries = Prefetch("deliveries", queryset=Delivery.objects.order_by("created_at", "pk"))
    recipients = Prefetch(
        "recipients",
        queryset=AlertRecipient.objects.order_by("acked_at", "name", "pk").prefetch_related(
            deliveries
        ),
    )
    alerts = list(
        Alert.objects.filter(incident=incident)
        .select_related("group")
        .prefetch_related(recipients)
        .order_by("-created_at", "-pk")[:PANEL_ALERTS]
    )
    rows = []
    for alert in alerts:
        people = [_recipient_row(r) for r in alert.recipients.all()]
        # Missing first: those are the ones the coordinator must act on.
        people.sort(key=lambda p: (p["acked_at"] is not None, p["name"]))
        acked = sum(1 for p in people if p["acked_at"])
        rows.append({"alert": alert, "people": people, "acked": acked, "total": len(people),
                     "missing": len(people) - acked})  # fmt: skip
    return {"alerts": rows}
