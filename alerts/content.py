"""What an alert says on each channel, and its acknowledgement link. Always Danish: the
recipients' language is the organisation's, not the sender's UI language."""

import base64
import hashlib
import hmac

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape

from notifications.content import sms_fit

EXERCISE_PREFIX = "ØVELSE: "


def ack_token(*, alert_id: int, user_id: int) -> str:
    """The one-time token of a recipient's link: derived from the secret key, so a re-send
    carries the same link and the database holds only its hash."""
    mac = hmac.new(
        settings.SECRET_KEY.encode(), f"alert-ack:{alert_id}:{user_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac[:16]).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ack_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("alerts:ack", args=[token])


def _prefix(incident) -> str:
    return EXERCISE_PREFIX if incident.is_exercise else ""


# Typographic marks outside GSM 03.38 would make the whole SMS UCS-2 (67 characters a part
# instead of 153): plain ones say the same.
GSM_PLAIN = str.maketrans(
    {"—": "-", "–": "-", "“": '"', "”": '"', "„": '"', "»": '"', "«": '"', "’": "'", "‘": "'",
     "…": "..."}
)  # fmt: skip


def sms_plain(text: str) -> str:
    return text.translate(GSM_PLAIN)


def alert_sms_text(*, alert, incident, link: str) -> str:
    """Fits in two parts: the alert's text is cut if needed, the link never."""
    body = sms_plain(f"{_prefix(incident)}{incident.title}: {alert.text}")
    return sms_fit(body, f"Kvittér: {link} eller svar OK")


class AlertEmail:
    """The e-mail channel reads ``subject``, ``body_text`` and ``body_html``."""

    def __init__(self, *, alert, incident, link: str):
        self.subject = f"{_prefix(incident)}Alarm: {incident.title}"[:200]
        self.body_text = (
            f"{_prefix(incident)}{alert.text}\n\n"
            f"Kvittér for at du har set beskeden: {link}\n"
            f"(eller svar OK på SMS'en).\n\nHændelse #{incident.pk}: {incident.title}\n"
        )
        self.body_html = (
            f"<p><strong>{escape(_prefix(incident))}{escape(alert.text)}</strong></p>"
            f'<p><a href="{escape(link)}">Kvittér for at du har set beskeden</a></p>'
            f"<p>Hændelse #{incident.pk}: {escape(incident.title)}</p>"
        )


class SMSText:
    """The SMS channel reads ``sms_text``."""

    def __init__(self, text: str):
        self.sms_text = text


def alert_push_payload(*, alert, incident, link: str) -> dict:
    return {
        "title": f"{_prefix(incident)}{incident.title}"[:120],
        "body": alert.text,
        "url": link,
        "tag": f"alert-{alert.pk}",
    }
