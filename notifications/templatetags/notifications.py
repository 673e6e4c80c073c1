from django import template

from notifications.forms import RecipientAddForm
from notifications.selectors import incident_notification_panel

register = template.Library()


@register.simple_tag
def notification_panel(incident, form=None):
    """The panel's data, for templates that only have the incident (the dashboard)."""
    return {**incident_notification_panel(incident=incident), "form": form or RecipientAddForm()}


# Every dashboard poll may render the warning: it is computed at most once per this
# many seconds per process, so a thousand viewers cost two queries every 15 s.
STUCK_WARNING_CACHE_SECONDS = 15


@register.inclusion_tag("notifications/_delivery_stuck.html")
def delivery_stuck_warning():
    """The staff's warning that status updates are not going out (see /readyz)."""
    from django.core.cache import cache

    from notifications.selectors import delivery_backlog

    key = "notifications:delivery-backlog"
    backlog = cache.get(key)
    if backlog is None:
        try:
            backlog = delivery_backlog()
        except Exception:  # Never let the warning itself break the dashboard.
            backlog = {"stuck": False, "oldest_waiting_seconds": 0}
        cache.set(key, backlog, STUCK_WARNING_CACHE_SECONDS)
    return {
        "stuck": backlog["stuck"],
        "waited_minutes": max(1, backlog["oldest_waiting_seconds"] // 60),
    }
