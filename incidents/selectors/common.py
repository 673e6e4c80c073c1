"""What every read of an incident shares: a bad row never takes a page down."""

import datetime as dt
import logging

from django.db import DatabaseError, connection, transaction

from incidents.models import Incident

# PostgreSQL stores times that Python cannot read back (a year-1 time at +14:00 is 1 BC
# in UTC). None can enter any more (services.incident_time_check), but reads of figures
# skip anything outside this range, so an old bad row never takes a page down.
READABLE_TIMES = (
    dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
    dt.datetime(9000, 1, 1, tzinfo=dt.UTC),
)

# What a broken row raises when it is read or computed with.
BAD_ROW_ERRORS = (DatabaseError, ValueError, OverflowError, TypeError, KeyError)

logger = logging.getLogger(__name__)


def readable_figures(incident: Incident):
    return incident.figures.filter(reported_at__range=READABLE_TIMES)


def guarded(read, default, *, problems: list, what: str):
    """``read()``, or ``default`` when a bad row breaks it: the rest of the page is drawn,
    and ``what`` is named in ``problems`` for the page to show."""
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint keeps the caller's transaction usable
                return read()
        return read()
    except BAD_ROW_ERRORS:
        logger.exception("Could not draw %s", what)
        problems.append(what)
        return default
