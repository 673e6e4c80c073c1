from django import template
from django.conf import settings

from alerts import selectors
from alerts.forms import AlertForm

register = template.Library()


@register.simple_tag
def alert_panel(incident, form=None):
    """The panel's data, for the dashboard's include and the panel's own views."""
    return {
        "form": form or AlertForm(),
        "vapid_key": settings.VAPID_PUBLIC_KEY,
        **selectors.alert_panel(incident=incident),
    }
