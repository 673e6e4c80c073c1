"""The incident report as PDF bytes, on the shared printed-document base of cards.pdf.

Two variants of the same document: the download is tagged PDF/UA-1 (a screen reader reads
headings, tables and the reading order), the archive package's copy is PDF/A-3a (archival:
fonts embedded, XMP metadata, and tagged too). Both are rendered in Danish unless a
language is chosen explicitly; the facts are the same in every language.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from cards.pdf.rendering import CSS_DIR, LocalOnlyFetcher
from incidents.pdf.selectors import incident_report

# An absolute path: joined onto cards/pdf/css/, an absolute path stays itself, so the
# report's own stylesheet can live in this app.
REPORT_CSS = Path(__file__).resolve().parent / "css" / "report.css"
REPORT_STYLESHEETS = ("base.css", REPORT_CSS)
REPORT_LANGUAGE = "da"
UA = "pdf/ua-1"
ARCHIVAL = "pdf/a-3a"


def report_html(*, incident, language: str = REPORT_LANGUAGE, now=None) -> str:
    with translation.override(language):
        context = incident_report(incident=incident, now=now)
        return render_to_string("incidents/pdf/report.html", context)


def html_to_tagged_pdf(html: str, *, variant: str = UA) -> bytes:
    fetcher = LocalOnlyFetcher()
    font_config = FontConfiguration()
    css = [
        CSS(filename=str(CSS_DIR / name), url_fetcher=fetcher, font_config=font_config)
        for name in REPORT_STYLESHEETS
    ]
    document = HTML(string=html, base_url=CSS_DIR.as_uri() + "/", url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=css,
        font_config=font_config,
        pdf_variant=variant,
        pdf_tags=True,
        # The report's <title> and <html lang> become the PDF's title and language.
        custom_metadata=True,
    )


def render_incident_report(
    *, incident, language: str = REPORT_LANGUAGE, variant: str = UA, now=None
) -> bytes:
    html = report_html(incident=incident, language=language, now=now)
    return html_to_tagged_pdf(html, variant=variant)
