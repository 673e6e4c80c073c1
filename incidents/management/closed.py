"""What the report and archive commands share: the closed incident they were asked for."""

from django.core.management.base import CommandError

from incidents.models import Incident


def closed_incident(incident_id: int, *, not_yet: str) -> Incident:
    """The incident, or a CommandError that says it does not exist or is still running
    (``not_yet`` says what waits for the close)."""
    incident = Incident.objects.filter(pk=incident_id).first()
    if incident is None:
        raise CommandError(f"Hændelse {incident_id} findes ikke.")
    if incident.is_running:
        raise CommandError(f"Hændelse {incident_id} »{incident.title}« er stadig i gang; {not_yet}")
    return incident
