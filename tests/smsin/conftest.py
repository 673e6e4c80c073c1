"""Fixtures for SMS in: senders who are known people with a role, and signed posts."""

import jwt
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from core.roles import EDITOR, STAFF
from tests.contacts.factories import PersonFactory
from tests.factories import UserFactory
from tests.notifications.fakes import GatewayAPIServer

SECRET = GatewayAPIServer.webhook_secret


def sender_create(role=STAFF, *, n):
    """A user with ``role`` and the contact person (same e-mail) whose phone is 0000 n."""
    user = UserFactory(email=f"sms-afsender{n}@example.invalid")
    if role:
        user.groups.add(Group.objects.get(name=role))
    PersonFactory(email=user.email, phone=f"0000{n:04d}")
    user.msisdn = f"450000{n:04d}"
    return user


@pytest.fixture
def sender(db):
    return sender_create(n=1001)


@pytest.fixture
def editor_sender(db):
    return sender_create(EDITOR, n=1002)


@pytest.fixture
def smsin_settings(settings):
    settings.GATEWAYAPI_WEBHOOK_SECRET = SECRET
    settings.SMSIN_RATE_LIMIT = 10
    settings.SMSIN_RATE_WINDOW_SECONDS = 60
    return settings


class Provider:
    """Posts as GatewayAPI through the test client (the live tests use the fake server)."""

    def __init__(self, client):
        self.client = client
        self.next_id = 900000

    def post(self, msisdn, message, *, message_id=None, secret=SECRET, signature=None):
        self.next_id += 1
        body = {"id": message_id or self.next_id, "msisdn": int(msisdn), "receiver": 4500009999,
                "message": message, "senttime": 1764590000}  # fmt: skip
        if signature is None:
            signature = jwt.encode(body, secret, algorithm="HS256")
        return self.client.post(
            reverse("smsin:gatewayapi"), body, content_type="application/json",
            headers={"X-Gwapi-Signature": signature},
        )  # fmt: skip


@pytest.fixture
def provider(client, smsin_settings):
    return Provider(client)
