"""The printed card as a reader gets it: text, pages, fonts, and nothing from the network."""

import copy
import io
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pypdf
import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from PIL import Image

from bench.card_pdf import bench_card_bundle
from cards.models import CardVersion
from cards.pdf.documents import (
    CARD_STYLESHEETS,
    CardDocument,
    duration_label,
    hours_label,
    render_card_bundle,
    render_scenario_card,
    with_phone_numbers,
)
from config.formatting import phone_display
from contacts.models import Person
from printing import engine
from printing.engine import FONT_DIR, FetchRefused, LocalOnlyFetcher
from tests.conftest import require

# The module renders the seed once (in a module fixture); the mark makes pytest-django
# create the test database for it.
pytestmark = pytest.mark.django_db

SITE_URL = "https://aktionskort.example.invalid"
PAPER_CARD = Path(__file__).resolve().parents[1] / "data" / "aktionskort-telefoni.txt"


def normalise(text):
    return re.sub(r"\s+", " ", text).strip()


def pdf_pages(data):
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def seed_version_data(django_db_setup, django_db_blocker):
    """The seed card published through `load_seed` (so through a real snapshot), rendered
    once for the module; the database rows are rolled back afterwards."""
    with (
        override_settings(SITE_URL=SITE_URL),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("load_seed", stdout=io.StringIO())
        version = CardVersion.objects.select_related("card").get(card__slug="telefoni")
        # Detach what the tests need from the rolled-back rows.
        version.card.refresh_from_db()
        data = {
            "version": version,
            "bundle": render_card_bundle(version=version),
            "scenario": render_scenario_card(version=version, scenario_slug="evakuering-dokk1"),
        }
        transaction.set_rollback(True)
    return data


@pytest.fixture(scope="module")
def bundle_text(seed_version_data):
    return pdf_pages(seed_version_data["bundle"])


# --- content --------------------------------------------------------------------------------


def test_bundle_has_every_phone_number_and_email_of_the_paper_card(bundle_text):
    paper = PAPER_CARD.read_text(encoding="utf-8")
    numbers = set(re.findall(r"(?<!\d)\d{8}(?!\d)", paper))
    emails = {e.rstrip(".") for e in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", paper)}
    text = normalise(" ".join(bundle_text))
    assert len(numbers) >= 9 and len(emails) == 6  # the regexes did find the card's data

    assert sorted(n for n in numbers if n not in text) == []
    assert sorted(e for e in emails if e not in text) == []


def test_bundle_has_both_announcements_word_for_word(bundle_text):
    paper = PAPER_CARD.read_text(encoding="utf-8")
    announcements = re.findall(r"Lydfilen (?:tekst|siger): (.+)", paper)
    text = normalise(" ".join(bundle_text))

    assert len(announcements) == 2
    for announcement in announcements:
        assert normalise(announcement) in text


def test_bundle_names_the_audio_files_and_danish_letters_survive(bundle_text):
    text = normalise(" ".join(bundle_text))

    assert "Lydfil: 89402000 Aarhus Kommunes Hovednummer evakuering" in text
    assert "Lydfil: 89402000 Aarhus Kommunes nedbrud" in text
    assert "Strømsvigt på Dokk1" in text
    assert "Michael Skjærbæk Kristiansen" in text


def test_bundle_structure_cover_contents_scenarios_notes_contacts(bundle_text):
    pages = [normalise(p) for p in bundle_text]

    assert "Aktionskort – Telefoni" in pages[0]
    assert "Version 1" in pages[0] and "Udskrevet" in pages[0]
    assert pages[1].startswith("Indhold")
    scenario_pages = [i for i, p in enumerate(pages) if re.match(r"Scenarie \d af 7", p)]
    assert len(scenario_pages) == 7
    assert any(p.startswith("Noter til hele kortet") for p in pages)
    assert "Kontaktliste" in pages[-2] + pages[-1]
    assert "Hverdage kl. 08:00–16:00, lukket på helligdage" in " ".join(pages)


def test_table_of_contents_gives_the_page_each_scenario_starts_on(bundle_text):
    pages = [normalise(p) for p in bundle_text]
    toc = pages[1]
    starts = {}
    for number, page in enumerate(pages, start=1):
        if m := re.match(r"Scenarie (\d) af 7 (.+?) Problem Løsning", page):
            starts[m[2]] = number

    assert len(starts) == 7
    for title, page_number in starts.items():
        assert re.search(re.escape(title) + r"[ .]*" + str(page_number) + r"\b", toc), title


def test_every_page_has_the_footer_with_page_x_of_y(bundle_text):
    total = len(bundle_text)

    for number, page in enumerate(bundle_text[1:], start=2):
        text = normalise(page)
        assert f"Side {number} af {total}" in text
        assert "Aktionskort – Telefoni · Version 1 · udgivet" in text


def test_a_continued_scenario_repeats_the_header_row_and_names_the_scenario(bundle_text):
    pages = [normalise(p) for p in bundle_text]
    continued = [p for p in pages if "Strømsvigt på Dokk1 (fortsat)" in p]

    assert continued, "the seed's longest scenario no longer needs two pages"
    assert "Problem Løsning Kommunikation Ansvarlig" in continued[0]


def test_every_contact_number_is_printed_bold_and_at_least_12_pt(seed_version_data):
    snapshot = seed_version_data["version"].snapshot
    # Stored in E.164, printed grouped the Danish way ("29 20 42 59").
    numbers = {phone_display(p["phone"]) for p in snapshot["people"] if p["phone"]}
    numbers |= {phone_display(line["phone"]) for line in snapshot["support_lines"]}
    seen = []

    def visit(text, cm, tm, font, size):
        for number in numbers:
            if number in text:
                # WeasyPrint draws in CSS px scaled by cm[0] (0.75) to PDF points.
                seen.append((number, str(font["/BaseFont"]), round(size * abs(cm[0]), 2)))

    for page in pypdf.PdfReader(io.BytesIO(seed_version_data["bundle"])).pages:
        page.extract_text(visitor_text=visit)

    assert {number for number, _, _ in seen} == numbers
    too_small = [s for s in seen if s[2] < 12 or not s[1].endswith("-Bold")]
    assert too_small == []


def test_missing_contact_data_is_printed_not_hidden(bundle_text):
    text = normalise(" ".join(bundle_text))

    assert "Lene: ingen telefon eller e- mail oplyst" in text or (
        "Lene: ingen telefon eller e-mail oplyst" in text
    )
    assert "Åbningstid ikke oplyst" in text  # Miralix helpdesk has no hours on the card


def test_scenario_card_is_one_landscape_page_with_qr_and_app_link(seed_version_data):
    data = seed_version_data["scenario"]
    reader = pypdf.PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    text = normalise(page.extract_text())

    assert len(reader.pages) == 1
    assert page.mediabox.width > page.mediabox.height  # landscape
    assert "Side 1 af 1" in text
    assert "Scenarie 1 af 7 Evakuering af Dokk1" in text
    assert f"{SITE_URL}/kort/telefoni/evakuering-dokk1/" in re.sub(r"\s", "", text)
    assert len(page.images) == 1  # the QR code


def test_only_the_shipped_font_is_embedded(seed_version_data):
    reader = pypdf.PdfReader(io.BytesIO(seed_version_data["bundle"]))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])

    assert fonts
    assert all(name.startswith("Aktionskort-Tekst") for name in fonts), fonts


