"""Reads of contacts. Contacts are global and not versioned: a corrected number shows at once."""

import re

from django.db.models import Q
from django.urls import reverse

from contacts.models import ContactGroup, ContactGroupMember, Person, SupportLine


def contact_list():
    return {
        "people": Person.objects.select_related("organisation"),
        "groups": ContactGroup.objects.prefetch_related("members__person"),
        "support_lines": SupportLine.objects.select_related("organisation"),
    }


def contact_search(*, query: str) -> list[dict]:
    """People, groups and support lines by name, title, organisation, number or address.

    A number is matched without spaces, so "29 20 42 59" finds 29204259.
    """
    digits = re.sub(r"\s", "", query)
    url = reverse("contacts:list")
    text = (
        Q(name__icontains=query)
        | Q(organisation__name__icontains=query)
        | Q(phone__icontains=digits)
    )
    results = [
        {"kind": "person", "title": p.name, "text": p.title, "url": f"{url}#person-{p.slug}"}
        for p in Person.objects.filter(
            text
            | Q(title__icontains=query)
            | Q(phone_secondary__icontains=digits)
            | Q(email__icontains=query)
        ).select_related("organisation")
    ]
    results += [
        {"kind": "support_line", "title": s.name, "text": s.phone, "url": f"{url}#linje-{s.slug}"}
        for s in SupportLine.objects.filter(text)
    ]
    member_groups = ContactGroupMember.objects.filter(email__icontains=query).values("group")
    results += [
        {"kind": "group", "title": g.name, "text": "", "url": f"{url}#gruppe-{g.slug}"}
        for g in ContactGroup.objects.filter(Q(name__icontains=query) | Q(pk__in=member_groups))
    ]
    return results
