"""API tokens for integrations: created with the raw value shown once, checked by digest."""

import secrets

from django.utils import timezone

from incidents.models import IntegrationToken, token_digest


def integration_token_create(
    *, name: str, user=None, card=None, incident=None
) -> tuple[IntegrationToken, str]:
    """A new API token, optionally scoped to a card's incidents or one incident; the raw
    value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = IntegrationToken.objects.create(
        name=name,
        prefix=raw[:8],
        token_hash=token_digest(raw),
        created_by=user,
        card=card,
        incident=incident,
    )
    return token, raw


def integration_token_check(*, raw: str) -> IntegrationToken | None:
    token = IntegrationToken.objects.filter(token_hash=token_digest(raw), is_active=True).first()
    if token is not None:
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token
