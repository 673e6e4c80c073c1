"""Opening hours in Europe/Copenhagen: weekdays, Danish public holidays, DST."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contacts.opening_hours import Hours, danish_public_holidays, opening_label, opening_state
from tests.contacts.factories import SupportLineFactory

CPH = ZoneInfo("Europe/Copenhagen")
UTC = dt.UTC


def local(*args):
    return dt.datetime(*args, tzinfo=CPH)


@pytest.fixture
def tdc():
    """TDC support as the seed gives it: weekdays 8–16, closed on public holidays."""
    return SupportLineFactory.build(name="TDC support", opens_at=dt.time(8), closes_at=dt.time(16))


def test_open_on_thursday_at_ten(tdc):
    assert opening_state(tdc, local(2026, 11, 26, 10, 0)) == (True, None)
    assert opening_label(tdc, local(2026, 11, 26, 10, 0))["label"] == "åben nu (lukker kl. 16:00)"


def test_closed_on_saturday_opens_monday(tdc):
    is_open, next_opening = opening_state(tdc, local(2026, 11, 28, 10, 0))

    assert is_open is False
    assert next_opening == local(2026, 11, 30, 8, 0)


def test_friday_at_five_says_opens_monday_at_eight(tdc):
    label = opening_label(tdc, local(2026, 11, 27, 17, 0))

    assert label == {"state": "closed", "label": "lukket — åbner mandag kl. 8:00"}


def test_closing_time_is_exclusive(tdc):
    assert opening_state(tdc, local(2026, 11, 26, 15, 59))[0] is True
    assert opening_state(tdc, local(2026, 11, 26, 16, 0))[0] is False
    assert opening_state(tdc, local(2026, 11, 26, 7, 59)) == (False, local(2026, 11, 26, 8, 0))


@pytest.mark.parametrize(
    ("moment", "holiday", "reopens"),
    [
        (local(2026, 4, 3, 10, 0), "Langfredag", local(2026, 4, 7, 8, 0)),  # after 2. påskedag
        (local(2026, 12, 26, 10, 0), "2. juledag", local(2026, 12, 28, 8, 0)),
        (local(2026, 12, 24, 17, 0), "Juledag", local(2026, 12, 28, 8, 0)),
    ],
)
def test_closed_on_public_holidays(tdc, moment, holiday, reopens):
    assert holiday in danish_public_holidays(moment.year).values()

    assert opening_state(tdc, moment) == (False, reopens)


def test_langfredag_2026_falls_on_a_weekday_that_is_otherwise_open(tdc):
    assert local(2026, 4, 3).weekday() == 4  # a Friday
    assert opening_state(tdc, local(2026, 4, 10, 10, 0))[0] is True  # the Friday after


def test_open_on_holidays_when_the_line_says_so(tdc):
    tdc.open_on_holidays = True

    assert opening_state(tdc, local(2026, 4, 3, 10, 0))[0] is True


def test_the_time_is_read_in_copenhagen_not_utc(tdc):
    # 07:30 UTC is 08:30 in Copenhagen in winter: open.
    assert opening_state(tdc, dt.datetime(2026, 11, 26, 7, 30, tzinfo=UTC))[0] is True


def test_dst_spring_forward(tdc):
    # Sunday 29 March 2026, clocks jump 02:00 → 03:00. Monday 08:00 CEST is 06:00 UTC.
    is_open, next_opening = opening_state(tdc, dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert is_open is False
    assert next_opening == local(2026, 3, 30, 8, 0)
    assert next_opening.astimezone(UTC).hour == 6
    assert opening_state(tdc, dt.datetime(2026, 3, 30, 5, 59, tzinfo=UTC))[0] is False
    assert opening_state(tdc, dt.datetime(2026, 3, 30, 6, 0, tzinfo=UTC))[0] is True


def test_dst_fall_back(tdc):
    # Sunday 25 October 2026, clocks go 03:00 → 02:00. Monday 08:00 CET is 07:00 UTC.
    is_open, next_opening = opening_state(tdc, dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
    assert is_open is False
    assert next_opening.astimezone(UTC) == dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC)
    assert opening_state(tdc, dt.datetime(2026, 10, 26, 6, 59, tzinfo=UTC))[0] is False
    assert opening_state(tdc, dt.datetime(2026, 10, 26, 7, 0, tzinfo=UTC))[0] is True


def test_unknown_hours():
    line = SupportLineFactory.build(opens_at=None, closes_at=None)

    assert opening_state(line, local(2026, 11, 26, 10, 0)) == (None, None)
    assert opening_label(line)["label"] == "åbningstid ukendt"


def test_hours_from_card_data_behave_like_the_model(tdc):
    data = {"hours": {"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:00",
                      "closes": "16:00", "open_on_holidays": False}}  # fmt: skip
    friday_evening = local(2026, 11, 27, 17, 0)

    assert opening_label(data, friday_evening) == opening_label(tdc, friday_evening)
    assert Hours.from_data(None).has_hours is False


def test_store_bededag_is_no_longer_a_holiday():
    assert "Store bededag" in danish_public_holidays(2023).values()
    assert "Store bededag" not in danish_public_holidays(2024).values()
