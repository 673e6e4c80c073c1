"""Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads (RFC 8291), through
pywebpush. Raises the outbox's PermanentFailure / TemporaryFailure like every channel."""

import json

import requests
from django.conf import settings
from py_vapid import Vapid

from notifications.channels import PermanentFailure, TemporaryFailure

# 404/410: the browser dropped the subscription; the row is deactivated.
GONE = (404, 410)


class SubscriptionGone(PermanentFailure):
    pass


def push_send(*, endpoint: str, p256dh: str, auth: str, payload: dict) -> str:
    if not settings.VAPID_PRIVATE_KEY:
        raise PermanentFailure("Web Push er ikke sat op (VAPID_PRIVATE_KEY mangler)")
    # Imported when a push is sent: pywebpush brings aiohttp (~80 ms, several MB), which
    # every worker would otherwise carry, also those rendering reports.
    from pywebpush import WebPushException, webpush

    try:
        response = webpush(
            subscription_info={"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}},
            data=json.dumps(payload, ensure_ascii=False),
            vapid_private_key=Vapid.from_string(settings.VAPID_PRIVATE_KEY),
            # A new dict each time: pywebpush writes aud and exp into it.
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=settings.ALERTS_PUSH_TTL_SECONDS,
            timeout=settings.ALERTS_PUSH_TIMEOUT,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        error = f"Push-tjenesten svarede {status}"
        if status in GONE:
            raise SubscriptionGone(error, error_class=f"Push {status}") from exc
        if status and 400 <= status < 500 and status not in (408, 429):
            raise PermanentFailure(error, error_class=f"Push {status}") from exc
        raise TemporaryFailure(error, error_class=f"Push {status}") from exc
    except requests.RequestException as exc:
        raise TemporaryFailure(
            f"Push-tjenesten svarer ikke: {exc.__class__.__name__}", error_class="Push"
        ) from exc
    return response.headers.get("Location", "")[:200] or f"http-{response.status_code}"
