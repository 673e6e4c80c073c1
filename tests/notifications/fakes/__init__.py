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

from tests.notifications.fakes.base import HTTPFake, InternalServer, free_port
from tests.notifications.fakes.gatewayapi import (
    ALLOWED_FIELDS,
    GSM7,
    GSM7_EXT,
    MSISDN,
    SENDER,
    GatewayAPIServer,
    validate_mtsms,
)
from tests.notifications.fakes.smtp import RecordingHandler, SMTPServer, html_body, text_body
from tests.notifications.fakes.teams import (
    CARD_SCHEMA,
    CARD_VALIDATOR,
    TEAMS_MAX_BYTES,
    TeamsWorkflowServer,
    validate_teams_message,
)

__all__ = [
    "ALLOWED_FIELDS",
    "CARD_SCHEMA",
    "CARD_VALIDATOR",
    "GSM7",
    "GSM7_EXT",
    "MSISDN",
    "SENDER",
    "TEAMS_MAX_BYTES",
    "GatewayAPIServer",
    "HTTPFake",
    "InternalServer",
    "RecordingHandler",
    "SMTPServer",
    "TeamsWorkflowServer",
    "free_port",
    "html_body",
    "text_body",
    "validate_mtsms",
    "validate_teams_message",
]
