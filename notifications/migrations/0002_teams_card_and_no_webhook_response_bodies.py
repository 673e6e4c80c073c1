"""Teams cards are stored with the update; and what earlier webhook deliveries wrote is
cleaned: the webhook channel used to put the first 200 characters of the server's response
body into the error ("Webhooken svarede 500: <body>"), which reached the panel, the
incident log and the report PDF, and a webhook's full address (its query holds the
secret) into the failure's log entry and, with no name given, the recipient's name.

The log is append-only; this is the one deliberate exception: a redaction of what an
internal server could make us write, not a correction of what anyone recorded.
"""

import re

from django.db import migrations, models

BODY = re.compile(r"(Webhooken svarede \d{3}): .*?(?P<gave_up> \(opgivet efter \d+ forsøg\))?$", re.S)
URL = re.compile(r"(https?://[^/\s)?#]+)[^\s)]*")


def without_body(text: str) -> str:
    """'Webhooken svarede 500: <body> (opgivet efter 3 forsøg)' without '<body>'."""
    start = text.find("Webhooken svarede ")
    if start < 0:
        return text
    match = BODY.match(text, start)
    if not match:
        return text
    return text[:start] + match.group(1) + (match.group("gave_up") or "")


def without_address(text: str) -> str:
    """Every address in a webhook failure's entry cut to its host (the recipient's name
    was the address when none was given)."""
    return URL.sub(lambda m: f"{m.group(1)}/…", text)


def address_display(url: str) -> str:
    match = re.match(r"(https?://[^/\s?#]+)", url)
    return f"{match.group(1)}/…" if match else "webhook"


def scrub(apps, schema_editor):
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    Recipient = apps.get_model("notifications", "Recipient")
    LogEntry = apps.get_model("incidents", "LogEntry")
    for message in OutboxMessage.objects.filter(
        channel="webhook", last_error__contains="Webhooken svarede "
    ).only("pk", "last_error"):
        cleaned = without_body(message.last_error)
        if cleaned != message.last_error:
            OutboxMessage.objects.filter(pk=message.pk).update(last_error=cleaned)
    for entry in LogEntry.objects.filter(kind="system", text__contains="(Webhook ").only(
        "pk", "text"
    ):
        cleaned = without_address(without_body(entry.text))
        if cleaned != entry.text:
            LogEntry.objects.filter(pk=entry.pk).update(text=cleaned)
    for recipient in Recipient.objects.exclude(webhook_url="").only("pk", "name", "webhook_url"):
        if recipient.name == recipient.webhook_url:
            Recipient.objects.filter(pk=recipient.pk).update(
                name=address_display(recipient.webhook_url)
            )


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_outbox_and_recipients"),
        ("incidents", "0003_checklist_timers_lines_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="statusupdate",
            name="teams_card",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(scrub, migrations.RunPython.noop, elidable=True),
    ]
