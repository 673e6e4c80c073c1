"""Webhook recipients cannot be turned against our own network (issue 11 §3, SSRF).

Every refused address is tried in the form (a Danish message, nothing added) and at send
time (a recipient stored before the check existed: the message fails with a Danish reason
and the internal server never sees a request). The response body of a webhook never
reaches the outbox, the log, the panel or the report.
"""

import importlib
import socket

import pytest
from django.apps import apps
from django.urls import reverse

from incidents.events import entry_text
from incidents.models import LogEntry
from incidents.pdf.documents import render_incident_report
from notifications import services
from notifications.forms import RecipientAddForm
from notifications.models import OutboxMessage, Recipient
from tests.notifications.factories import RecipientFactory
from tests.notifications.fakes import InternalServer

pytestmark = pytest.mark.django_db

SECRET_BODY = InternalServer.BODY.decode()


def refused_addresses(internal_port):
    """(url, extra allowed host entries, a part of the Danish reason)."""
    return [
        # The attack as found: plain http to a server on this machine.
        (f"http://127.0.0.1:{internal_port}/hook", [], "skal begynde med https://"),
        (f"https://127.0.0.1:{internal_port}/hook", [f"127.0.0.1:{internal_port}"], "loopback"),
        ("https://10.20.30.40/hook", ["10.20.30.40"], "intern"),
        ("https://169.254.169.254/latest/meta-data/", ["169.254.169.254"], "metadata"),
        (f"https://[::1]:{internal_port}/hook", [], "loopback"),
        ("https://[::ffff:127.0.0.1]/hook", [], "loopback"),
        # A name on the allow-list that resolves to this machine.
        (f"https://localhost:{internal_port}/hook", [f"localhost:{internal_port}"], "loopback"),
        ("https://hooks.example.com/hook", [], "ikke en tilladt vært"),
        ("https://evil-logic.azure.com/workflows/x", [], "ikke en tilladt vært"),
        ("https://logic.azure.com.example.com/workflows/x", [], "ikke en tilladt vært"),
        ("https://prod-01.westeurope.logic.azure.com:8443/workflows/x", [], "port 8443"),
        ("https://user:pw@prod-01.westeurope.logic.azure.com/workflows/x", [], "brugernavn"),
    ]


def _cases():
    # The internal server's port is only known at run time; index the cases instead.
    return range(len(refused_addresses(0)))


@pytest.fixture
def allow(settings):
    defaults = list(settings.WEBHOOK_ALLOWED_HOSTS)

    def extend(entries):
        settings.WEBHOOK_ALLOWED_HOSTS = defaults + entries

    return extend


@pytest.mark.parametrize("case", _cases())
def test_the_form_refuses_the_address_in_danish(case, internal_server, allow):
    url, allowed, reason = refused_addresses(internal_server.port)[case]
    allow(allowed)

    form = RecipientAddForm({"name": "Kanal", "webhook_url": url})

    assert not form.is_valid()
    assert reason in " ".join(form.errors["webhook_url"])
    assert internal_server.requests == 0


@pytest.mark.parametrize("case", _cases())
def test_a_stored_address_is_refused_again_at_send_time(
    case, bare_incident, internal_server, allow
):
    url, allowed, reason = refused_addresses(internal_server.port)[case]
    allow(allowed)
    # As if added before the form checked it (or straight into the database).
    services.recipient_add_adhoc(incident=bare_incident, name="Teams-kanal", webhook_url=url)
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get(channel="webhook")

    outcome = services.outbox_message_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert outcome == "failed"
    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error.startswith("Webhooken afvist: ") and reason in message.last_error
    assert internal_server.requests == 0
    logged = LogEntry.objects.get(incident=bare_incident, event=LogEntry.Event.UPDATE_FAILED)
    assert reason in entry_text(logged)


def test_the_view_answers_with_the_danish_message_and_adds_nobody(
    client, coordinator, bare_incident, internal_server
):
    client.force_login(coordinator)
    url = f"http://127.0.0.1:{internal_server.port}/hook"

    response = client.post(
        reverse("notifications:recipient-add", args=[bare_incident.pk]),
        {"name": "Intern", "webhook_url": url},
    )

    assert "Webhook-adressen skal begynde med https://." in response.content.decode()
    assert not Recipient.objects.filter(incident=bare_incident, webhook_url=url).exists()
    assert internal_server.requests == 0


