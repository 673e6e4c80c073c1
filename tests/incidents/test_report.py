"""The incident report (issues 6 and 13): content from events, the decision summary,
languages, tagging, the command and the picture of page one."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from pypdf import PdfReader

from incidents import services
from incidents.pdf import selectors as report_selectors
from incidents.pdf import services as report_services
from incidents.pdf.documents import render_incident_report
from notifications.models import OutboxMessage
from tests.conftest import POWER, require
from tests.incidents.factories import LogEntryFactory
from tests.incidents.report_world import (
    CHOSEN,
    DECIDED,
    NOT_DONE,
    NOW,
    SUMMARY,
    _pdf_pages,
    _text,
    _who,
    _work_and_close,
)

pytestmark = pytest.mark.django_db


def test_report_has_timeline_checklist_figures_deliveries_and_summary(
    closed, coordinator, staff_user
):
    text = _text(render_incident_report(incident=closed))

    assert closed.title in text
    assert SUMMARY in text
    # Timeline: manual entries, the correction pointing back, system events from data.
    assert "Strømmen gik kl. 10.05" in text and "Strømmen gik kl. 10.15" in text
    wrong, right = closed.log_entries.filter(text__startswith="Strømmen gik").order_by("sequence")
    assert f"Retter #{wrong.sequence}" in text
    assert f"Rettet i #{right.sequence}" in text
    assert "Infobesked »Nedbrud« slået til på" in text and "skiftet tilbage til normal" in text
    # Phone lines and timers, with their history from the events.
    assert "»Nedbrud« slået til" in text and "tilbage til normal" in text
    moved = f"flyttede {_who(staff_user)} starten fra"
    assert moved in text
    # Checklist: who ticked, who was assigned, the undo reason.
    done = closed.steps.get(done_by=staff_user)
    assert re.search(re.escape(done.text[:40]) + r".{0,200}?" + re.escape(_who(staff_user)), text)
    assert "Forkert linje valgt" in text
    assert f"Tildelt: {_who(staff_user)}" in text
    # Figures, as reported, and the chart captions.
    assert "42 i kø" in text and "længste 12:34" in text and "gns. 3:05" in text
    assert "Miralix" in text and "Opkald i kø" in text and "Ledige medarbejdere" in text
    # Deliveries: every message with its recipient, channel, address and state.
    messages = OutboxMessage.objects.filter(update__incident=closed).select_related("recipient")
    for m in messages:
        row = f"{m.recipient.name} {m.get_channel_display()} {m.address} {m.get_status_display()}"
        assert row in text
    assert {m.status for m in messages} == {"sent", "failed", "queued"}
    assert "Fejlet 3 forsøg 550 Nummeret findes ikke" in text
    assert "Sendt mulig dublet" in text and "1 mulig dublet" in text
    assert "Hændelsen er afsluttet – sidste opdatering" in text
    assert "Sendt manuelt" in text and "Testperson 7" in text and "00001234" in text
    # The card version it ran on, and the closing checklist.
    assert f"version {closed.card_version.number}" in text
    assert "☑ Krisekommunikationsteamet informeret" in text
    assert "ØVELSE" not in text


def _section(text, start, end):
    return text[text.index(start) : text.index(end, text.index(start))]


def test_the_decision_summary_holds_decisions_and_chosen_alternatives_and_omissions(closed):
    text = _text(render_incident_report(incident=closed))

    decisions = _section(text, "Beslutningsreferat", "Undladelser")
    omissions = _section(text, "Undladelser", "Bemanding og ventetider")
    assert DECIDED in decisions and f"valgt: {CHOSEN}" in decisions
    assert NOT_DONE not in decisions and "Strømmen gik" not in decisions
    assert NOT_DONE in omissions and DECIDED not in omissions


def test_the_report_reads_events_not_sentences(closed):
    """A system entry whose text is empty (or says something else) still shows its facts,
    because the report renders type + data; nothing parses a sentence."""
    line = closed.phone_lines.get(line_slug="hovednummer")
    LogEntryFactory(
        incident=closed,
        line_on=True,
        line=line,
        text="et gammelt udsagn, som ikke passer",
        data={
            "line_slug": line.line_slug,
            "line_name": line.name,
            "from_announcement": "",
            "to_announcement": "evakuering",
            "to_announcement_title": "Evakueringsbesked 4711",
        },
    )

    text = _text(render_incident_report(incident=closed))

    assert "»Evakueringsbesked 4711« slået til" in text
    assert "et gammelt udsagn" not in text
    source = (Path(report_selectors.__file__)).read_text()
    assert "import re\n" not in source and "re.compile" not in source


def test_an_english_and_a_danish_session_give_the_same_report(closed):
    with translation.override("en"):
        english_session = render_incident_report(incident=closed, now=NOW)
    with translation.override("da"):
        danish_session = render_incident_report(incident=closed, now=NOW)

    assert _text(english_session) == _text(danish_session)
    assert "Beslutningsreferat" in _text(english_session)


def _facts(text, closed):
    """The facts a report states, whatever its language: numbers, names, free text."""
    sequences = set(closed.log_entries.values_list("sequence", flat=True))
    found = {f"#{n}" for n in sequences if re.search(rf"#{n}\b", text)}
    names = [SUMMARY, DECIDED, NOT_DONE, "Forkert linje valgt", CHOSEN, "Testperson 7"]
    names += [m.address for m in OutboxMessage.objects.filter(update__incident=closed)]
    return found, {n for n in names if n in text}, re.findall(r"\b\d{1,2}:\d\d\b", text)


def test_a_report_in_english_states_the_same_facts(closed):
    danish = _text(render_incident_report(incident=closed, now=NOW))
    english = _text(render_incident_report(incident=closed, language="en", now=NOW))

    assert "Decision summary" in english and "Beslutningsreferat" not in english
    da_facts, en_facts = _facts(danish, closed), _facts(english, closed)
    assert da_facts[0] == en_facts[0] and len(da_facts[0]) == closed.log_entries.count()
    assert da_facts[1] == en_facts[1] and len(da_facts[1]) >= 6
    assert sorted(da_facts[2]) == sorted(en_facts[2])


def test_the_report_is_tagged_pdf_ua(closed):
    reader = PdfReader(io.BytesIO(render_incident_report(incident=closed)))

    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "da"
    xmp = reader.xmp_metadata.rdf_root.toxml()
    assert 'pdfuaid:part="1"' in xmp


def test_html_in_a_log_entry_is_printed_as_text(closed):
    text = _text(render_incident_report(incident=closed))

    assert "<b>fed</b> & <script>alert(1)</script>" in text


def test_an_exercise_is_marked_on_every_page(seeded_card, coordinator, staff_user, media_root):
    exercise = services.incident_start(
        card=seeded_card, scenario_slug=POWER, user=coordinator, is_exercise=True
    )
    exercise = _work_and_close(exercise, coordinator=coordinator, staff_user=staff_user)

    pages = _pdf_pages(render_incident_report(incident=exercise))

    assert len(pages) > 1
    assert all("ØVELSE" in page for page in pages), [p[:80] for p in pages]


def test_the_command_writes_the_report_to_a_file(closed, tmp_path):
    output = tmp_path / "x.pdf"

    call_command("incident_report", closed.pk, "--output", str(output), stdout=io.StringIO())

    assert SUMMARY in _text(output.read_bytes())
    assert not report_services.report_path_for(closed).exists()


def test_page_one_renders_to_an_image(closed, tmp_path):
    require(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    pdf = tmp_path / "rapport.pdf"
    pdf.write_bytes(render_incident_report(incident=closed))

    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )

    png = next(tmp_path.glob("p-*1.png"))
    header = png.read_bytes()[:24]
    width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    assert header.startswith(b"\x89PNG")
    assert width > height  # A4 landscape, like every printed document


def test_the_report_shows_the_response_metrics_from_the_events(closed):
    context = report_selectors.incident_report(incident=closed)
    metrics = {m["key"]: m for m in context["metrics"]}
    assert list(metrics) == [
        "first_update",
        "announcement_on",
        "first_figures",
        "all_acknowledged",
        "closed",
    ]
    close = closed.log_entries.get(event="incident_closed").created_at
    assert metrics["closed"]["seconds"] == int((close - closed.started_at).total_seconds())
    assert metrics["all_acknowledged"]["seconds"] is None  # no alert was sent

    text = _text(render_incident_report(incident=closed))
    assert "Responstider" in text and metrics["closed"]["display"] in text
