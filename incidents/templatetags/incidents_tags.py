"""Template tags for pages outside the incidents app (home, scenario page)."""

from django import template

from incidents.selectors import running_incidents as running_incidents_query
from incidents.services import user_label

register = template.Library()


@register.simple_tag
def running_incidents():
    """``{% running_incidents as incidents %}``: the running incidents, oldest first."""
    return running_incidents_query()


@register.filter
def who(user):
    """A user's name as the log and checklist show it."""
    return user_label(user)


@register.filter
def minsec(seconds):
    """A wait time in seconds as "3:05"."""
    if seconds in (None, ""):
        return ""
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"
