"""The OpenID Connect backend against a real provider (tests/sso/conftest.py): its
discovery document and JWKS are fetched over HTTP; tokens signed with the provider's own
key pass only when every claim is right."""

import time

import jwt
import pytest
from django.core.exceptions import SuspiciousOperation

from sso import oidc
from tests.sso.conftest import CLIENT_ID, KID, pem, rsa_key

pytestmark = pytest.mark.django_db


def _token(provider, *, key=None, kid=KID, **overrides):
    now = int(time.time())
    claims = {
        "iss": provider.issuer,
        "sub": "fiktiv.person",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "nonce": "n-123",
        **overrides,
    }
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, pem(key or provider.key), algorithm="RS256", headers={"kid": kid})


def test_a_token_signed_by_the_provider_with_the_right_claims_is_accepted(
    oidc_settings, oidc_provider
):
    payload = oidc.OIDCBackend().verify_token(_token(oidc_provider), nonce="n-123")
    assert payload["sub"] == "fiktiv.person"


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(
            {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, id="expired"
        ),
        pytest.param({"aud": "another-app"}, id="wrong-audience"),
        pytest.param({"iss": "http://127.0.0.1:1"}, id="wrong-issuer"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"aud": [CLIENT_ID, "another-app"]}, id="several-audiences-no-azp"),
    ],
)
def test_a_token_with_a_wrong_claim_is_refused(oidc_settings, oidc_provider, overrides):
    with pytest.raises(SuspiciousOperation):
        oidc.OIDCBackend().verify_token(_token(oidc_provider, **overrides), nonce="n-123")


def test_a_forged_token_is_refused(oidc_settings, oidc_provider):
    """Signed with another key under the provider's key id: the JWKS key does not fit."""
    forged = _token(oidc_provider, key=rsa_key())
    with pytest.raises(SuspiciousOperation):
        oidc.OIDCBackend().verify_token(forged, nonce="n-123")


def test_a_token_with_an_unknown_key_id_or_alg_none_is_refused(oidc_settings, oidc_provider):
    with pytest.raises(SuspiciousOperation):
        oidc.OIDCBackend().verify_token(_token(oidc_provider, kid="other"), nonce="n-123")
    unsigned = jwt.encode({"iss": oidc_provider.issuer, "sub": "x", "aud": CLIENT_ID}, None, "none")
    with pytest.raises(SuspiciousOperation):
        oidc.OIDCBackend().verify_token(unsigned, nonce="n-123")


def test_a_replayed_nonce_is_refused(oidc_settings, oidc_provider):
    with pytest.raises(SuspiciousOperation):
        oidc.OIDCBackend().verify_token(_token(oidc_provider), nonce="another-nonce")


def test_the_probe_sees_the_provider_and_its_outage(oidc_settings, oidc_provider):
    oidc_settings.OIDC_PROBE_CACHE_SECONDS = 0
    assert oidc.provider_reachable() is True
    oidc_provider.stop()
    started = time.monotonic()
    assert oidc.provider_reachable() is False
    assert time.monotonic() - started < 3.0


def test_a_provider_that_never_answers_is_given_up_within_three_seconds(settings, hanging_server):
    settings.OIDC_DISCOVERY_URL = f"http://127.0.0.1:{hanging_server.port}/.well-known/x"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_DISCOVERY_TIMEOUT_SECONDS = 3.0
    started = time.monotonic()
    assert oidc.provider_reachable() is False
    elapsed = time.monotonic() - started
    assert 0.5 < elapsed <= 3.2, elapsed


def test_a_signed_in_user_is_loaded_without_asking_the_provider(
    oidc_settings, oidc_provider, django_user_model
):
    """Django builds the backend on every request of a signed-in user: it must not need
    the provider, or nobody could work while it is down."""
    user = django_user_model.objects.create_user("fiktiv.medarbejder")
    oidc_provider.stop()
    started = time.monotonic()
    assert oidc.OIDCBackend().get_user(user.pk) == user
    assert time.monotonic() - started < 0.5
    user.is_active = False
    user.save()
    assert oidc.OIDCBackend().get_user(user.pk) is None
