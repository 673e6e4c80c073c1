from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def language_choices():
    """The language switch's options, each named in its own language as settings spell it
    ("Dansk", "English"). Django's ``get_available_languages`` translates the names into
    the current language, and its Danish catalogue writes them in lower case ("engelsk"):
    wrong for someone looking for their own language."""
    return settings.LANGUAGES
