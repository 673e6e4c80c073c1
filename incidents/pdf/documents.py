"""The incident report as PDF bytes, rendered by the printing app's engine.

Two variants of the same document: the download is tagged PDF/UA-1 (a screen reader reads
headings, tables and the reading order), the archive package's copy is PDF/A-3a (archival:
fonts embedded, XMP metadata, and tagged too). Both are rendered in Danish unless a
language is chosen explicitly; the facts are the same in every language.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from incidents.pdf.selectors import incident_report
from printing.engine import BASE_CSS, PDF_A, PDF_UA, pdf_render

# The shared base (page, fonts, footer, .list-table) and the report's own stylesheet.
REPORT_CSS = Path(__file__).resolve().parent / "css" / "report.css"
REPORT_STYLESHEETS = (BASE_CSS, REPORT_CSS)
REPORT_LANGUAGE = "da"
UA = PDF_UA
ARCHIVAL = PDF_A


def report_html(*, incident, language: str = REPORT_LANGUAGE, now=None) -> str:
    with translation.override(language):
        context = incident_report(incident=incident, now=now)
        return render_to_string("incidents/pdf/report.html", context)


def render_incident_report(
    *, incident, language: str = REPORT_LANGUAGE, variant: str = UA, now=None
) -> bytes:
    html = report_html(incident=incident, language=language, now=now)
    # Tagged: the report's <title> and <html lang> become the PDF's title and language.
    return pdf_render(html=html, stylesheets=REPORT_STYLESHEETS, variant=variant)
