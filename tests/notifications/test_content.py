import datetime as dt

import pytest
from django.utils import timezone

from notifications.content import (
    sms_fit,
    sms_segments,
    sms_units,
    status_update_render,
)
from tests.notifications.fakes import validate_mtsms

LINK = "https://aktionskort.example.invalid/haendelser/12345/"


def summary(**overrides):
    now = timezone.now()
    data = {
        "id": 1,
        "title": "Strømsvigt på Dokk1",
        "is_exercise": False,
        "status": "running",
        "scenarios": ["Strømsvigt på Dokk1"],
        "started_at": now - dt.timedelta(minutes=75),
        "elapsed_minutes": 75,
        "latest_figures": {
            "agents_on_duty": 12,
            "agents_available": 7,
            "calls_in_queue": 23,
            "longest_wait_seconds": 645,
            "average_wait_seconds": 190,
            "reported_at": now - dt.timedelta(minutes=4),
            "age_minutes": 4,
        },
        "open_steps": ["Aktivér infobesked på hovednummeret", "Skriv på Yammer"],
        "running_timers": [
            {"name": "Mobilmaster har strøm", "ends_at": now + dt.timedelta(minutes=45)}
        ],
        "recent_log": [
            {"sequence": 3, "created_at": now, "author": "testbruger1", "text": "<b>Dør</b> låst"}
        ],
        "url": LINK,
    }
    data.update(overrides)
    return data


def test_danish_letters_are_gsm7_but_an_en_dash_forces_ucs2():
    assert sms_units("Strømsvigt på Dokk1, Æ Ø Å") == ("GSM7", 26)
    assert sms_units("kl. 8–16")[0] == "UCS2"
    # The euro sign and brackets are in the extension table: two septets each.
    assert sms_units("€[x]") == ("GSM7", 7)


@pytest.mark.parametrize(
    ("text", "segments"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3), ("€" * 80, 1),
     ("€" * 81, 2), ("–" * 70, 1), ("–" * 71, 2), ("–" * 134, 2), ("–" * 135, 3)],
)  # fmt: skip
def test_segments_are_counted_per_encoding(text, segments):
    assert sms_segments(text) == segments


@pytest.mark.parametrize("filler", ["æøå ", "kl. 8–16 ", "€ "])
def test_a_long_sms_is_cut_to_two_segments_and_keeps_the_link(filler):
    text = sms_fit(filler * 200, LINK)

    assert sms_segments(text) == 2
    assert text.endswith("\n" + LINK)
    assert "..." in text


def test_update_content_has_the_figures_and_their_age():
    rendered = status_update_render(summary=summary(), reason="scheduled")

    assert "Ledige medarbejdere: 7" in rendered.body_text
    assert "Opkald i kø: 23" in rendered.body_text
    assert "Længste ventetid: 10:45" in rendered.body_text
    assert "4 min gamle" in rendered.body_text
    assert "Skriv på Yammer" in rendered.body_text
    assert "Mobilmaster har strøm" in rendered.body_text
    assert "varighed 1 t 15 min" in rendered.body_text
    assert LINK in rendered.body_text
    assert "Bemanding 7/12 ledige, 23 i kø" in rendered.sms_text
    body = {"message": rendered.sms_text, "recipients": [{"msisdn": 4500000001}]}
    assert validate_mtsms(body) is None
    assert sms_segments(rendered.sms_text) <= 2


def test_exercise_is_flagged_in_subject_and_first_line():
    rendered = status_update_render(summary=summary(is_exercise=True), reason="started")

    assert rendered.subject.startswith("ØVELSE")
    assert rendered.body_text.splitlines()[0].startswith("ØVELSE")
    assert rendered.sms_text.startswith("ØVELSE!")


def test_log_text_is_escaped_in_html_but_not_in_plain_text():
    rendered = status_update_render(summary=summary(), reason="manual")

    assert "&lt;b&gt;Dør&lt;/b&gt; låst" in rendered.body_html
    assert "<b>Dør</b>" not in rendered.body_html
    assert "<b>Dør</b> låst" in rendered.body_text


def test_without_figures_the_update_says_so():
    rendered = status_update_render(summary=summary(latest_figures=None), reason="scheduled")

    assert "Der er endnu ikke indtastet tal." in rendered.body_text
    assert "Ingen tal for bemanding" in rendered.sms_text


def test_final_update_says_the_incident_is_closed():
    rendered = status_update_render(summary=summary(status="closed"), reason="closed")

    assert "Sidste statusopdatering" in rendered.subject
    assert rendered.sms_text.startswith("Afsluttet")