def test_an_allowed_workflows_address_passes_the_form_when_it_resolves_publicly(
    settings, monkeypatch
):
    """The allow-list lets Microsoft's hosts through; this sandbox has no DNS for them, so
    the name is answered with a documentation address (TEST-NET-3), never connected to."""
    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "prod-01.westeurope.logic.azure.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("13.107.246.40", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    url = (
        "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/"
        "invoke?api-version=2016-06-01&sig=s3cret"
    )

    form = RecipientAddForm({"name": "Krisekanal", "webhook_url": url})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["webhook_url"] == url


# --- The response body is never kept ---------------------------------------------------------


def _deliver_once(bare_incident, url):
    services.recipient_add_adhoc(incident=bare_incident, name="Teams-kanal", webhook_url=url)
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = update.messages.get(channel="webhook")
    services.outbox_message_deliver(message_id=message.pk)
    message.refresh_from_db()
    return message


def test_an_error_answer_keeps_only_its_status(
    client, coordinator, bare_incident, teams_server, teams_settings
):
    teams_settings.NOTIFY_RETRY_TOTAL_SECONDS = 0  # give up at once: the failure is logged
    teams_server.answer = (500, InternalServer.BODY, {})

    message = _deliver_once(bare_incident, teams_server.url)

    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error == "Webhooken svarede 500 (opgivet efter 1 forsøg)"
    logged = LogEntry.objects.get(incident=bare_incident, event=LogEntry.Event.UPDATE_FAILED)
    assert "Webhooken svarede 500" in entry_text(logged)
    for text in (entry_text(logged), message.last_error):
        assert "secret-internal-answer" not in text
        assert teams_server.secret not in text  # the webhook's own secret neither
    client.force_login(coordinator)
    panel = client.get(reverse("notifications:incident-panel", args=[bare_incident.pk]))
    html = panel.content.decode()
    assert "Webhooken svarede 500" in html
    assert "secret-internal-answer" not in html and teams_server.secret not in html
    report = render_incident_report(incident=bare_incident)
    from tests.incidents.report_world import _text

    text = _text(report)
    assert "Webhooken svarede 500" in text
    assert "secret-internal-answer" not in text and teams_server.secret not in text


def test_a_refusal_answer_is_permanent_and_bodiless(bare_incident, teams_server, teams_settings):
    teams_server.answer = (400, b'{"error": {"message": "' + b"x" * 500 + b'"}}', {})

    message = _deliver_once(bare_incident, teams_server.url)

    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error == "Webhooken svarede 400"


def test_a_redirect_is_not_followed(bare_incident, teams_server, teams_settings, internal_server):
    teams_server.answer = (307, b"", {"Location": f"http://127.0.0.1:{internal_server.port}/"})

    message = _deliver_once(bare_incident, teams_server.url)

    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error == "Webhooken svarede 307 (omdirigering følges ikke)"
    assert internal_server.requests == 0


def test_a_certificate_for_another_name_is_refused(bare_incident, teams_ca, settings):
    from tests.notifications.fakes import TeamsWorkflowServer

    impostor = TeamsWorkflowServer(teams_ca, cert_hostname="impostor.example")
    impostor.start()
    try:
        settings.WEBHOOK_ALLOWED_HOSTS = [impostor.allowed_host]
        settings.WEBHOOK_CA_BUNDLE = teams_ca.bundle_path
        settings.WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = True

        message = _deliver_once(bare_incident, impostor.url)
    finally:
        impostor.stop()

    assert message.status == OutboxMessage.Status.QUEUED  # temporary: retried later
    assert "TLS-fejl" in message.last_error
    assert impostor.messages == []


def test_the_tests_ca_is_not_trusted_without_the_setting(
    bare_incident, teams_server, teams_settings
):
    teams_settings.WEBHOOK_CA_BUNDLE = ""  # certifi's roots: our test CA is not among them

    message = _deliver_once(bare_incident, teams_server.url)

    assert "TLS-fejl" in message.last_error
    assert teams_server.messages == []


