"""Flash messages drawn once per response.

A live answer is made of several fragments, and more than one of them carries the
out-of-band ``#messages`` box (the dashboard's and the notification panel's, which is
also answered alone). Django's message storage yields the same messages to every
loop in one request, so without this each message showed twice.
"""

from django import template
from django.contrib.messages import get_messages

register = template.Library()


@register.simple_tag(takes_context=True)
def flash_messages(context):
    """The request's messages the first time a response asks, None after that (the
    caller then draws no second ``#messages`` box at all: an empty out-of-band copy
    would wipe the first)."""
    request = context.get("request")
    if request is None:
        return list(context.get("messages") or [])
    if getattr(request, "_flash_drawn", False):
        return None
    request._flash_drawn = True
    return list(get_messages(request))
