"""Real servers in the test process: an SMTP server (aiosmtpd), GatewayAPI's REST API and
a Microsoft Teams Workflows webhook over HTTPS (below).

The GatewayAPI fake checks every request against the documented API
(https://gatewayapi.com/docs, REST API → "Sending SMS'es"): POST /rest/mtsms, the API
token as Basic-auth username with an empty password, a JSON body with message,
sender (≤ 11 alphanumerics or ≤ 15 digits) and recipients[{msisdn}], and answers
``{"ids": [...], "usage": {...}}`` or a JSON error with 400/401/422. It also plays
GatewayAPI's side of incoming SMS (``post_incoming``): the MO message as JSON (id, msisdn,
receiver, message, senttime, …) POSTed to our webhook, signed as GatewayAPI signs
webhooks: a JWT, HS256 with the webhook's secret, in ``X-Gwapi-Signature``.
"""

import asyncio
import base64
import email
import email.policy
import itertools
import json
import os
import re
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP -----------------------------------------------------------------------------------


class RecordingHandler:
    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (recipient, parsed message)
        self.reject_domains: set[str] = set()
        self.rcpt_delay = 0.0  # a slow server: the window in which the fault tests strike
        self.in_rcpt = 0  # clients now waiting in that slow RCPT

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_delay:
            self.in_rcpt += 1
            try:
                await asyncio.sleep(self.rcpt_delay)
            finally:
                self.in_rcpt -= 1
        domain = address.rsplit("@", 1)[-1].lower()
        if domain in self.reject_domains:
            return f"550 5.1.2 {domain}: mail for this domain is not accepted"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parsed["X-Test-Received-At"] = str(time.time())
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt.lower(), parsed))
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1:<port>; ``stop()``/``start()`` simulate an outage."""

    def __init__(self):
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller:
            self.controller.stop()
            self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        with self.handler.lock:
            return list(self.handler.messages)

    def to(self, address):
        return [m for rcpt, m in self.messages if rcpt == address.lower()]


def text_body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


# --- GatewayAPI ----------------------------------------------------------------------------

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXT = set("^{}\\[~]|€\f")
ALLOWED_FIELDS = {
    "class", "message", "sender", "sendtime", "tags", "userref", "priority",
    "validity_period", "encoding", "destaddr", "payload", "udh", "callback_url", "label",
    "recipients", "max_parts",
}  # fmt: skip
MSISDN = re.compile(r"^[1-9]\d{7,14}$")
SENDER = re.compile(r"^([A-Za-z0-9 ÆØÅæøå]{1,11}|\d{1,15})$")


def validate_mtsms(body) -> str | None:
    """The first problem with a /rest/mtsms JSON body, or None."""
    if not isinstance(body, dict):
        return "root must be an object"
    unknown = set(body) - ALLOWED_FIELDS
    if unknown:
        return f"unknown fields: {sorted(unknown)}"
    message = body.get("message")
    if not isinstance(message, str) or not message:
        return "message is required"
    if "sender" in body and not (isinstance(body["sender"], str) and SENDER.match(body["sender"])):
        return "sender must be up to 11 alphanumeric characters or 15 digits"
    encoding = body.get("encoding", "UTF8")
    if encoding not in ("UTF8", "UCS2"):
        return "encoding must be UTF8 or UCS2"
    if encoding == "UTF8":
        if any(c not in GSM7 and c not in GSM7_EXT for c in message):
            return "message has characters outside GSM 03.38; use encoding UCS2"
        septets = sum(2 if c in GSM7_EXT else 1 for c in message)
        if septets > 306:
            return f"message is {septets} septets, more than 2 parts"
    elif len(message.encode("utf-16-le")) // 2 > 134:
        return "UCS2 message is more than 2 parts"
    # "userref: an opaque string reference you may set to keep track of the message in
    # your own systems; returned with delivery statuses." Our adapter always sets it to
    # the message's stable identity, so a repeated send shows under the same reference.
    if "userref" in body and not (isinstance(body["userref"], str) and body["userref"]):
        return "userref must be a non-empty string"
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        return "recipients must be a non-empty list"
    for r in recipients:
        if not isinstance(r, dict) or "msisdn" not in r:
            return "each recipient needs an msisdn"
        if not isinstance(r["msisdn"], int | str) or not MSISDN.match(str(r["msisdn"])):
            return f"invalid msisdn: {r['msisdn']!r}"
    return None


class GatewayAPIServer:
    def __init__(self, token="test-gatewayapi-token"):
        self.token = token
        self.lock = threading.Lock()
        self.messages = []  # (msisdn, body)
        self.invalid = []  # (status, reason): requests the real API would refuse
        self.fail_with: int | None = None  # answer every request with this status
        self.ids = itertools.count(421332671)
        self.port = free_port()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _refuse(self, status, reason):
                with fake.lock:
                    fake.invalid.append((status, reason))
                self._answer(status, {"code": "0x0000", "message": reason})

            def do_GET(self):
                self._refuse(405, "only POST is used by the adapter")

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if self.path.split("?")[0] != "/rest/mtsms":
                    return self._refuse(404, f"unknown path {self.path}")
                expected = "Basic " + base64.b64encode(f"{fake.token}:".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self._refuse(401, "invalid API token")
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    return self._refuse(422, "Content-Type must be application/json")
                try:
                    body = json.loads(raw.decode("utf-8"))
                except ValueError:
                    return self._refuse(422, "invalid JSON")
                problem = validate_mtsms(body)
                if problem:
                    return self._refuse(400, problem)
                if fake.fail_with:
                    return self._answer(fake.fail_with, {"message": "simulated failure"})
                ids = []
                with fake.lock:
                    for r in body["recipients"]:
                        fake.messages.append((str(r["msisdn"]), body))
                        ids.append(next(fake.ids))
                self._answer(
                    200,
                    {
                        "ids": ids,
                        "usage": {"countries": {"DK": len(ids)}, "currency": "DKK",
                                  "total_cost": 0.12 * len(ids)},
                    },
                )  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/rest/mtsms"

    def to(self, msisdn):
        with self.lock:
            return [body for m, body in self.messages if m == msisdn]

    def post_incoming(self, url, *, msisdn, message, message_id=None, secret=None,
                      receiver=4500009999, signature=None):  # fmt: skip
        """Deliver one incoming SMS to ``url`` as GatewayAPI does; (status, JSON) back."""
        import jwt
        import requests

        body = {"id": message_id or next(self.ids), "msisdn": int(msisdn),
                "receiver": receiver, "message": message, "senttime": int(time.time()),
                "webhook_label": "aktionskort"}  # fmt: skip
        if signature is None:
            signature = jwt.encode(body, secret or self.webhook_secret, algorithm="HS256")
        response = requests.post(url, json=body, headers={"X-Gwapi-Signature": signature},
                                 timeout=10)  # fmt: skip
        return response.status_code, response.json()

    webhook_secret = "test-gatewayapi-webhook-secret-0123456789"

    def copies_by_userref(self) -> dict[str, int]:
        """How many SMS were accepted under each reference: > 1 is a repeated send."""
        with self.lock:
            refs = [body.get("userref", "") for _m, body in self.messages]
        return {ref: refs.count(ref) for ref in set(refs)}


# --- Microsoft Teams Workflows webhook -------------------------------------------------------
#
# What Teams' "Post to a channel when a webhook request is received" workflow takes
# (learn.microsoft.com, "Create incoming webhooks with Workflows for Microsoft Teams"):
# a POST with a JSON message {"type": "message", "attachments": [{"contentType":
# "application/vnd.microsoft.card.adaptive", "contentUrl": null, "content": <card>}]},
# the card an Adaptive Card (checked here against Microsoft's schema, vendored in
# schemas/), the whole under Teams' 28 KB message limit; it answers 202 Accepted.

SCHEMA_PATH = Path(__file__).with_name("schemas") / "adaptive-card-1.5.json"
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


class TeamsWorkflowServer:
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
        fake = self

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(cert_hostname or hostname).configure_cert(context)

        def remember_sni(sock, server_name, _context):
            with fake.lock:
                fake.sni.append(server_name)

        context.sni_callback = remember_sni

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, body=b"", headers=None):
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _refuse(self, status, reason):
                with fake.lock:
                    fake.invalid.append((status, reason))
                body = json.dumps({"error": {"code": "BadRequest", "message": reason}})
                self._answer(status, body.encode())

            def do_GET(self):
                self._refuse(405, "the trigger only takes POST")

            def do_POST(self):
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
                    return self._answer(*fake.answer)
                with fake.lock:
                    fake.messages.append(json.loads(raw.decode("utf-8")))
                self._answer(202)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

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


class InternalServer:
    """Plain HTTP on 127.0.0.1, standing in for an internal service a forged webhook would
    reach: it counts every request and answers with a body that must never be stored."""

    BODY = b'{"internal": "root:x:0:0 secret-internal-answer"}'

    def __init__(self):
        self.port = free_port()
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                fake.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(500)
                self.send_header("Content-Length", str(len(fake.BODY)))
                self.end_headers()
                self.wfile.write(fake.BODY)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
