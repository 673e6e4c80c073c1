"""Incidents: a running crisis worked from one or more scenarios of a published card.

One module per subject; Django and every caller import the models from here.
"""

from incidents.models.figures import FigureReport
from incidents.models.incident import (
    Incident,
    IncidentScenario,
    IncidentStep,
    IncidentTimer,
    PhoneLineState,
)
from incidents.models.logbook import LogEntry
from incidents.models.tokens import IntegrationToken, token_digest

# The rendered report and archive package of a closed incident (incidents/pdf/).
from incidents.pdf.models import IncidentDocument

__all__ = [
    "FigureReport",
    "Incident",
    "IncidentDocument",
    "IncidentScenario",
    "IncidentStep",
    "IncidentTimer",
    "IntegrationToken",
    "LogEntry",
    "PhoneLineState",
    "token_digest",
]
