"""The delivery channels behind one interface: ``channel_for(name).send(...)``.

A channel either returns the provider's reference or raises ``PermanentFailure`` (this
address will not work: use the recipient's next channel) or ``TemporaryFailure`` (try
the same channel again later).
"""

import json
import logging
import re
import smtplib
import sys

import requests
from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string

from core.formatting import InvalidPhoneNumber, phone_normalise
from notifications.content import sms_units
from notifications.models import Channel
from notifications.teams import teams_fallback_card, teams_message
from notifications.webhooks import WebhookRefused, WebhookUnreachable, webhook_post

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    permanent = False

    def __init__(self, message: str = "", *, error_class: str = ""):
        super().__init__(message)
        # What kind of error (e.g. "BadHeaderError", "SMTP 550"): logged with the failure.
        self.error_class = error_class or self.__class__.__name__


class PermanentFailure(DeliveryError):
    permanent = True


class TemporaryFailure(DeliveryError):
    permanent = False


# Raised while building a message from its content: no retry makes them go away.
PERMANENT_EXCEPTIONS = (BadHeaderError, ValueError, TypeError, UnicodeError, LookupError)


def delivery_error_for(exc: Exception) -> DeliveryError:
    """Classify what a channel raised: a DeliveryError says so itself; an unexpected
    error is permanent when it comes from the content (a newline in a header, a bad
    address) and temporary otherwise (a network or library hiccup)."""
    if isinstance(exc, DeliveryError):
        return exc
    name = exc.__class__.__name__
    cls = PermanentFailure if isinstance(exc, PERMANENT_EXCEPTIONS) else TemporaryFailure
    return cls(f"Uventet fejl: {name}: {exc}", error_class=name)


# --- E-mail -------------------------------------------------------------------------------


