"""Messages are in the recipients' language (Danish), whatever the language of the
coordinator whose click made them (issue 13, part 4)."""

import datetime as dt
import json
import re
from pathlib import Path

import polib
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from incidents.services import incident_start
from notifications import services
from notifications.models import StatusUpdate

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def english_ui_phrases() -> set[str]:
    """The English of every translated UI string (two words or more, placeholders cut out):
    none may turn up in a message."""
    phrases = set()
    for po in ROOT.glob("*/locale/en/LC_MESSAGES/django.po"):
        for entry in polib.pofile(str(po)):
            if not entry.msgstr or entry.msgstr == entry.msgid:
                continue
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\w*\}", entry.msgstr):
                piece = piece.strip(" .,:;–-()“”\"'")
                if len(piece) >= 10 and " " in piece and piece not in entry.msgid:
                    phrases.add(piece)
    return phrases


def _sent(update: StatusUpdate, sms_gateway) -> str:
    """Everything the recipients get: the stored renders, and the e-mails and SMS as
    delivered (the SMS through the fake GatewayAPI, which checks the protocol)."""
    mail.outbox.clear()
    for message in update.messages.all():
        assert services.outbox_message_deliver(message_id=message.pk) == "sent"
    delivered = [
        f"{m.subject}\n{m.body}\n" + "\n".join(body for body, _ in m.alternatives)
        for m in mail.outbox
    ]
    delivered += [body["message"] for _msisdn, body in sms_gateway.messages]
    assert delivered, "nothing went out"
    return "\n".join(
        [
            update.subject,
            update.body_text,
            update.body_html,
            update.sms_text,
            json.dumps(update.teams_card, ensure_ascii=False),
            *delivered,
        ]
    )


def _start(card, coordinator):
    return incident_start(card=card, scenario_slug=card.scenarios.get().slug, user=coordinator)


def _assert_danish(text: str):
    found = sorted(p for p in english_ui_phrases() if p in text)
    assert found == [], f"English UI strings in a message: {found}"


def test_the_phrase_list_would_catch_english():
    phrases = english_ui_phrases()
    assert len(phrases) > 50
    with translation.override("en"):
        assert any(p in translation.gettext("Udført: »%(step)s«") for p in phrases) or any(
            p in translation.gettext("Hændelsen er afsluttet og kan ikke længere ændres.")
            for p in phrases
        )


def test_an_update_sent_from_an_english_ui_is_wholly_danish(
    client, team_card, coordinator, gatewayapi_settings, sms_gateway
):
    with translation.override("en"):
        incident = _start(team_card, coordinator)
    client.force_login(coordinator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    dashboard = client.get(reverse("incidents:dashboard", args=[incident.pk])).text
    assert '<html lang="en">' in dashboard  # the coordinator really works in English
    step = incident.steps.filter(kind="action").order_by("order").first()
    ticked = client.post(
        reverse("incidents:step_update", args=[incident.pk, step.pk, "done"]),
        {"version": step.version},
    )
    assert ticked.status_code in (200, 302)
    client.post(
        reverse("incidents:log_write", args=[incident.pk]),
        {"text": "Miralix er nede", "category": "decision"},
    )

    client.post(reverse("notifications:send-now", args=[incident.pk]))

    update = incident.status_updates.get(reason="manual")
    text = _sent(update, sms_gateway)
    _assert_danish(text)
    assert update.subject.startswith("Statusopdatering: ") and "Anledning: Sendt manuelt" in text
    assert "Udført: »" in update.body_text and "Done:" not in text
    assert "Status kl." in update.sms_text


def test_a_reminder_made_while_the_english_ui_is_active_is_danish(
    team_card, coordinator, gatewayapi_settings, sms_gateway
):
    now = timezone.now()
    with translation.override("en"):
        incident = _start(team_card, coordinator)
        type(incident).objects.filter(pk=incident.pk).update(
            started_at=now - dt.timedelta(minutes=26)
        )
        incident.status_updates.update(created_at=now - dt.timedelta(minutes=26))

        created = services.status_updates_due_create(now=now)

    (reminder,) = [u for u in created if u.kind == StatusUpdate.Kind.REMINDER]
    text = _sent(reminder, sms_gateway)
    _assert_danish(text)
    assert reminder.subject.startswith("Påmindelse: indtast tal")
    assert "Påmindelse til logfører" in reminder.sms_text
