"""Template tags for pages outside the incidents app (home, scenario page)."""

import datetime as dt
import uuid

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import min_sec
from incidents import presentation
from incidents.events import entry_category, entry_text
from incidents.models import LogEntry
from incidents.selectors import running_incidents as running_incidents_query
from incidents.services import user_label

register = template.Library()

# Both times of an offline write are shown when they differ by more than this.
DEVICE_TIME_SHOWN = dt.timedelta(minutes=1)


@register.simple_tag
def running_incidents():
    """``{% running_incidents as incidents %}``: the running incidents, oldest first."""
    return running_incidents_query()


@register.filter
def who(user):
    """A user's name as the log and checklist show it."""
    return user_label(user)


@register.filter
def log_author(entry):
    """Who wrote a log entry: the person, or "System" for what the app logged itself
    (deliveries, reports) — never "ukendt" for an entry without a person."""
    if entry.author_id is None and entry.kind == LogEntry.Kind.SYSTEM:
        return _("System")
    return user_label(entry.author)


@register.filter
def log_text(entry):
    """What a log entry says, in the reader's language (``incidents.events``)."""
    return entry_text(entry)


@register.filter
def log_category(entry):
    """The filter class of an entry: a person's kind, "decision" for a chosen alternative,
    else "system"."""
    return entry_category(entry)


@register.filter
def figure_charts(series):
    """The figures' line charts (SVG points, labels) from the selectors' figure series."""
    return presentation.figure_charts(series)


@register.filter
def minsec(seconds):
    """A wait time in seconds as "3:05"."""
    if seconds in (None, ""):
        return ""
    return min_sec(seconds)


@register.simple_tag
def idempotency_key():
    """A new key for a hand-written create form (see incidents.forms.IdempotencyKeyField)."""
    return str(uuid.uuid4())


@register.simple_tag
def typed_values(form):
    """What a person typed into a bound form's visible fields, one "label: value" a line."""
    return "\n".join(
        f"{field.label}: {field.data}"
        for field in form.visible_fields()
        if field.data not in (None, "")
    )


@register.filter
def device_time(obj):
    """For a write that a phone queued offline and sent later: "skrevet kl. 10:02 på
    telefonen, modtaget kl. 10:40"; "" when written online or within the same minute."""
    written = getattr(obj, "device_written_at", None)
    received = getattr(obj, "created_at", None) or getattr(obj, "reported_at", None)
    if written is None or received is None or abs(received - written) <= DEVICE_TIME_SHOWN:
        return ""
    return _("skrevet kl. %(written)s på telefonen, modtaget kl. %(received)s") % {
        "written": timezone.localtime(written).strftime("%H:%M"),
        "received": timezone.localtime(received).strftime("%H:%M"),
    }
