"""Reads of the logbook: the dashboard's latest entries and the full log with its filter."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from incidents.models import Incident, LogEntry
from incidents.selectors.common import guarded

DASHBOARD_LOG_ENTRIES = 20

FULL_LOG_PAGE = 200


def _log_entries(incident: Incident):
    return incident.log_entries.select_related(
        "author", "corrects", "corrects__author", "corrects__corrects"
    ).annotate(n_corrections=Count("corrections"))


def log_older_page(log_total: int) -> int | None:
    """The full log's page with the entries just older than the dashboard shows."""
    older = log_total - DASHBOARD_LOG_ENTRIES
    return (older - 1) // FULL_LOG_PAGE + 1 if older > 0 else None


def dashboard_log(*, incident: Incident, log_total: int, problems=None) -> dict:
    problems = [] if problems is None else problems
    entries = guarded(
        lambda: list(_log_entries(incident).order_by("-sequence")[:DASHBOARD_LOG_ENTRIES]),
        [],
        problems=problems,
        what=_("loggen"),
    )
    return {
        "log_entries": entries,
        "problems": problems,
        "log_total": log_total,
        "log_older_page": log_older_page(log_total),
    }


def dashboard_log_since(*, incident: Incident, since: int, upto: int) -> dict:
    """Entries after ``since``, newest first, and the older ones they correct (their badge
    "Rettet senere" changes); None when there are more than the dashboard shows."""
    if upto - since > DASHBOARD_LOG_ENTRIES:
        return None
    new = list(
        _log_entries(incident).filter(sequence__gt=since, sequence__lte=upto).order_by("-sequence")
    )
    corrected = []
    for entry in new:
        old = entry.corrects
        if old is not None and old.sequence <= since:
            old.n_corrections = 1
            corrected.append(old)
    return {
        "new_log_entries": new,
        "corrected_log_entries": corrected,
        "log_total": upto,
        "log_older_page": log_older_page(upto),
    }


# A decision step ticked with a chosen alternative is a decision, like a person's
# "Beslutning" (the same rule as ``incidents.events.entry_category``).
_CHOSEN = (
    Q(event=LogEntry.Event.STEP_DONE)
    & ~Q(data__alternative_label="")
    & Q(data__has_key="alternative_label")
)


def log_category_filter(entries, category: str = ""):
    """Entries of one kind (the log's ``?art=`` filter); "system" is what the app logged."""
    manual = LogEntry.Kind.MANUAL
    if not category:
        return entries
    if category == "system":
        return entries.exclude(kind=manual).exclude(_CHOSEN)
    kind = Q(kind=manual, category=category)
    return entries.filter(kind | _CHOSEN if category == LogEntry.Category.DECISION else kind)


def full_log(*, incident: Incident, page: int = 1, category: str = ""):
    entries = (
        incident.log_entries.select_related("author", "corrects")
        .annotate(n_corrections=Count("corrections"))
        .order_by("sequence")
    )
    return Paginator(log_category_filter(entries, category), FULL_LOG_PAGE).get_page(page)