def test_page_one_renders_to_a_picture_that_is_not_blank(seed_version_data, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    source = tmp_path / "bundle.pdf"
    source.write_bytes(seed_version_data["bundle"])

    subprocess.run(
        [
            "pdftoppm",
            "-f",
            "1",
            "-l",
            "1",
            "-r",
            "50",
            "-png",
            "-singlefile",
            source,
            tmp_path / "p",
        ],
        check=True,
    )
    image = Image.open(tmp_path / "p.png").convert("L")
    dark = sum(image.histogram()[:160])  # pixels darker than light grey

    assert image.width > image.height  # landscape
    assert dark > 0.005 * image.width * image.height


# --- rendering edge cases -------------------------------------------------------------------


def _seed_data(seed_version_data):
    return copy.deepcopy(seed_version_data["version"].snapshot)


def _version(seed_version_data, snapshot):
    original = seed_version_data["version"]
    return CardVersion(
        card=original.card, number=7, published_at=original.published_at, snapshot=snapshot
    )


def test_a_long_scenario_breaks_between_steps_never_inside_one(seed_version_data):
    snapshot = _seed_data(seed_version_data)
    steps = [
        {"kind": "action", "text": f"Trin {i:02d} begynder. " + "Lang forklaring. " * 25 + "Slut."}
        for i in range(14)
    ]
    snapshot["scenarios"][4]["blocks"].insert(0, {"steps": steps})
    pages = [
        normalise(p)
        for p in pdf_pages(
            render_scenario_card(
                version=_version(seed_version_data, snapshot), scenario_slug="nedbrud-mobildata"
            )
        )
    ]

    assert len(pages) >= 3
    for page in pages:
        assert "Problem Løsning Kommunikation Ansvarlig" in page
    for page in pages[1:]:
        assert "(TDC eller anden udbyder) (fortsat)" in page
    for i in range(14):
        holding = [p for p in pages if f"Trin {i:02d} begynder." in p]
        assert len(holding) == 1
        step = re.search(rf"Trin {i:02d} begynder\..*?Slut\.", holding[0])
        assert step and step[0].count("Lang forklaring.") == 25


def test_free_text_is_printed_escaped(seed_version_data):
    snapshot = _seed_data(seed_version_data)
    snapshot["scenarios"][4]["blocks"][0]["steps"][0]["text"] = (
        '<img src="https://example.invalid/x.png"> <b>fed</b> & 12345678'
    )
    fetcher = LocalOnlyFetcher()
    context = CardDocument(_version(seed_version_data, snapshot)).scenario_context(
        "nedbrud-mobildata"
    )
    data = engine.pdf_render_template(
        template_name="cards/pdf/scenario.html",
        context=context,
        stylesheets=CARD_STYLESHEETS,
        fetcher=fetcher,
    )
    text = normalise(" ".join(pdf_pages(data)))

    assert '<img src="https://example.invalid/x.png"> <b>fed</b> & 12345678' in text
    assert fetcher.refused == []  # it was text, not an image


def test_a_version_prints_what_was_published_not_what_was_edited_since(seeded_card):
    Person.objects.filter(slug="per-ryolf").update(phone="00001234")
    seeded_card.title = "Omdøbt kort"
    seeded_card.save()
    version = seeded_card.versions.get(number=1)

    text = normalise(
        " ".join(
            pdf_pages(render_scenario_card(version=version, scenario_slug="nedbrud-mobildata"))
        )
    )

    assert "29204259" in text and "00001234" not in text
    assert "Aktionskort – Telefoni · Version 1" in text and "Omdøbt kort" not in text


# --- fetching ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://example.invalid/logo.png",
        "https://example.invalid/font.ttf",
        "ftp://example.invalid/x",
        "file:///etc/passwd",
        FONT_DIR.as_uri() + "/../../config/settings.py",  # a real file, outside the roots
    ],
)
def test_fetcher_refuses_anything_but_our_local_files(url):
    fetcher = LocalOnlyFetcher()

    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_fetcher_serves_the_shipped_font_and_data_uris():
    fetcher = LocalOnlyFetcher()

    font = fetcher.fetch((FONT_DIR / "AtkinsonHyperlegible-Regular.ttf").as_uri())
    data = fetcher.fetch("data:text/plain;base64,aGVq")

    assert font.read()[:4] == b"\x00\x01\x00\x00"  # a TrueType file
    assert data.read() == b"hej"


