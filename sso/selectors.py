"""Reads about sign-in: is single sign-on on, may this account use a password, who is told."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q

from core.roles import COORDINATOR
from sso.models import AccountProfile


def oidc_configured() -> bool:
    return bool(settings.OIDC_DISCOVERY_URL and settings.OIDC_RP_CLIENT_ID)


def saml_configured() -> bool:
    """SAML (KOMBIT Context Handler) is on once the IdP's metadata is given (sso/saml.py)."""
    return bool(settings.SAML_IDP_METADATA_FILE or settings.SAML_IDP_METADATA_URL)


def sso_configured() -> bool:
    """Single sign-on is set up: password logins become emergency logins."""
    return oidc_configured() or saml_configured()


def is_emergency_account(user) -> bool:
    return AccountProfile.objects.filter(user=user, is_emergency=True).exists()


def password_login_allowed(user) -> bool:
    """Without SSO everyone; with SSO only emergency accounts and superusers."""
    return not sso_configured() or user.is_superuser or is_emergency_account(user)


def emergency_recipients() -> list[dict]:
    """The administrators and Koordinatorer, with the addresses they can be told at:
    ``[{"user": user, "email": "…", "phone": "+45…"}]`` (either may be empty)."""
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=COORDINATOR))
        .select_related("sso_profile")
        .distinct()
        .order_by("pk")
    )
    result = []
    for user in users:
        profile = getattr(user, "sso_profile", None)
        phone = profile.phone if profile else ""
        if user.email or phone:
            result.append({"user": user, "email": user.email, "phone": phone})
    return result
