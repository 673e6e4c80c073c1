"""SAML 2.0 sign-in (KOMBIT's Context Handler) on djangosaml2/pysaml2: configuration and users.

The service provider's pysaml2 configuration is built from the ``SAML_*`` settings
(config/settings.py), not written by hand, so the security choices live in one place and
cannot be switched off by the environment: assertions must be signed, the audience must be
our entity id, the recipient our ACS, unsolicited responses are refused, and each assertion
id is accepted once (``assertion_first_use``).
"""

import base64
import binascii
import datetime as dt
import threading
import time

import saml2
from defusedxml import ElementTree
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from djangosaml2.backends import Saml2Backend
from saml2.config import SPConfig

from sso.models import SeenAssertion
from sso.roles import user_roles_sync
from sso.selectors import saml_configured

# The metadata from a URL is fetched again after this long (Context Handler rotates its
# certificate with a notice period of weeks, so an hour is plenty).
_CONFIG_TTL_SECONDS = 3600
_config_lock = threading.Lock()
_config_cache: dict = {}


def saml_enabled() -> bool:
    return saml_configured()


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _metadata() -> dict:
    if settings.SAML_IDP_METADATA_FILE:
        return {"local": [settings.SAML_IDP_METADATA_FILE]}
    remote = {"url": settings.SAML_IDP_METADATA_URL}
    if settings.SAML_IDP_METADATA_CERT_FILE:
        remote["cert"] = settings.SAML_IDP_METADATA_CERT_FILE
    return {"remote": [remote]}


def sp_config_dict() -> dict:
    """The pysaml2 SP configuration from the settings (see the README, "SAML")."""
    acs = _absolute(reverse("saml2_acs"))
    keypair = {"key_file": settings.SAML_SP_KEY_FILE, "cert_file": settings.SAML_SP_CERT_FILE}
    return {
        "entityid": settings.SAML_SP_ENTITY_ID,
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "metadata": _metadata(),
        "key_file": settings.SAML_SP_KEY_FILE,
        "cert_file": settings.SAML_SP_CERT_FILE,
        # Context Handler encrypts assertions to the SP's certificate.
        "encryption_keypairs": [keypair],
        "allow_unknown_attributes": True,
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        "service": {
            "sp": {
                "name": "Aktionskort",
                "endpoints": {"assertion_consumer_service": [(acs, saml2.BINDING_HTTP_POST)]},
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": settings.SAML_WANT_RESPONSE_SIGNED,
                "allow_unsolicited": False,
                "name_id_format": saml2.saml.NAMEID_FORMAT_PERSISTENT,
                "name_id_format_allow_create": False,
            }
        },
    }


def sp_config(request=None) -> SPConfig:
    """djangosaml2's ``SAML_CONFIG_LOADER``: the parsed configuration, kept for an hour.

    Parsing the metadata (and fetching it, for a URL) on every request would cost a
    round trip to KOMBIT per login; the key includes every setting it is built from, so a
    changed setting (or a test's override) is picked up at once.
    """
    if not saml_enabled():
        raise Http404("SAML er ikke sat op")
    config = sp_config_dict()
    key = repr(sorted(config.items()))
    with _config_lock:
        cached = _config_cache.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        conf = SPConfig()
        conf.load(config)
        _config_cache.clear()
        _config_cache[key] = (time.monotonic() + _CONFIG_TTL_SECONDS, conf)
        return conf


def attribute_mapping() -> dict:
    """SAML attribute name → the user fields it fills (djangosaml2's format)."""
    mapping = {
        settings.SAML_ATTR_USERNAME: ("username",),
        settings.SAML_ATTR_FIRST_NAME: ("first_name",),
        settings.SAML_ATTR_LAST_NAME: ("last_name",),
        settings.SAML_ATTR_EMAIL: ("email",),
    }
    return {name: fields for name, fields in mapping.items() if name}


def privileges_from_values(values) -> list[str]:
    """Job-function roles from the roles attribute's values.

    Context Handler sends OIOSAML's basic privilege profile: one value, base64 of an XML
    ``PrivilegeList`` whose ``Privilege`` elements are the role URIs. Other IdPs send one
    plain value per role. Both are understood; anything unreadable gives no roles.
    """
    roles = []
    for value in values or ():
        text = str(value).strip()
        decoded = _decode_privilege_list(text)
        roles.extend(decoded if decoded is not None else [text])
    return [r for r in roles if r][: settings.SAML_MAX_ROLES]


def _decode_privilege_list(text: str) -> list[str] | None:
    if text.startswith(("http://", "https://", "urn:")) or len(text) > 100_000:
        return None
    try:
        xml = base64.b64decode(text, validate=True)
        root = ElementTree.fromstring(xml)
    except (binascii.Error, ValueError, ElementTree.ParseError):
        return None
    if not root.tag.endswith("PrivilegeList"):
        return None
    return [(el.text or "").strip() for el in root.iter() if el.tag.endswith("Privilege")]


class SamlBackend(Saml2Backend):
    """Just-in-time users from the assertion; roles re-evaluated at every login."""

    def _update_user(self, user, attributes, attribute_mapping, force_save=False):
        user = super()._update_user(user, attributes, attribute_mapping, force_save=force_save)
        groups = privileges_from_values(attributes.get(settings.SAML_ATTR_ROLES))
        user_roles_sync(user=user, groups=groups)
        return user

    def get_or_create_user(self, *args, **kwargs):
        user, created = super().get_or_create_user(*args, **kwargs)
        # Break-glass and admin accounts are local (they have a password): an assertion
        # naming one must not log into it or change its roles.
        if user is not None and not created and user.has_usable_password():
            return None, False
        return user, created


def assertion_first_use(*, assertion_id: str, not_on_or_after: dt.datetime) -> bool:
    """Record ``assertion_id`` as used; False if it was used before (a replay).

    Kept in the database, not the cache: a replay must be refused even when Redis is down
    or a second gunicorn worker answers. Rows past their lifetime (plus the clock skew)
    are deleted here, so the table holds only the assertions of the last few minutes.
    """
    now = timezone.now()
    SeenAssertion.objects.filter(expires_at__lt=now).delete()
    skew = dt.timedelta(seconds=settings.SAML_CLOCK_SKEW_SECONDS)
    try:
        with transaction.atomic():
            SeenAssertion.objects.create(
                assertion_id=assertion_id[:256], expires_at=max(not_on_or_after, now) + skew
            )
    except IntegrityError:
        return False
    return True