def _smtp_failure(exc: Exception) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        detail = "; ".join(
            f"{code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
        cls = PermanentFailure if codes and all(c >= 500 for c in codes) else TemporaryFailure
        code = max(codes) if codes else ""
        return cls(f"SMTP afviste modtageren: {detail}", error_class=f"SMTP {code}".strip())
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error
        msg = msg.decode(errors="replace") if isinstance(msg, bytes) else str(msg)
        cls = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
        return cls(f"SMTP-fejl {exc.smtp_code}: {msg}", error_class=f"SMTP {exc.smtp_code}")
    return TemporaryFailure(
        f"SMTP-serveren svarer ikke: {exc.__class__.__name__}: {exc}",
        error_class=exc.__class__.__name__,
    )


def message_id_for(reference: str) -> str:
    # The same Message-ID on every attempt lets mail clients fold a rare duplicate.
    return f"<{re.sub(r'[^A-Za-z0-9.-]', '.', reference)}@aktionskort>"


class EmailChannel:
    name = Channel.EMAIL

    def send(
        self, *, update, address: str, reference: str, connection=None, on_accepted=None
    ) -> str:
        """Send one mail. ``on_accepted(message_id)`` runs right after the server's 250,
        before the QUIT round trip: the delivery confirms there, which narrows the
        window in which a crash leaves an accepted mail unconfirmed."""
        connection = connection or get_connection(fail_silently=False)
        message_id = message_id_for(reference)
        message = EmailMultiAlternatives(
            subject=update.subject,
            body=update.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers={"Message-ID": message_id, "X-Aktionskort-Key": reference},
            connection=connection,
        )
        message.attach_alternative(update.body_html, "text/html")
        opened = False
        try:
            # Opened here, so send_messages() leaves the connection open after the 250.
            opened = bool(connection.open()) if hasattr(connection, "open") else False
            message.send(fail_silently=False)
        except BadHeaderError as exc:
            # A newline or control character in a header: the same on every attempt.
            raise PermanentFailure(
                f"Ugyldig e-mail-header: {exc}", error_class="BadHeaderError"
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise _smtp_failure(exc) from exc
        finally:
            if on_accepted is None and opened:
                self._close(connection)
        if on_accepted is not None:
            try:
                on_accepted(message_id)
            finally:
                if opened:
                    self._close(connection)
        return message_id

    @staticmethod
    def _close(connection):
        # The mail is accepted; a failing QUIT changes nothing about it.
        try:
            connection.close()
        except Exception:
            logger.info("SMTP QUIT failed after an accepted mail", exc_info=True)


# --- SMS ------------------------------------------------------------------------------------

MSISDN = re.compile(r"^[1-9]\d{7,14}$")


def msisdn_for(phone: str) -> str:
    """A phone number as an MSISDN: country code and number, digits only (4512345678).

    Read the way every number is read (``core.formatting``: a bare 8-digit number is Danish).
    """
    try:
        digits = phone_normalise(phone).removeprefix("+")
    except InvalidPhoneNumber:
        digits = ""
    if not MSISDN.match(digits):
        raise PermanentFailure(f"Ugyldigt mobilnummer: {phone!r}")
    return digits


class GatewayAPISMSBackend:
    """GatewayAPI's REST API: POST /rest/mtsms, API token as Basic-auth username."""

    def send(self, *, msisdn: str, text: str, reference: str) -> str:
        encoding, _units = sms_units(text)
        body = {
            "sender": settings.SMS_SENDER,
            "message": text,
            "recipients": [{"msisdn": int(msisdn)}],
            "userref": reference,
        }
        if encoding == "UCS2":
            body["encoding"] = "UCS2"
        try:
            response = requests.post(
                settings.GATEWAYAPI_URL,
                json=body,
                auth=(settings.GATEWAYAPI_TOKEN, ""),
                headers={"Accept": "application/json"},
                timeout=settings.SMS_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise TemporaryFailure(f"SMS-gatewayen svarer ikke: {exc.__class__.__name__}") from exc
        if response.status_code == 200:
            ids = response.json().get("ids") or []
            return str(ids[0]) if ids else ""
        try:
            detail = response.json().get("message", "")
        except ValueError:
            detail = response.text[:200]
        error = f"SMS-gatewayen svarede {response.status_code}: {detail}"
        error_class = f"GatewayAPI {response.status_code}"
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise PermanentFailure(error, error_class=error_class)
        raise TemporaryFailure(error, error_class=error_class)


class ConsoleSMSBackend:
    """For `make run`: the SMS is printed by the worker instead of sent."""

    stream = sys.stdout

    def send(self, *, msisdn: str, text: str, reference: str) -> str:
        self.stream.write(f"--- SMS til +{msisdn} ({reference}) ---\n{text}\n---\n")
        self.stream.flush()
        return f"console:{reference}"


class FileSMSBackend:
    """Appends each SMS as a JSON line to var/sms.jsonl."""

    def send(self, *, msisdn: str, text: str, reference: str) -> str:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        line = {"at": timezone.now().isoformat(), "msisdn": msisdn, "text": text, "ref": reference}
        with open(settings.VAR_DIR / "sms.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
        return f"file:{reference}"


class SMSChannel:
    name = Channel.SMS

    def send(self, *, update, address: str, reference: str) -> str:
        backend = import_string(settings.SMS_BACKEND)()
        return backend.send(msisdn=msisdn_for(address), text=update.sms_text, reference=reference)


# --- Webhook (Microsoft Teams Workflows) ------------------------------------------------------


class WebhookChannel:
    """Posts the update's Adaptive Card to a Teams Workflows webhook.

    Only the status code is kept: the response body is never read (notifications.webhooks),
    and the error text names the status or a short class of failure, never the address
    (its query holds the webhook's secret).
    """

    name = Channel.WEBHOOK

    def send(self, *, update, address: str, reference: str) -> str:
        card = update.teams_card or teams_fallback_card(
            subject=update.subject, text=update.body_text
        )
        try:
            status = webhook_post(url=address, payload=teams_message(card))
        except WebhookRefused as exc:
            raise PermanentFailure(f"Webhooken afvist: {exc}") from exc
        except WebhookUnreachable as exc:
            raise TemporaryFailure(f"Webhooken svarer ikke: {exc}") from exc
        except Exception as exc:
            # Whatever else went wrong, only its class: an exception's text can carry the
            # address with its secret.
            raise TemporaryFailure(f"Webhooken fejlede: {exc.__class__.__name__}") from exc
        if 200 <= status < 300:
            return f"http-{status}"
        if 300 <= status < 400:
            raise PermanentFailure(f"Webhooken svarede {status} (omdirigering følges ikke)")
        error = f"Webhooken svarede {status}"
        if 400 <= status < 500 and status not in (408, 429):
            raise PermanentFailure(error)
        raise TemporaryFailure(error)


CHANNELS = {c.name: c for c in (EmailChannel(), SMSChannel(), WebhookChannel())}


def channel_for(name: str):
    return CHANNELS[name]
