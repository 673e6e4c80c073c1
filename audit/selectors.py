"""Searching the access log: by phone number, person, user or object."""

import re

from django.db.models import Q

from audit.models import AccessRecord
from core.formatting import InvalidPhoneNumber, phone_normalise

SEARCH_LIMIT = 500


def access_record_search(*, query: str):
    """Records about the person ``query`` names (a phone number in any spelling, or the
    person's short name), or done by the user ``query`` names; newest first, bounded."""
    query = query.strip()[:100]
    if not query:
        return AccessRecord.objects.none()
    match = Q(person_slug__iexact=query) | Q(username__iexact=query)
    if re.fullmatch(r"[+\d][\d\s-]{5,}", query):
        try:
            phone = phone_normalise(query)
            match |= Q(person_phone=phone) | Q(person_phone_other=phone)
        except InvalidPhoneNumber:
            pass
    return AccessRecord.objects.filter(match).select_related("user")[:SEARCH_LIMIT]
