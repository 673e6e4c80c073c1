from incidents.management.closed import ClosedIncidentCommand
from incidents.pdf.documents import render_incident_report
from incidents.pdf.services import incident_report_write


class Command(ClosedIncidentCommand):
    help = (
        "Skriv rapporten for en afsluttet hændelse som PDF. Uden --output gemmes den som "
        "hændelsens rapport, som download-linket udleverer."
    )
    not_yet = "rapporten dannes, når den er afsluttet."
    output_help = "Fil at skrive PDF'en til"

    def write(self, *, incident, output):
        if output is None:
            return incident_report_write(incident=incident)
        output.write_bytes(render_incident_report(incident=incident))
        return output
