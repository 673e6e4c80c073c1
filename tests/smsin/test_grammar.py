"""The SMS grammar: every accepted form, and every wrong form with its exact reply."""

import pytest

from smsin.grammar import Command, GrammarError, parse

FIGURES = {
    "agents_on_duty": 12,
    "agents_available": 3,
    "calls_in_queue": 17,
    "longest_wait_seconds": 7 * 60 + 45,
    "average_wait_seconds": 3 * 60 + 20,
}
TAL_USAGE = (
    "Skriv: TAL på vagt, ledige, i kø, længste ventetid, gennemsnitlig ventetid"
    " - fx TAL 12 3 17 7:45 3:20."
)
HELP = "Skriv TAL, LOG eller OK - fx TAL 12 3 17 7:45 3:20, LOG Strømmen er tilbage eller OK."


@pytest.mark.parametrize(
    "text",
    ["TAL 12 3 17 7:45 3:20", "tal 12 3 17 7:45 3:20", "  Tal  12 3\n17 7.45 3:20 ",
     "TAL １２ 3 17 7:45 3:20"],
)  # fmt: skip
def test_figures(text):
    assert parse(text) == Command("TAL", None, figures=FIGURES)


def test_figures_in_whole_minutes():
    assert parse("TAL 5 0 0 2 1").figures == {
        "agents_on_duty": 5, "agents_available": 0, "calls_in_queue": 0,
        "longest_wait_seconds": 120, "average_wait_seconds": 60,
    }  # fmt: skip


def test_incident_number_selects():
    assert parse("#12 TAL 12 3 17 7:45 3:20") == Command("TAL", 12, figures=FIGURES)
    assert parse("#7 log Strøm tilbage") == Command("LOG", 7, text="Strøm tilbage")
    assert parse("#3 ok") == Command("OK", 3)


def test_log_and_ok():
    assert parse("LOG Strømmen er tilbage på 3. sal") == Command(
        "LOG", None, text="Strømmen er tilbage på 3. sal"
    )
    assert parse("Ok") == Command("OK", None)


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("", f"Beskeden er tom. {HELP}"),
        ("   ", f"Beskeden er tom. {HELP}"),
        ("HEJ med dig", f"Ukendt kommando »HEJ«. {HELP}"),
        ("TAL", f"TAL skal have 5 tal, men fik 0. {TAL_USAGE}"),
        ("TAL 12 3 17 7:45", f"TAL skal have 5 tal, men fik 4. {TAL_USAGE}"),
        ("TAL 12 3 17 7:45 3:20 9", f"TAL skal have 5 tal, men fik 6. {TAL_USAGE}"),
        ("TAL tolv 3 17 7:45 3:20", f"»tolv« er ikke et antal (på vagt). {TAL_USAGE}"),
        ("TAL 12 -3 17 7:45 3:20", f"»-3« er ikke et antal (ledige). {TAL_USAGE}"),
        ("TAL 12 3 1,5 7:45 3:20", f"»1,5« er ikke et antal (i kø). {TAL_USAGE}"),
        ("TAL 1001 3 17 7:45 3:20", "For stort tal for på vagt: 1001 (højst 1000)."),
        ("TAL 12 3 10001 7:45 3:20", "For stort tal for i kø: 10001 (højst 10000)."),
        ("TAL 12 3 17 7m 3:20",
         "»7m« er ikke en ventetid (længste ventetid). Skriv minutter eller min:sek, fx 7:45."),
        ("TAL 12 3 17 7:45 3:2",
         "»3:2« er ikke en ventetid (gennemsnitlig ventetid). Skriv minutter eller min:sek,"
         " fx 7:45."),
        ("TAL 12 3 17 7:60 3:20",
         "»7:60« er ikke en ventetid (længste ventetid): sekunderne skal være under 60."),
        ("TAL 12 3 17 1441 3:20", "For lang ventetid (længste ventetid): 1441 (højst 24 timer)."),
        ("TAL 3 12 17 7:45 3:20",
         "Der kan ikke være flere ledige (12) end medarbejdere på vagt (3)."),
        ("TAL 12 3 17 3:20 7:45",
         "Den gennemsnitlige ventetid kan ikke være længere end den længste."),
        ("LOG", "LOG skal efterfølges af en tekst, fx LOG Strømmen er tilbage."),
        ("LOG " + "x" * 1001, "Teksten er for lang (1001 tegn, højst 1000)."),
        ("OK tak", "OK skal stå alene (eller som #12 OK)."),
        ("#12", "Efter #12 mangler TAL, LOG eller OK."),
        ("#tolv TAL 12 3 17 7:45 3:20",
         "»#tolv« er ikke et hændelsesnummer. Skriv fx #12 TAL 12 3 17 7:45 3:20."),
        ("# 12 TAL", "»#« er ikke et hændelsesnummer. Skriv fx #12 TAL 12 3 17 7:45 3:20."),
        ("#12 HEJ", f"Ukendt kommando »HEJ«. {HELP}"),
    ],
)  # fmt: skip
def test_wrong_forms_have_exact_replies(text, reply):
    with pytest.raises(GrammarError) as caught:
        parse(text)
    assert str(caught.value) == reply


def test_unknown_keyword_is_cut_in_the_reply():
    with pytest.raises(GrammarError) as caught:
        parse("X" * 200)
    assert str(caught.value) == f"Ukendt kommando »{'X' * 20}«. {HELP}"
