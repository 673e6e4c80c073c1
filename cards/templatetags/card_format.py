from django import template

from core.formatting import duration_words

register = template.Library()


@register.filter
def duration(minutes):
    """120 → "2 timer", 90 → "1 time og 30 minutter": how the paper card says it."""
    return duration_words(minutes)
