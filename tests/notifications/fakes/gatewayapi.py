"""GatewayAPI's REST API (and its side of incoming SMS), checked against the documentation
(see the package's docstring)."""

import base64
import itertools
import json
import re
import threading
import time

from tests.notifications.fakes.base import HTTPFake, QuietHandler, free_port

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


class _GatewayAPIHandler(QuietHandler):
    def _answer(self, status, payload):
        self.answer(status, json.dumps(payload).encode())

    def _refuse(self, status, reason):
        self.refuse(status, reason, {"code": "0x0000", "message": reason})

    def do_GET(self):
        self._refuse(405, "only POST is used by the adapter")

    def do_POST(self):
        fake = self.fake
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


class GatewayAPIServer(HTTPFake):
    def __init__(self, token="test-gatewayapi-token"):
        self.token = token
        self.lock = threading.Lock()
        self.messages = []  # (msisdn, body)
        self.invalid = []  # (status, reason): requests the real API would refuse
        self.fail_with: int | None = None  # answer every request with this status
        self.ids = itertools.count(421332671)
        self.port = free_port()
        self._serve(_GatewayAPIHandler)

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
