"""What the HTTP fakes share: a free port, a quiet handler, a server on its own thread."""

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output clean; ``self.server.fake`` is the fake
    whose state it records."""

    def log_message(self, *args):
        pass

    @property
    def fake(self):
        return self.server.fake

    def answer(self, status, body=b"", headers=None):
        """``status`` with ``body`` (JSON when there is one) and ``headers``."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def refuse(self, status, reason, error):
        """Answer ``error`` (JSON) with ``status``, and record (status, reason) on the fake
        as a request the real service would have refused."""
        with self.fake.lock:
            self.fake.invalid.append((status, reason))
        self.answer(status, json.dumps(error).encode())


class HTTPFake:
    """A ThreadingHTTPServer on 127.0.0.1:``self.port`` serving ``handler`` on a daemon
    thread; ``wrap`` (an SSL context) makes it HTTPS."""

    def _serve(self, handler, wrap=None):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.server.fake = self
        if wrap is not None:
            self.server.socket = wrap.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class _InternalHandler(QuietHandler):
    def do_POST(self):
        self.fake.requests += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(500)
        self.send_header("Content-Length", str(len(self.fake.BODY)))
        self.end_headers()
        self.wfile.write(self.fake.BODY)

    do_GET = do_POST


class InternalServer(HTTPFake):
    """Plain HTTP on 127.0.0.1, standing in for an internal service a forged webhook would
    reach: it counts every request and answers with a body that must never be stored."""

    BODY = b'{"internal": "root:x:0:0 secret-internal-answer"}'

    def __init__(self):
        self.port = free_port()
        self.requests = 0
        self._serve(_InternalHandler)
