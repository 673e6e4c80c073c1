from django import template

from notifications.forms import RecipientAddForm
from notifications.selectors import incident_notification_panel

register = template.Library()


@register.simple_tag
def notification_panel(incident, form=None):
    """The panel's data, for templates that only have the incident (the dashboard)."""
    return {**incident_notification_panel(incident=incident), "form": form or RecipientAddForm()}
