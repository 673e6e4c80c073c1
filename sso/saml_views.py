"""The SAML endpoints: djangosaml2's views with our checks, failure page and switch.

All three answer 404 while SAML is not set up (no IdP metadata in the settings), so
`make run` without SAML shows nothing of it.
"""

import datetime as dt
import logging

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from djangosaml2 import views as saml_views
from saml2.response import SignatureError, UnsolicitedResponse
from saml2.validate import ResponseLifetimeExceed, ToEarly

from sso.saml import assertion_first_use, attribute_mapping, saml_enabled
from sso.saml import sp_config as _sp_config

logger = logging.getLogger(__name__)


class _Enabled:
    config_loader_path = staticmethod(_sp_config)

    def dispatch(self, request, *args, **kwargs):
        if not saml_enabled():
            raise Http404("SAML er ikke sat op")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(login_not_required, name="dispatch")
class SamlLoginView(_Enabled, saml_views.LoginView):
    """Sends the browser to the IdP with a signed AuthnRequest (HTTP-Redirect binding)."""


@method_decorator(login_not_required, name="dispatch")
class SamlMetadataView(_Enabled, saml_views.MetadataView):
    """The SP metadata KOMBIT's administration module is given: a stable URL."""


def _reason(exception) -> str:
    # The kind of failure as data for the log and the page; the IdP's text is not shown.
    kinds = (
        (SignatureError, "signature"),
        (UnsolicitedResponse, "unsolicited"),
        (ResponseLifetimeExceed, "expired"),
        (ToEarly, "not_yet_valid"),
        (SuspiciousOperation, "invalid"),
    )
    for kind, name in kinds:
        if isinstance(exception, kind):
            return name
    return "refused"


# The IdP's POST carries no CSRF token: the signed, once-only assertion stands in for it.
@method_decorator([login_not_required, csrf_exempt], name="dispatch")
class SamlAcsView(_Enabled, saml_views.AssertionConsumerServiceView):
    """Receives the IdP's Response: checked by pysaml2, then once-only by assertion id."""

    def post(self, request, *args, **kwargs):
        return super().post(request, attribute_mapping=attribute_mapping())

    def custom_validation(self, response):
        assertion = response.assertion
        # pysaml2 leaves no assertion when none was confirmed for us (a wrong Recipient).
        if assertion is None:
            raise SuspiciousOperation("no assertion for this SP")
        not_on_or_after = response.not_on_or_after
        if not assertion_first_use(
            assertion_id=assertion.id, not_on_or_after=_as_datetime(not_on_or_after)
        ):
            logger.warning("SAML assertion %s used a second time: refused", assertion.id)
            raise SuspiciousOperation("replayed assertion")

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        reason = _reason(exception)
        logger.info("SAML login refused: %s", reason)
        return render(request, "sso/saml_error.html", {"reason": reason}, status=status)


def _as_datetime(epoch) -> dt.datetime:
    # An assertion without conditions has no end: remember it for a day.
    if not epoch:
        return dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
