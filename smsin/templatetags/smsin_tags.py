from django import template
from django.conf import settings

from core.formatting import phone_display

register = template.Library()


@register.simple_tag
def sms_inbound_number() -> str:
    """The number staff text, as Danes write it; '' when SMS in is not set up."""
    number = settings.SMS_INBOUND_NUMBER
    return phone_display(number) if number else ""
