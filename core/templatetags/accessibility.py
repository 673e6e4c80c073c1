from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def accessibility_statement_url():
    """The municipality's accessibility statement (it publishes it in its own tool)."""
    return settings.ACCESSIBILITY_STATEMENT_URL
