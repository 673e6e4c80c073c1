"""The live state a dashboard's poll compares: one indexed query per poll, the token
built from the fragment groups' revisions and the minute (see incidents/README.md).
"""

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from incidents.models import Incident

# The dashboard's fragment groups, in the order of the live token (see incidents/README.md).
LIVE_GROUPS = ("header", "steps", "log", "figures", "lines", "timers", "notifications", "contacts")

# Groups whose fragments also change with the clock ("for 3 min siden", "12 min tilbage",
# "Åben nu", the stuck-queue warning); a new minute re-sends them and the elapsed time,
# nothing else.
TIMED_GROUPS = frozenset({"figures", "timers", "contacts", "notifications"})

_STATE_FIELDS = (
    "revision",
    "status",
    "started_at",
    "closed_at",
    "update_interval_minutes",
    "rev_header",
    "rev_steps",
    "last_log_sequence",
    "rev_figures",
    "rev_lines",
    "rev_timers",
    "rev_notifications",
    "rev_contacts",
)


def minute_of(now: dt.datetime) -> int:
    return int(now.timestamp() // 60)


def live_token(*, revision: int, now: dt.datetime, groups=()) -> str:
    """What a poll compares: the revision, the group revisions and the minute."""
    return ".".join(str(n) for n in (revision, *groups, minute_of(now)))


def parse_live_token(token: str):
    """(revision, {group: revision}, minute) from a token, or None when it is not one."""
    parts = token.split(".")
    if len(parts) != len(LIVE_GROUPS) + 2 or not all(p.isdigit() and len(p) < 20 for p in parts):
        return None
    numbers = [int(p) for p in parts]
    return numbers[0], dict(zip(LIVE_GROUPS, numbers[1:-1], strict=True)), numbers[-1]


def _live_state_sql() -> str:
    """The state query as SQL, built once from the models' own table and column names.

    Every poll of every viewer runs it, and building it through the ORM (an Exists
    subquery, values_list, compilation) cost about as much CPU as everything else in an
    unchanged poll; the SQL is the same one query the ORM sent.
    """
    global _LIVE_STATE_SQL
    if _LIVE_STATE_SQL is None:
        quote = connection.ops.quote_name
        users = get_user_model()._meta
        columns = ", ".join(f"i.{quote(Incident._meta.get_field(f).column)}" for f in _STATE_FIELDS)
        _LIVE_STATE_SQL = (
            f"SELECT {columns}, EXISTS(SELECT 1 FROM {quote(users.db_table)} u"
            f" WHERE u.{quote(users.pk.column)} = %s AND u.{quote('is_active')})"
            f" FROM {quote(Incident._meta.db_table)} i WHERE i.{quote('id')} = %s"
        )
    return _LIVE_STATE_SQL


_LIVE_STATE_SQL = None


def _aware(value):
    """A time from the raw state query as the ORM gives it (SQLite hands back naive UTC
    or text; PostgreSQL an aware time)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value


def _live_state_of(pk, row):
    revision, status, started_at, closed_at, interval, *groups = row
    return SimpleNamespace(
        pk=pk,
        revision=revision,
        status=status,
        is_running=status == Incident.Status.RUNNING,
        started_at=_aware(started_at),
        closed_at=_aware(closed_at),
        update_interval_minutes=interval,
        groups=dict(zip(LIVE_GROUPS, groups, strict=True)),
    )


def incident_live_state(*, pk: int, viewer_id=None):
    """The revisions of every fragment group, from one indexed query; None if no incident.

    With ``viewer_id`` the same query also asks whether that user is still active (an
    EXISTS on the user's primary key): a deactivated viewer gets None, like a missing
    incident.
    """
    with connection.cursor() as cursor:
        cursor.execute(_live_state_sql(), [int(viewer_id or 0), int(pk)])
        row = cursor.fetchone()
    if row is None or (viewer_id is not None and not row[-1]):
        return None
    return _live_state_of(pk, row[:-1])


def running_live_states() -> list:
    """The live state of every running incident, oldest first, from one query (the wall)."""
    rows = (
        Incident.objects.filter(status=Incident.Status.RUNNING)
        .order_by("started_at")
        .values_list("pk", *_STATE_FIELDS)
    )
    return [_live_state_of(pk, row) for pk, *row in rows]


def state_token(state, now: dt.datetime) -> str:
    return live_token(revision=state.revision, now=now, groups=state.groups.values())
