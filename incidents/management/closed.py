"""What the report and archive commands share: the closed incident they were asked for, the
``--output`` file, and the line that says what was written and how long it took."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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


class ClosedIncidentCommand(BaseCommand):
    """A command that writes one file for a closed incident. A subclass says what waits
    for the close (``not_yet``), what ``--output`` means (``output_help``) and writes the
    file in ``write``."""

    not_yet = ""
    output_help = ""

    def add_arguments(self, parser):
        parser.add_argument("incident_id", type=int, help="Hændelsens nummer")
        parser.add_argument("--output", "-o", type=Path, help=self.output_help)

    def write(self, *, incident: Incident, output: Path | None) -> Path:
        """Write the file (to ``output`` when given) and answer where it was written."""
        raise NotImplementedError

    def handle(self, *args, incident_id, output, **options):
        incident = closed_incident(incident_id, not_yet=self.not_yet)
        start = time.perf_counter()
        path = self.write(incident=incident, output=output)
        ms = (time.perf_counter() - start) * 1000
        self.stdout.write(f"Skrev {path} ({path.stat().st_size} bytes, {ms:.0f} ms)")