@pytest.fixture
def no_network(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network is off in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_the_bundle_renders_from_local_files_only(seed_version_data, no_network):
    snapshot = _seed_data(seed_version_data)
    snapshot["card"]["next_review"] = "2027-03-01"
    fetcher = LocalOnlyFetcher()
    context = CardDocument(_version(seed_version_data, snapshot)).bundle_context()

    data = engine.pdf_render_template(
        template_name="cards/pdf/bundle.html",
        context=context,
        stylesheets=CARD_STYLESHEETS,
        fetcher=fetcher,
    )

    assert "Næste gennemgang 1. marts 2027" in normalise(pdf_pages(data)[0])
    assert no_network == []
    assert fetcher.refused == []
    fonts = [u for u in fetcher.fetched if u.startswith("file:")]
    assert {Path(u).name for u in fonts} >= {"AtkinsonHyperlegible-Regular.ttf"}
    assert all(u.startswith(("file:", "data:")) for u in fetcher.fetched)


def test_a_remote_image_or_stylesheet_is_refused_and_never_fetched(no_network):
    fetcher = LocalOnlyFetcher()
    html = (
        '<link rel="stylesheet" href="http://example.invalid/x.css">'
        '<p>Hej <img src="https://example.invalid/logo.png"></p>'
    )

    data = engine.pdf_render(html=html, fetcher=fetcher)

    assert data.startswith(b"%PDF")
    assert sorted(fetcher.refused) == [
        "http://example.invalid/x.css",
        "https://example.invalid/logo.png",
    ]
    assert no_network == []


# --- small helpers ----------------------------------------------------------------------------


def test_phone_numbers_are_set_bold_and_the_rest_escaped():
    html = with_phone_numbers("Ring 76410979 eller 29 20 42 59 <nu> – ikke 1234567 & 123456789")

    assert '<strong class="tel">76410979</strong>' in html
    assert '<strong class="tel">29 20 42 59</strong>' in html
    assert "&lt;nu&gt;" in html and "&amp;" in html
    assert html.count('class="tel"') == 2


@pytest.mark.parametrize(
    ("minutes", "label"), [(120, "2 timer"), (60, "1 time"), (90, "1 time 30 min."), (5, "5 min.")]
)
def test_duration_label(minutes, label):
    assert duration_label(minutes) == label


def test_hours_label():
    workdays = {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00", "closes": "16:00"}
    weekend = {
        "days": ["sat", "sun"],
        "opens": "10:00",
        "closes": "14:00",
        "open_on_holidays": True,
    }

    assert hours_label(workdays) == "Hverdage kl. 08:00–16:00, lukket på helligdage"
    assert hours_label(weekend) == "Lørdag, søndag kl. 10:00–14:00"
    assert hours_label(None) == "Åbningstid ikke oplyst"


def test_bench_reports_time_memory_and_size_without_a_database():
    result = bench_card_bundle(runs=1)

    assert result["render_ms"] > 0 and result["render_ms_best"] == result["render_ms"]
    assert result["peak_rss_mb"] > 10
    assert result["bytes"] > 10_000
