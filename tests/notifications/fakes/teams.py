"""A Microsoft Teams Workflows webhook over HTTPS, checking each message as Teams would."""

import base64
import json
import os
import re
import ssl
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

from tests.notifications.fakes.base import HTTPFake, QuietHandler, free_port

#
# What Teams' "Post to a channel when a webhook request is received" workflow takes
# (learn.microsoft.com, "Create incoming webhooks with Workflows for Microsoft Teams"):
# a POST with a JSON message {"type": "message", "attachments": [{"contentType":
# "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <card>}]},
# the card an Adaptive Card (checked here against Microsoft's schema, vendored in
# schemas/), the whole under Teams' 28 KB message limit; it answers 202 Accepted.

SCHEMA_PATH = Path(__file__).parents[1] / "schemas" / "adaptive-card-1.5.json"
CARD_SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
CARD_VALIDATOR = jsonschema.Draft6Validator(CARD_SCHEMA)
TEAMS_MAX_BYTES = 28 * 1024
ENVELOPE_FIELDS = {"type", "attachments", "summary", "text"}
ATTACHMENT_FIELDS = {"contentType", "contentUrl", "content", "name"}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def _properties(definition: dict) -> dict:
    """A definition's properties with those it inherits (allOf → Extendable.*)."""
    found = {}
    for ref in definition.get("allOf", []):
        name = ref.get("$ref", "").rsplit("/", 1)[-1]
        if name in CARD_SCHEMA["definitions"]:
            found.update(_properties(CARD_SCHEMA["definitions"][name]))
    for key, value in definition.get("properties", {}).items():
        if value or key not in found:
            found[key] = value
    return found


def _newer_than(node, version: tuple[int, ...], path="content") -> list[str]:
    """Elements or properties the schema says came after ``version``."""
    problems = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            problems += _newer_than(item, version, f"{path}[{i}]")
        return problems
    if not isinstance(node, dict):
        return problems
    definition = CARD_SCHEMA["definitions"].get(node.get("type", ""))
    if definition:
        if _version(definition.get("version", "1.0")) > version:
            problems.append(f"{path}: {node['type']} needs {definition['version']}")
        properties = _properties(definition)
        for key in node:
            since = properties.get(key, {}).get("version")
            if since and _version(since) > version:
                problems.append(f"{path}.{key} needs {since}")
    for key, value in node.items():
        problems += _newer_than(value, version, f"{path}.{key}")
    return problems


def validate_teams_message(raw: bytes) -> str | None:
    """The first problem with a Workflows webhook request body, or None."""
    if len(raw) > TEAMS_MAX_BYTES:
        return f"message is {len(raw)} bytes, Teams takes at most {TEAMS_MAX_BYTES}"
    try:
        message = json.loads(raw.decode("utf-8"))
    except ValueError:
        return "invalid JSON"
    if not isinstance(message, dict) or message.get("type") != "message":
        return 'root must be {"type": "message", ...}'
    if set(message) - ENVELOPE_FIELDS:
        return f"unknown message fields: {sorted(set(message) - ENVELOPE_FIELDS)}"
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        return "attachments must be a non-empty list"
    for attachment in attachments:
        if not isinstance(attachment, dict) or set(attachment) - ATTACHMENT_FIELDS:
            return "an attachment has unknown fields"
        if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
            return "contentType must be application/vnd.microsoft.card.adaptive"
        card = attachment.get("content")
        if not isinstance(card, dict):
            return "content must be an Adaptive Card object"
        errors = sorted(CARD_VALIDATOR.iter_errors(card), key=lambda e: list(e.path))
        if errors:
            error = errors[0]
            return f"schema: {'/'.join(map(str, error.path))}: {error.message[:300]}"
        # The schema leaves these optional; a top-level card needs them.
        if card.get("$schema") != "http://adaptivecards.io/schemas/adaptive-card.json":
            return "$schema must be the Adaptive Card schema"
        if not isinstance(card.get("version"), str) or not re.fullmatch(
            r"1\.[0-6]", card["version"]
        ):
            return "a top-level card needs version 1.0–1.6"
        elements = card.get("body", []) + card.get("actions", [])
        newer = _newer_than(elements, _version(card["version"]))
        if newer:
            return f"card declares {card['version']} but uses: {newer[:3]}"
        if not card.get("body"):
            return "body must not be empty"
    return None


class _TeamsHandler(QuietHandler):
    def _refuse(self, status, reason):
        self.refuse(status, reason, {"error": {"code": "BadRequest", "message": reason}})

    def do_GET(self):
        self._refuse(405, "the trigger only takes POST")

    def do_POST(self):
        fake = self.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(min(length, 10 * TEAMS_MAX_BYTES))
        with fake.lock:
            fake.hosts.append(self.headers.get("Host"))
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path != f"/workflows/{fake.workflow}/triggers/manual/paths/invoke":
            return self._refuse(404, f"unknown path {parts.path}")
        if query.get("sig") != [fake.secret]:
            return self._refuse(401, "invalid signature")
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            return self._refuse(415, "Content-Type must be application/json")
        problem = validate_teams_message(raw)
        if problem:
            return self._refuse(400, problem)
        if fake.answer:
            return self.answer(*fake.answer)
        with fake.lock:
            fake.messages.append(json.loads(raw.decode("utf-8")))
        self.answer(202)


class TeamsWorkflowServer(HTTPFake):
    """A Workflows webhook on https://<hostname>:<port>/workflows/…/invoke?…&sig=<secret>,
    with a certificate from the test's own CA (``cert_hostname`` another name to present
    a certificate that does not match)."""

    def __init__(self, ca, *, hostname="localhost", cert_hostname=None):
        self.hostname = hostname
        self.port = free_port()
        self.secret = "test-signature-" + base64.urlsafe_b64encode(os.urandom(12)).decode()
        self.workflow = "0f8fad5b-d9cb-469f-a165-70867728950e"
        self.lock = threading.Lock()
        self.messages = []  # parsed bodies of valid requests
        self.invalid = []  # (status, reason)
        self.sni = []  # the server name each TLS client sent
        self.hosts = []  # the Host header of each request
        # (status, body, headers) instead of 202, after the request was checked
        self.answer: tuple[int, bytes, dict] | None = None
        self._serve(_TeamsHandler, wrap=self._tls_context(ca, cert_hostname or hostname))

    def _tls_context(self, ca, cert_hostname):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(cert_hostname).configure_cert(context)

        def remember_sni(sock, server_name, _context):
            with self.lock:
                self.sni.append(server_name)

        context.sni_callback = remember_sni
        return context

    @property
    def url(self):
        return (
            f"https://{self.hostname}:{self.port}/workflows/{self.workflow}/triggers/manual"
            f"/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0"
            f"&sig={self.secret}"
        )

    @property
    def allowed_host(self):
        return f"{self.hostname}:{self.port}"

    def cards(self):
        with self.lock:
            return [a["content"] for m in self.messages for a in m["attachments"]]
