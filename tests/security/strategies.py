"""Hostile input for the form fuzz tests."""

from hypothesis import strategies as st

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What must never reach a page unescaped.
RAW_MARKERS = ("<script>alert(", "<img src=x onerror")
ESCAPED_SCRIPT = "&lt;script&gt;alert(1)&lt;/script&gt;"

nasty_text = st.one_of(
    st.sampled_from(
        [
            SCRIPT,
            IMG,
            "",
            " ",
            "\t\n",
            "\x00",
            "ÆØÅ æøå – “citat” ‮omvendt",
            "👩‍🚒🔥📞",
            "{{ 7|add:7 }}{% debug %}",
            "' OR 1=1 --",
            "%s%n%x",
            "a" * 2100,
            "x" * 70_000,
        ]
    ),
    st.text(max_size=200),
    st.builds(lambda a, b: f"{a}{SCRIPT}{b}", st.text(max_size=20), st.text(max_size=20)),
)

nasty_number = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["", "-1", "0", "1e309", "NaN", "inf", "-0", "0x10", "١٢٣", " 5 ", "9" * 400, "1.5"]
    ),
    st.text(max_size=12),
)

nasty_datetime = st.one_of(
    st.sampled_from(
        ["", "2099-01-01T00:00", "1900-01-01T00:00", "0000-00-00T00:00", "i går", "25:61"]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    st.text(max_size=20),
)

nasty_choice = st.one_of(st.sampled_from(["", "0", "-1", "ukendt", SCRIPT]), st.text(max_size=30))
