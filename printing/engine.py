"""HTML → PDF with WeasyPrint, for every printed document of the app.

The public interface of the printing app: ``pdf_render`` (HTML string → PDF bytes),
``pdf_render_template`` (a Django template, rendered in Danish, → PDF bytes),
``qr_data_uri`` and the ``LocalOnlyFetcher``. One base stylesheet (``css/base.css``: page,
fonts, footer with "Side x af y", list tables) and the fonts in ``fonts/`` are shared by
every document; a document adds stylesheets of its own, kept in its own app and passed
as absolute paths.

Rendering must work when the network is down (that is when the binder is printed from),
so nothing is fetched but local files under ``ALLOWED_ROOTS`` and ``data:`` URIs.
"""

import base64
import io
import logging
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
FONT_DIR = PACKAGE_DIR / "fonts"
CSS_DIR = PACKAGE_DIR / "css"
BASE_CSS = CSS_DIR / "base.css"
ALLOWED_ROOTS = (FONT_DIR, CSS_DIR)
# The tagged variants WeasyPrint writes: accessible (download) and archival (archive copy).
PDF_UA = "pdf/ua-1"
PDF_A = "pdf/a-3a"


class FetchRefused(ValueError):
    """A PDF asked for something that is not a local file we ship."""


class LocalOnlyFetcher(URLFetcher):
    """Serves ``file:`` URLs under ``roots`` and ``data:`` URIs; refuses everything else.

    Refusals are kept in ``refused`` (and logged) so callers and tests can see that a
    template asked for something it must not.
    """

    def __init__(self, roots=ALLOWED_ROOTS, **kwargs):
        super().__init__(allow_redirects=False, **kwargs)
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def _refuse(self, url, why):
        self.refused.append(url)
        logger.warning("PDF: %s nægtet: %s", url, why)
        raise FetchRefused(f"{why}: {url}")

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            self.fetched.append(url[:40])
            return super().fetch(url, headers)
        if scheme != "file":
            self._refuse(url, "kun lokale filer må hentes")
        path = Path(url2pathname(urlsplit(url).path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            self._refuse(url, "filen ligger uden for de tilladte mapper")
        if not path.is_file():
            self._refuse(url, "filen findes ikke")
        self.fetched.append(url)
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes())


def qr_data_uri(url: str) -> str:
    """A QR code for ``url`` as a PNG data URI.

    PNG rather than SVG: WeasyPrint draws an SVG QR code path by path, which cost a
    third of a second for the seven scenarios; a bitmap is embedded as is and, printed
    with ``image-rendering: pixelated``, stays sharp (8 px a module is ~300 dpi at 26 mm).
    """
    import qrcode  # only the card PDFs draw one; a worker rendering reports need not load it

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=0)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def pdf_render(
    *,
    html: str,
    stylesheets: Sequence[str | Path] = (BASE_CSS,),
    variant: str | None = None,
    fetcher: LocalOnlyFetcher | None = None,
) -> bytes:
    """PDF bytes of ``html``.

    ``stylesheets`` are paths (a bare name is a file in ``css/``), read directly; what
    they and the HTML refer to goes through ``fetcher``, relative to ``css/``. With a
    ``variant`` (``PDF_UA``, ``PDF_A``) the PDF is tagged and takes its title and
    language from the document's ``<title>`` and ``<html lang>``.
    """
    fetcher = fetcher or LocalOnlyFetcher()
    font_config = FontConfiguration()
    css = [
        CSS(filename=str(CSS_DIR / name), url_fetcher=fetcher, font_config=font_config)
        for name in stylesheets
    ]
    document = HTML(string=html, base_url=CSS_DIR.as_uri() + "/", url_fetcher=fetcher)
    tagging = {}
    if variant:
        tagging = {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True}
    return document.write_pdf(stylesheets=css, font_config=font_config, **tagging)


def pdf_render_template(
    *,
    template_name: str,
    context: dict,
    stylesheets: Sequence[str | Path] = (BASE_CSS,),
    fetcher: LocalOnlyFetcher | None = None,
) -> bytes:
    """Render ``template_name`` to PDF bytes.

    Text is rendered in Danish whatever language the caller (a Celery worker, a
    management command) happens to be in.
    """
    with translation.override("da"):
        html = render_to_string(template_name, context)
    return pdf_render(html=html, stylesheets=stylesheets, fetcher=fetcher)
