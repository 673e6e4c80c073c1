"""OpenID Connect with the municipality's provider (Entra ID, AD FS) via mozilla-django-oidc.

mozilla-django-oidc does the protocol (authorization code flow with PKCE, ``state`` and
``nonce`` in the session, the token request, the JWKS lookup); this module adds what it
leaves to the project:

- **Discovery.** The endpoints come from the provider's discovery document, fetched
  lazily and cached. The library reads its endpoint settings in ``__init__``, and Django
  instantiates the backend on *every* request of a signed-in user (``get_user``), so
  endpoints here are properties: a signed-in colleague never waits for the provider, and
  keeps working while it is down.
- **Full ID token validation.** The library checks signature, ``exp`` and ``nonce`` but
  not ``aud`` or ``iss``; here all of them are required and checked.
- **Claims.** ID token claims (Entra's app ``roles`` are only there) merged with userinfo;
  users are found by issuer + ``sub`` and created just in time (sso.services).
"""

import json
import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from sso import services
from sso.selectors import oidc_configured

logger = logging.getLogger(__name__)

DISCOVERY_CACHE_KEY = "sso:oidc:discovery"
REACHABLE_CACHE_KEY = "sso:oidc:reachable"
# A discovery document is a few KB; anything far larger is not one.
DISCOVERY_MAX_BYTES = 256 * 1024
DISCOVERY_KEEP_SECONDS = 3600


class ProviderUnreachable(Exception):
    """The provider's discovery document could not be fetched (in time) or is not one."""


def discovery_fetch() -> dict:
    """Fetch the discovery document within OIDC_DISCOVERY_TIMEOUT_SECONDS (≤ 3 s) in all.

    Connect and each read get a third of the budget and the body is read against the
    deadline, so neither a black-holed address nor a server that drips bytes holds the
    login page longer than that.
    """
    budget = settings.OIDC_DISCOVERY_TIMEOUT_SECONDS
    deadline = time.monotonic() + budget * 2 / 3
    try:
        with requests.get(
            settings.OIDC_DISCOVERY_URL,
            timeout=(budget / 3, budget / 3),
            stream=True,
            headers={"Accept": "application/json"},
        ) as response:
            response.raise_for_status()
            body = b""
            for chunk in response.iter_content(8192):
                body += chunk
                if len(body) > DISCOVERY_MAX_BYTES or time.monotonic() > deadline:
                    raise ProviderUnreachable("discovery document too large or too slow")
        document = json.loads(body)
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnreachable(f"{exc.__class__.__name__}: {exc}") from exc
    required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or not all(document.get(k) for k in required):
        raise ProviderUnreachable("not a discovery document")
    if settings.OIDC_ISSUER and document["issuer"] != settings.OIDC_ISSUER:
        raise ProviderUnreachable("the discovery document names another issuer")
    cache.set(DISCOVERY_CACHE_KEY, document, DISCOVERY_KEEP_SECONDS)
    return document


def discovery() -> dict:
    """The provider's endpoints: the cached document, else a fresh fetch (may raise)."""
    return cache.get(DISCOVERY_CACHE_KEY) or discovery_fetch()


def provider_reachable() -> bool:
    """Does the provider answer now? Asked by the login page; the answer is kept for
    OIDC_PROBE_CACHE_SECONDS so a provider that is down costs one wait, not one a visit."""
    reachable = cache.get(REACHABLE_CACHE_KEY)
    if reachable is None:
        try:
            discovery_fetch()
            reachable = True
        except ProviderUnreachable as exc:
            logger.warning("OpenID Connect provider does not answer: %s", exc)
            reachable = False
        cache.set(REACHABLE_CACHE_KEY, reachable, settings.OIDC_PROBE_CACHE_SECONDS)
    return reachable


def _as_list(value) -> list[str]:
    # AD FS sends one group as a string and several as a list.
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value][:500]


class OIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # Not the library's __init__: it would read (here: fetch) the endpoints on every
        # request of every signed-in user.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return discovery()["token_endpoint"]

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return discovery().get("userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return discovery()["jwks_uri"]

    def authenticate(self, request, **kwargs):
        if not oidc_configured():
            return None
        return super().authenticate(request, **kwargs)

    def _verify_jws(self, payload, key):
        """Signature, algorithm, ``exp``/``iat`` (with a small skew), ``aud`` and ``iss``."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation("ID token is not a JWT") from exc
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(f"ID token algorithm {header.get('alg')!r} refused")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER or discovery()["issuer"],
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc.__class__.__name__}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("ID token for several audiences without our azp")
        return claims

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except (KeyError, jwt.PyJWTError) as exc:
            raise SuspiciousOperation("no matching key in the provider's JWKS") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint where there is one."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            info = super().get_userinfo(access_token, id_token, payload)
            if info.get("sub") != payload.get("sub"):
                raise SuspiciousOperation("userinfo is about another subject")
            claims.update({k: v for k, v in info.items() if v not in (None, "")})
        return claims

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SuspiciousOperation("no subject in the claims")
        return services.sso_user_sync(
            issuer=payload["iss"],
            subject=str(claims["sub"]),
            username=str(claims.get(settings.OIDC_CLAIM_USERNAME) or claims["sub"]),
            email=str(claims.get(settings.OIDC_CLAIM_EMAIL) or ""),
            first_name=str(claims.get(settings.OIDC_CLAIM_GIVEN_NAME) or ""),
            last_name=str(claims.get(settings.OIDC_CLAIM_FAMILY_NAME) or ""),
            groups=_as_list(claims.get(settings.OIDC_CLAIM_GROUPS)),
        )

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def _failed(request, text):
    messages.error(request, text)
    return redirect(settings.LOGIN_URL)


@method_decorator(login_not_required, name="dispatch")
class OIDCLoginView(OIDCAuthenticationRequestView):
    """Off to the provider (state, nonce and PKCE verifier kept in the session)."""

    def __init__(self, *args, **kwargs):
        # The library reads the endpoint here; ours comes from discovery, in get().
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not oidc_configured():
            return redirect(settings.LOGIN_URL)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = discovery()["authorization_endpoint"]
        except ProviderUnreachable:
            cache.set(REACHABLE_CACHE_KEY, False, settings.OIDC_PROBE_CACHE_SECONDS)
            return _failed(request, _("Kommunens login svarer ikke lige nu. Brug nødadgang."))
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """Back from the provider: a wrong ``state``, a refused token or an unreachable
    provider ends on the login page with a message, and nobody is signed in."""

    def get(self, request):
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            logger.warning("OpenID Connect login refused: %s", exc)
        except (requests.RequestException, ProviderUnreachable) as exc:
            logger.warning("OpenID Connect provider failed during login: %s", exc)
        return self.login_failure()

    def login_failure(self):
        return _failed(self.request, _("Login med kommunens konto mislykkedes. Prøv igen."))
