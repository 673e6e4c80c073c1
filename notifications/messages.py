"""One-off messages of an incident through the outbox: an exercise's injects.

Same path as the status updates (a ``StatusUpdate`` row with its content, one outbox row
per recipient and channel, enqueued after commit), so an inject is never lost or sent
twice either. Every message of an exercise starts with "ØVELSE".
"""

from django.db import transaction
from django.utils.html import escape

from cards.snapshots import CardSnapshot
from incidents.models import Incident
from notifications.content import sms_fit
from notifications.models import Recipient, StatusUpdate
from notifications.services import (
    CRISIS_TEAM_GROUP,
    _card_person_upsert,
    _recipient_upsert,
    _update_create,
)

EXERCISE_PREFIX = "ØVELSE"


class _Rendered:
    def __init__(self, *, subject, body_text, sms_text):
        self.subject = subject
        self.body_text = body_text
        self.body_html = f"<p>{escape(body_text)}</p>".replace("\n", "<br>")
        self.sms_text = sms_text
        self.teams_card = {}


def _render(*, incident: Incident, text: str) -> _Rendered:
    prefix = f"{EXERCISE_PREFIX} – " if incident.is_exercise else ""
    first = f"{EXERCISE_PREFIX} – dette er en øvelse.\n\n" if incident.is_exercise else ""
    return _Rendered(
        subject=f"{prefix}{incident.title}: {text}"[:300].replace("\n", " "),
        body_text=f"{first}{text}\n\n{incident.title}",
        sms_text=sms_fit(f"{EXERCISE_PREFIX}! {text}" if incident.is_exercise else text, ""),
    )


def _crisis_team(incident: Incident) -> list[Recipient]:
    snapshot = CardSnapshot(incident.card_version.snapshot)
    group = snapshot.groups.get(CRISIS_TEAM_GROUP)
    return [
        # Named for this message only: the exercise's status updates stay away.
        _card_person_upsert(incident=incident, person=member, receives_updates=False)
        for member in (group["members"] if group else [])
    ]


@transaction.atomic
def incident_message_create(
    *, incident: Incident, slot: str, text: str, people=(), include_crisis_team: bool = False
) -> StatusUpdate | None:
    """Queue ``text`` to ``people`` ({key, name, email, phone}) and, only when asked, the
    card's crisis communication team. None when the slot already has its message."""
    if incident.status_updates.filter(slot=slot).exists():
        return None
    recipients = [
        _recipient_upsert(
            incident=incident,
            key=person["key"],
            name=person["name"],
            email=person.get("email", ""),
            phone=person.get("phone", ""),
            source=Recipient.Source.ADHOC,
            receives_updates=False,
        )
        for person in people
    ]
    if include_crisis_team:
        recipients += _crisis_team(incident)
    if not recipients:
        return None
    return _update_create(
        incident=incident,
        slot=slot,
        kind=StatusUpdate.Kind.EXERCISE,
        reason=StatusUpdate.Reason.INJECT,
        rendered=_render(incident=incident, text=text),
        user=None,
        recipients=recipients,
    )
