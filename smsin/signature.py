"""GatewayAPI's webhook signature: a JWT, HS256 with the webhook's shared secret, in the
``X-Gwapi-Signature`` header. Its claims are the message it was made for; the body's id
must be the signed one, so a captured header cannot vouch for another message."""

import jwt

HEADER = "X-Gwapi-Signature"
MAX_TOKEN_CHARS = 8192


class BadSignature(Exception):
    pass


def signature_verify(*, token: str, secret: str, body: dict) -> dict:
    if not secret:
        raise BadSignature("no webhook secret configured")
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise BadSignature("missing signature")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False})
    except jwt.PyJWTError as exc:
        raise BadSignature(exc.__class__.__name__) from exc
    if str(claims.get("id")) != str(body.get("id")):
        raise BadSignature("signed for another message")
    return claims