def test_the_name_is_resolved_once_and_tls_still_uses_it(
    bare_incident, teams_server, teams_settings, monkeypatch
):
    """The checked address is the one connected to: no second lookup a rebinding DNS
    server could answer differently; SNI and the certificate check use the name."""
    lookups = []
    real = socket.getaddrinfo

    def counting(host, *args, **kwargs):
        lookups.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)

    message = _deliver_once(bare_incident, teams_server.url)

    assert message.status == OutboxMessage.Status.SENT, message.last_error
    assert lookups.count("localhost") == 1
    assert teams_server.sni == ["localhost"]
    assert teams_server.hosts == [teams_server.allowed_host]


# --- What earlier versions stored --------------------------------------------------------------


def test_the_migration_removes_stored_bodies_and_secrets(bare_incident):
    migration = importlib.import_module(
        "notifications.migrations.0002_teams_card_and_no_webhook_response_bodies"
    )
    url = "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/invoke?sig=s3cret"
    recipient = RecipientFactory(incident=bare_incident, webhook=True, webhook_url=url)
    update = services.status_update_create(incident=bare_incident, reason="started")
    message = OutboxMessage.objects.create(
        update=update, recipient=recipient, channel="webhook", address=url,
        idempotency_key="old", status="failed",
        last_error=f"Webhooken svarede 500: {SECRET_BODY} (opgivet efter 3 forsøg)",
    )  # fmt: skip
    entry = LogEntry.objects.create(
        incident=bare_incident, sequence=999, kind=LogEntry.Kind.SYSTEM,
        text=f"Statusopdatering kunne ikke leveres til {url} (Webhook {url}): "
        f"Webhooken svarede 502: {SECRET_BODY}",
    )  # fmt: skip
    kept = LogEntry.objects.create(
        incident=bare_incident, sequence=1000, kind=LogEntry.Kind.MANUAL,
        text="Webhooken svarede 500: skrevet af en person",
    )  # fmt: skip

    migration.scrub(apps, None)

    message.refresh_from_db()
    entry.refresh_from_db()
    recipient.refresh_from_db()
    kept.refresh_from_db()
    assert message.last_error == "Webhooken svarede 500 (opgivet efter 3 forsøg)"
    assert "secret-internal-answer" not in entry.text and "s3cret" not in entry.text
    assert entry.text.endswith(
        "(Webhook https://prod-01.westeurope.logic.azure.com:443/…): Webhooken svarede 502"
    )
    assert recipient.name == "https://prod-01.westeurope.logic.azure.com:443/…"
    assert kept.text == "Webhooken svarede 500: skrevet af en person"  # people's notes stay


def test_the_refusal_follows_the_koordinators_language(internal_server):
    from django.utils import translation

    with translation.override("en"):
        form = RecipientAddForm({"webhook_url": f"http://127.0.0.1:{internal_server.port}/"})
        assert not form.is_valid()
        assert form.errors["webhook_url"] == ["The webhook address must start with https://."]


def test_no_environment_can_switch_the_loopback_exception_on():
    """A deployment is configured by its environment; this switch is not read from it."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS": "1",
           "DJANGO_SETTINGS_MODULE": "config.settings"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c",
         "import django; django.setup(); from django.conf import settings;"
         "print(settings.WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS)"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    "address", ["10.0.0.1", "169.254.169.254", "168.63.129.16", "192.168.1.1", "fd00:ec2::254",
                "::ffff:10.0.0.1", "224.0.0.1", "100.64.0.1", "0.0.0.0"],
)  # fmt: skip
def test_the_test_switch_opens_loopback_only(settings, address):
    import ipaddress

    from notifications.webhooks import address_refusal

    settings.WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = True

    assert address_refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert address_refusal(ipaddress.ip_address(address))
    settings.WEBHOOK_ALLOW_LOOPBACK_FOR_TESTS = "1"  # only the Python value True counts
    assert address_refusal(ipaddress.ip_address("127.0.0.1"))
