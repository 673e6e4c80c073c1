"""A Web Push service on 127.0.0.1 (the fakes of tests/notifications/fakes/, continued):
headless Chromium cannot reach a real push service here, so the server side is tested
against this one, which checks what a push service checks and decrypts what it got.

- RFC 8030: POST to the subscription's endpoint with a ``TTL`` header (an integer).
- RFC 8292 (VAPID): ``Authorization: vapid t=<JWT>, k=<public key>``; the JWT is ES256,
  signed by that key (the application server's, which must be the one we expect), with
  ``aud`` the endpoint's origin, ``exp`` no more than 24 h ahead, and a ``sub``.
- RFC 8291/8188: ``Content-Encoding: aes128gcm``; the body is decrypted with the
  subscription's private key and auth secret, and the plaintext recorded.
Answers 201 Created with a Location, or 400/401/403 naming what was wrong.
"""

import base64
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.notifications.fakes import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_raw(key) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def vapid_keys() -> tuple[str, str]:
    """(private, public) in the form the settings take: raw scalar and raw point, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big")), b64url(public_raw(key))


class PushSubscriber:
    """What a browser holds for one subscription: its key pair and auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)
        self.p256dh = b64url(public_raw(self.private_key))
        self.auth = b64url(self.auth_secret)


class PushServiceServer:
    def __init__(self, *, vapid_public_key: str):
        self.vapid_public_key = vapid_public_key
        self.port = free_port()
        self.subscribers: dict[str, PushSubscriber] = {}  # path → keys
        self.received = []  # (path, plaintext bytes, headers)
        self.invalid = []  # (status, reason)
        self.gone: set[str] = set()  # paths that answer 410 Gone
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status, reason="", location=""):
                if status >= 400:
                    with fake.lock:
                        fake.invalid.append((status, reason))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", str(len(reason.encode())))
                self.end_headers()
                self.wfile.write(reason.encode())

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                subscriber = fake.subscribers.get(self.path)
                if subscriber is None:
                    return self._answer(404, "unknown subscription")
                if self.path in fake.gone:
                    return self._answer(410, "subscription expired")
                problem = fake.check_headers(self.headers)
                if problem:
                    return self._answer(problem[0], problem[1])
                try:
                    plain = http_ece.decrypt(
                        raw, private_key=subscriber.private_key,
                        auth_secret=subscriber.auth_secret, version="aes128gcm",
                    )  # fmt: skip
                except Exception as exc:
                    return self._answer(400, f"cannot decrypt: {exc.__class__.__name__}")
                with fake.lock:
                    fake.received.append((self.path, plain, dict(self.headers)))
                    n = len(fake.received)
                self._answer(201, location=f"{fake.origin}/message/{n}")

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def subscribe(self, name: str) -> tuple[str, PushSubscriber]:
        """A new subscription: (endpoint, the browser's keys)."""
        path = f"/push/{name}"
        subscriber = PushSubscriber()
        self.subscribers[path] = subscriber
        return self.origin + path, subscriber

    def check_headers(self, headers) -> tuple[int, str] | None:
        if headers.get("Content-Encoding") != "aes128gcm":
            return 400, "Content-Encoding must be aes128gcm"
        ttl = headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            return 400, "TTL header missing or not an integer"
        auth = headers.get("Authorization") or ""
        if not auth.startswith("vapid "):
            return 401, "Authorization must be 'vapid t=…, k=…'"
        params = dict(p.strip().split("=", 1) for p in auth[6:].split(",") if "=" in p)
        if params.get("k") != self.vapid_public_key:
            return 403, "VAPID key is not the application server's"
        point = b64url_decode(params["k"])
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        try:
            claims = jwt.decode(params.get("t", ""), public, algorithms=["ES256"],
                                audience=self.origin)  # fmt: skip
        except jwt.PyJWTError as exc:
            return 403, f"VAPID JWT invalid: {exc.__class__.__name__}"
        if claims.get("exp", 0) > time.time() + 24 * 3600:
            return 403, "VAPID exp more than 24 hours ahead"
        if not claims.get("sub"):
            return 403, "VAPID sub missing"
        return None

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def payloads(self) -> list[bytes]:
        with self.lock:
            return [plain for _path, plain, _headers in self.received]
