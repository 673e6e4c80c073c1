import time
from pathlib import Path

from django.core.management.base import BaseCommand

from incidents.management.closed import closed_incident
from incidents.pdf.archive import archive_build


class Command(BaseCommand):
    help = (
        "Skriv arkivpakken (zip: rapport som PDF/A, hændelser som JSON og CSV, tal som CSV, "
        "manifest med SHA-256) for en afsluttet hændelse, til aktindsigt og journalisering."
    )

    def add_arguments(self, parser):
        parser.add_argument("incident_id", type=int, help="Hændelsens nummer")
        parser.add_argument(
            "--output", "-o", type=Path, help="Fil at skrive til (standard: haendelse-ID-arkiv.zip)"
        )

    def handle(self, *args, incident_id, output, **options):
        incident = closed_incident(
            incident_id, not_yet="arkivpakken kan først laves, når den er afsluttet."
        )
        output = output or Path(f"haendelse-{incident_id}-arkiv.zip")
        start = time.perf_counter()
        output.write_bytes(archive_build(incident=incident))
        ms = (time.perf_counter() - start) * 1000
        self.stdout.write(f"Skrev {output} ({output.stat().st_size} bytes, {ms:.0f} ms)")
