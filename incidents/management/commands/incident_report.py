import time
from pathlib import Path

from django.core.management.base import BaseCommand

from incidents.management.closed import closed_incident
from incidents.pdf.documents import render_incident_report
from incidents.pdf.services import incident_report_write


class Command(BaseCommand):
    help = (
        "Skriv rapporten for en afsluttet hændelse som PDF. Uden --output gemmes den som "
        "hændelsens rapport, som download-linket udleverer."
    )

    def add_arguments(self, parser):
        parser.add_argument("incident_id", type=int, help="Hændelsens nummer")
        parser.add_argument("--output", "-o", type=Path, help="Fil at skrive PDF'en til")

    def handle(self, *args, incident_id, output, **options):
        incident = closed_incident(incident_id, not_yet="rapporten dannes, når den er afsluttet.")
        start = time.perf_counter()
        if output is None:
            path = incident_report_write(incident=incident)
        else:
            output.write_bytes(render_incident_report(incident=incident))
            path = output
        ms = (time.perf_counter() - start) * 1000
        self.stdout.write(f"Skrev {path} ({path.stat().st_size} bytes, {ms:.0f} ms)")
