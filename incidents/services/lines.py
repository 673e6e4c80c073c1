"""The phone lines: which announcement is on each line."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from incidents.models import LogEntry, PhoneLineState
from incidents.services.common import _lock_running, _snapshot, _system_entry


@transaction.atomic
def phone_line_switch(*, line: PhoneLineState, user, announcement_slug: str) -> PhoneLineState:
    """Record which announcement is now on the line ('' = back to normal)."""
    incident = _lock_running(line.incident_id)
    line = PhoneLineState.objects.select_for_update().get(pk=line.pk)
    announcements = _snapshot(incident).announcements
    if announcement_slug and announcement_slug not in announcements:
        raise ValidationError(_("Ukendt infobesked."))
    if announcement_slug == line.announcement_slug:
        raise ValidationError(_("Linjen har allerede den infobesked."))
    before = {
        "from_announcement": line.announcement_slug,
        "from_announcement_title": line.announcement_name,
    }
    line.announcement_slug = announcement_slug
    line.announcement_name = announcements[announcement_slug]["name"] if announcement_slug else ""
    line.switched_at = timezone.now()
    line.switched_by = user
    line.save()
    _system_entry(
        incident=incident,
        user=user,
        event=LogEntry.Event.LINE_SWITCHED,
        groups=("lines",),
        data={
            "line_slug": line.line_slug,
            "line_name": line.name,
            **before,
            "to_announcement": announcement_slug,
            "to_announcement_title": line.announcement_name,
        },
    )
    return line
