"""Writing the access log (one explicit call at each place personal data is read, exported,
downloaded or changed) and purging it after the retention period."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from audit.models import AccessRecord
from core.formatting import phone_or_raw

MAX_LABEL = 200


def _person_keys(obj) -> dict:
    # A person (contacts.Person) is known by phone numbers and slug; other objects by none.
    if obj._meta.label_lower != "contacts.person":
        return {}
    phones = [phone_or_raw(obj.phone), phone_or_raw(obj.phone_secondary)]
    return {"person_phone": phones[0], "person_phone_other": phones[1], "person_slug": obj.slug}


def _record(*, user, action, obj, label: str) -> AccessRecord:
    authenticated = user is not None and user.is_authenticated
    return AccessRecord(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk or "")[:64],
        object_label=(label or str(obj))[:MAX_LABEL],
        **_person_keys(obj),
    )


def _card_person_record(*, user, action, person: dict) -> AccessRecord:
    # A person as a published card shows them (cards.snapshots): known by slug, not pk.
    authenticated = user is not None and user.is_authenticated
    return AccessRecord(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type="contacts.person",
        object_label=str(person.get("name", ""))[:MAX_LABEL],
        person_phone=phone_or_raw(person.get("phone", "")),
        person_phone_other=phone_or_raw(person.get("phone_secondary", "")),
        person_slug=str(person.get("slug", ""))[:50],
    )


def access_record(*, user, action, obj=None, objs=(), people=(), label: str = "") -> int:
    """Log that ``user`` did ``action`` (``AccessRecord.Action``) to ``obj`` and/or ``objs``.

    ``people``: persons as a card page shows them (dicts from the card's snapshot). One row
    per object or person, written in one insert: a page listing forty people costs one
    query. ``label`` overrides the object's own name (e.g. the file name of an export).
    Returns how many rows were written.
    """
    targets = ([obj] if obj is not None else []) + list(objs)
    rows = [_record(user=user, action=action, obj=o, label=label) for o in targets]
    rows += [_card_person_record(user=user, action=action, person=p) for p in people]
    if rows:
        AccessRecord.objects.bulk_create(rows)
    return len(rows)


def access_records_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the records older than ``ACCESS_LOG_RETENTION_DAYS``; the only way out."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    return AccessRecord.objects.filter(at__lt=cutoff)._purge()
