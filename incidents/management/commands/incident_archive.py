from pathlib import Path

from incidents.management.closed import ClosedIncidentCommand
from incidents.pdf.archive import archive_build


class Command(ClosedIncidentCommand):
    help = (
        "Skriv arkivpakken (zip: rapport som PDF/A, hændelser som JSON og CSV, tal som CSV, "
        "manifest med SHA-256) for en afsluttet hændelse, til aktindsigt og journalisering."
    )
    not_yet = "arkivpakken kan først laves, når den er afsluttet."
    output_help = "Fil at skrive til (standard: haendelse-ID-arkiv.zip)"

    def write(self, *, incident, output):
        output = output or Path(f"haendelse-{incident.pk}-arkiv.zip")
        output.write_bytes(archive_build(incident=incident))
        return output
