"""Opening hours in Europe/Copenhagen, with Danish public holidays closed by default."""

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext

from core.formatting import WEEKDAY_NAMES, WEEKDAYS, hour_minute

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def easter_sunday(year: int) -> dt.date:
    # Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@functools.cache
def danish_public_holidays(year: int) -> dict[dt.date, str]:
    easter = easter_sunday(year)
    days = {
        dt.date(year, 1, 1): "Nytårsdag",
        easter - dt.timedelta(days=3): "Skærtorsdag",
        easter - dt.timedelta(days=2): "Langfredag",
        easter: "Påskedag",
        easter + dt.timedelta(days=1): "2. påskedag",
        easter + dt.timedelta(days=39): "Kristi himmelfartsdag",
        easter + dt.timedelta(days=49): "Pinsedag",
        easter + dt.timedelta(days=50): "2. pinsedag",
        dt.date(year, 12, 25): "Juledag",
        dt.date(year, 12, 26): "2. juledag",
    }
    if year < 2024:  # Store bededag was abolished as a public holiday from 2024.
        days[easter + dt.timedelta(days=26)] = "Store bededag"
    return days


def is_public_holiday(day: dt.date) -> bool:
    return day in danish_public_holidays(day.year)


def _open_on(line, day: dt.date) -> bool:
    if WEEKDAYS[day.weekday()] not in line.day_list:
        return False
    return line.open_on_holidays or not is_public_holiday(day)


def opening_state(line, now: dt.datetime | None = None):
    """Return ``(is_open, next_opening)``.

    ``is_open`` is None when the line has no opening hours (unknown). ``next_opening`` is
    the next local datetime it opens when closed, looking at most two weeks ahead.
    """
    if not line.has_hours:
        return None, None
    now = (now or timezone.now()).astimezone(COPENHAGEN)
    today = now.date()
    if _open_on(line, today) and line.opens_at <= now.time() < line.closes_at:
        return True, None
    for offset in range(15):
        day = today + dt.timedelta(days=offset)
        opening = dt.datetime.combine(day, line.opens_at, tzinfo=COPENHAGEN)
        if _open_on(line, day) and opening > now:
            return False, opening
    return False, None


@dataclass(frozen=True)
class Hours:
    """Opening hours read from card data (a snapshot's ``hours``), shaped like a SupportLine.

    Staff pages read support lines from a published snapshot, not from the database;
    this lets `opening_state` serve both.
    """

    day_list: tuple = ()
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    open_on_holidays: bool = False

    @property
    def has_hours(self):
        return self.opens_at is not None and self.closes_at is not None

    @classmethod
    def from_data(cls, hours: dict | None) -> "Hours":
        if not hours:
            return cls()
        return cls(
            day_list=tuple(hours.get("days", ())),
            opens_at=dt.time.fromisoformat(hours["opens"]),
            closes_at=dt.time.fromisoformat(hours["closes"]),
            open_on_holidays=bool(hours.get("open_on_holidays", False)),
        )


def opening_label(line, now: dt.datetime | None = None) -> dict:
    """What staff see next to a support line: ``{"state": open|closed|unknown, "label": …}``.

    ``line`` is a SupportLine or the ``support_lines`` item of card data.
    """
    if isinstance(line, dict):
        line = Hours.from_data(line.get("hours"))
    is_open, next_opening = opening_state(line, now)
    if is_open is None:
        return {"state": "unknown", "label": gettext("åbningstid ukendt")}
    if is_open:
        return {
            "state": "open",
            "label": gettext("åben nu (lukker kl. %(time)s)")
            % {"time": hour_minute(line.closes_at)},
        }
    if next_opening is None:
        return {"state": "closed", "label": gettext("lukket")}
    return {
        "state": "closed",
        "label": gettext("lukket — åbner %(day)s kl. %(time)s")
        % {
            "day": WEEKDAY_NAMES[WEEKDAYS[next_opening.weekday()]],
            "time": hour_minute(next_opening),
        },
    }
