"""Writes for notifications. The incidents app calls these inside its own transactions."""

from incidents.models import Incident


def status_update_create(*, incident: Incident, reason: str, user=None) -> None:
    """Queue a status update to the incident's recipients (reason: started, scenario_added,
    closed, manual). Placeholder until the notifications issue lands: it writes nothing."""
