"""Break-glass: password logins while single sign-on is configured.

With SSO on, a password opens the app only for emergency accounts
(``AccountProfile.is_emergency``) and superusers, on every page that takes a password
(the login page and the admin's). Each such login is an *emergency login*: recorded
(``EmergencyLogin``) and announced at once by e-mail and SMS to the administrators and
the Koordinatorer (sso.services). Without SSO, passwords work as before and nothing is
announced. The check sits in the authentication backend, so no login form can skip it.
"""

from axes.helpers import get_client_ip_address
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from sso import services
from sso.models import EmergencyLogin
from sso.selectors import oidc_configured, password_login_allowed, sso_configured


def emergency_reason(request) -> str:
    """Why the password was used: the provider did not answer, or somebody chose to."""
    from sso.oidc import provider_reachable

    if oidc_configured() and not provider_reachable():
        return EmergencyLogin.Reason.IDP_UNREACHABLE
    return EmergencyLogin.Reason.CHOSEN


class PasswordBackend(ModelBackend):
    """Django's password backend, gated by ``password_login_allowed`` when SSO is on."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None or not sso_configured():
            return user
        if not password_login_allowed(user):
            if request is not None:
                request.sso_password_refused = True
            # Stops the other backends; Django reports a failed login (axes counts it).
            raise PermissionDenied
        services.emergency_login_record(
            user=user,
            ip=get_client_ip_address(request) if request is not None else None,
            reason=emergency_reason(request),
            path=request.path if request is not None else "",
        )
        return user


class LoginForm(AuthenticationForm):
    """The login page's password form: says why a correct password was not enough."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "sso_required": _(
            "Log ind med kommunens konto. Adgangskoder virker kun for nødkonti, "
            "når kommunens login er sat op."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "sso_password_refused", False):
                raise ValidationError(
                    self.error_messages["sso_required"], code="sso_required"
                ) from None
            raise
