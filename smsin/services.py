"""Incoming SMS: who sent it, what it says, what it records, and the reply.

``inbound_sms_receive`` is called by the webhook once the provider's signature is valid.
Everything it does — the dedupe row, the figures or the log line, the reply's delivery
row — commits in one transaction, so a message is recorded and answered once or not at
all; a replay of the same provider message id finds its row and changes nothing.
"""

import logging
import uuid

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from alerts.services import alert_ack_by_sms, reply_sms_create
from contacts.models import Person
from core.formatting import InvalidPhoneNumber, min_sec, phone_normalise
from incidents.log import log_entry_create
from incidents.models import Incident, LogEntry
from incidents.services import figure_report_create
from smsin.grammar import Command, GrammarError, parse
from smsin.models import InboundSMS

logger = logging.getLogger(__name__)

# The namespace of the figure reports' idempotency keys: one per provider message.
FIGURES_NAMESPACE = uuid.UUID("5b0c8f8e-4a0e-4d55-9c9e-7d1f4c0b9a11")
WRITE_PERMISSION = "incidents.work_incident"


def sender_user(msisdn: str):
    """The user behind a sender: a contact person with this (normalised) number, and the
    active user with that person's e-mail, who may work incidents. Else None."""
    try:
        phone = phone_normalise("+" + msisdn.lstrip("+"))
    except InvalidPhoneNumber:
        return None
    people = Person.objects.filter(Q(phone=phone) | Q(phone_secondary=phone)).exclude(email="")
    emails = [p.email for p in people]
    if not emails:
        return None
    query = Q()
    for email in emails:
        query |= Q(email__iexact=email)
    for user in get_user_model().objects.filter(query, is_active=True).order_by("pk"):
        if user.has_perm(WRITE_PERMISSION):
            return user
    return None


def _rate_limited(msisdn: str) -> tuple[bool, bool]:
    """(over the limit, first time over in this window): only the first gets a reply."""
    key = f"smsin:rate:{msisdn}"
    window = settings.SMSIN_RATE_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    limit = settings.SMSIN_RATE_LIMIT
    return count > limit, count == limit + 1


def _prefix(incident) -> str:
    return f"ØVELSE #{incident.pk}" if incident.is_exercise else f"#{incident.pk}"


def _incident_for(command: Command) -> Incident:
    running = Incident.objects.filter(status=Incident.Status.RUNNING).order_by("-started_at", "-pk")
    if command.incident_id is not None:
        found = running.filter(pk=command.incident_id).first()
        if found is None:
            ids = ", ".join(f"#{pk}" for pk in running.values_list("pk", flat=True)[:5])
            more = f" Kørende: {ids}." if ids else " Ingen hændelse kører lige nu."
            raise GrammarError(f"Hændelse #{command.incident_id} kører ikke.{more}")
        return found
    newest = running.first()
    if newest is None:
        raise GrammarError("Ingen hændelse kører lige nu; intet er registreret.")
    return newest


def _record(command: Command, *, user, incident: Incident, message_id: str) -> str:
    """Write what the command says; return the reply. ValidationError: nothing written."""
    if command.kind == "TAL":
        where = _prefix(incident)
        f = command.figures
        figure_report_create(
            incident=incident, user=user, source="SMS",
            idempotency_key=uuid.uuid5(FIGURES_NAMESPACE, message_id), **f,
        )  # fmt: skip
        longest = min_sec(f["longest_wait_seconds"])
        average = min_sec(f["average_wait_seconds"])
        return (
            f"{where} registreret: {f['agents_on_duty']} på vagt, {f['agents_available']} ledige,"
            f" {f['calls_in_queue']} i kø, længste ventetid {longest}, gennemsnit {average}."
        )
    if command.kind == "LOG":
        log_entry_create(
            incident=incident, text=command.text, author=user, kind=LogEntry.Kind.MANUAL,
            event=LogEntry.Event.NOTE, data={"via": "sms", "provider_message_id": message_id},
        )  # fmt: skip
        return f"{_prefix(incident)} logført: {command.text[:100]}"
    acked = alert_ack_by_sms(
        user=user, incident=incident if command.incident_id is not None else None
    )
    if acked is None:
        raise GrammarError("Du har ingen åben alarm at kvittere for.")
    return f"{_prefix(acked.alert.incident)} kvitteret: {acked.alert.text[:100]}"


def _answer(sms: InboundSMS, command: Command, message_id: str) -> None:
    sms.command = command.kind
    try:
        if command.kind == "OK" and command.incident_id is None:
            # The person's newest open alert, in whichever incident it is.
            sms.reply = _record(command, user=sms.user, incident=None, message_id=message_id)
        else:
            sms.incident = _incident_for(command)
            with transaction.atomic():  # a refused write leaves nothing behind
                sms.reply = _record(
                    command, user=sms.user, incident=sms.incident, message_id=message_id
                )
        sms.outcome = InboundSMS.Outcome.RECORDED
    except GrammarError as exc:
        sms.outcome, sms.reply = InboundSMS.Outcome.INVALID, str(exc)
    except ValidationError as exc:
        sms.outcome = InboundSMS.Outcome.INVALID
        sms.reply = "Ikke registreret: " + " ".join(exc.messages)


@transaction.atomic
def inbound_sms_receive(*, provider_message_id: str, msisdn: str, text: str) -> InboundSMS:
    """Record and answer one incoming SMS; a replayed message id returns the first row."""
    message_id = str(provider_message_id)[:100]
    try:
        with transaction.atomic():
            sms = InboundSMS.objects.create(
                provider_message_id=message_id, msisdn=msisdn[:20], text=text,
                outcome=InboundSMS.Outcome.INVALID,
            )  # fmt: skip
    except IntegrityError:
        return InboundSMS.objects.get(provider_message_id=message_id)
    sms.user = sender_user(msisdn)
    if sms.user is None:
        # No reply: an unknown number gets nothing from us, not even an error.
        logger.warning("SMS from an unknown or unauthorised sender refused (%s)", message_id)
        sms.outcome = InboundSMS.Outcome.REFUSED
    else:
        over, first = _rate_limited(msisdn)
        if over:
            sms.outcome = InboundSMS.Outcome.RATE_LIMITED
            if first:
                sms.reply = (
                    f"Du har sendt mere end {settings.SMSIN_RATE_LIMIT} beskeder på"
                    f" {settings.SMSIN_RATE_WINDOW_SECONDS // 60} min. Intet er registreret;"
                    " vent lidt og send igen."
                )
        else:
            try:
                command = parse(text)
            except GrammarError as exc:
                sms.outcome, sms.reply = InboundSMS.Outcome.INVALID, str(exc)
            else:
                _answer(sms, command, message_id)
    sms.save()
    if sms.reply:
        reply_sms_create(msisdn=msisdn, text=sms.reply, key=f"smsin:{message_id}")
    return sms
