"""GatewayAPI's webhook for incoming SMS (MO). Public, but nothing is read before the
signature is checked; the answer to a valid message is always 200, so the provider does
not retry what we have recorded (the sender gets our reply by SMS)."""

import json
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from smsin.services import inbound_sms_receive
from smsin.signature import HEADER, BadSignature, signature_verify

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 8192
MAX_TEXT_CHARS = 2000


@csrf_exempt  # a server-to-server call, authenticated by its signature instead
@login_not_required
@require_POST
def gatewayapi_incoming(request):
    if len(request.body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "too large"}, status=413)
    try:
        body = json.loads(request.body.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError
    except (ValueError, UnicodeError):
        return JsonResponse({"error": "invalid JSON"}, status=400)
    try:
        signature_verify(
            token=request.headers.get(HEADER, ""),
            secret=settings.GATEWAYAPI_WEBHOOK_SECRET,
            body=body,
        )
    except BadSignature as exc:
        logger.warning("GatewayAPI webhook refused: %s", exc)
        return JsonResponse({"error": "invalid signature"}, status=403)
    message_id, msisdn, text = body.get("id"), body.get("msisdn"), body.get("message")
    if message_id in (None, "") or not str(msisdn or "").isdigit() or not isinstance(text, str):
        return JsonResponse({"error": "id, msisdn and message are required"}, status=400)
    sms = inbound_sms_receive(
        provider_message_id=str(message_id), msisdn=str(msisdn), text=text[:MAX_TEXT_CHARS]
    )
    return JsonResponse({"outcome": sms.outcome})
