from django import template
from django.utils.translation import ngettext

register = template.Library()


@register.filter
def duration(minutes):
    """120 → "2 timer", 90 → "1 time og 30 minutter": how the paper card says it."""
    minutes = int(minutes)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(ngettext("%(n)d time", "%(n)d timer", hours) % {"n": hours})
    if rest or not hours:
        parts.append(ngettext("%(n)d minut", "%(n)d minutter", rest) % {"n": rest})
    return " og ".join(parts)
