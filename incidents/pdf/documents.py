"""The incident report as PDF bytes, on the shared printed-document base of cards.pdf."""

from pathlib import Path

from cards.pdf.rendering import render_pdf
from incidents.pdf.selectors import incident_report

# An absolute path: html_to_pdf joins stylesheet names onto cards/pdf/css/, and joining an
# absolute path keeps it, so the report's own stylesheet can live in this app.
REPORT_CSS = Path(__file__).resolve().parent / "css" / "report.css"
REPORT_STYLESHEETS = ("base.css", REPORT_CSS)


def render_incident_report(*, incident, now=None) -> bytes:
    context = incident_report(incident=incident, now=now)
    return render_pdf("incidents/pdf/report.html", context, stylesheets=REPORT_STYLESHEETS)
