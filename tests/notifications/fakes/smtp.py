"""An SMTP server in the test process (aiosmtpd) that records what it accepts."""

import asyncio
import email
import email.policy
import threading
import time

from aiosmtpd.controller import Controller

from tests.notifications.fakes.base import free_port


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
