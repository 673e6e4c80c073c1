"""The login page: the municipality's login first, the emergency login below it when the
provider does not answer (or behind the "Nødadgang" link). Without SSO: passwords, as ever."""

from urllib.parse import urlencode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import reverse
from django.utils.decorators import method_decorator

from sso.breakglass import LoginForm
from sso.selectors import oidc_configured, saml_configured, sso_configured

EMERGENCY_PARAM = "nodadgang"


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        from sso.oidc import provider_reachable

        context = super().get_context_data(**kwargs)
        sso = sso_configured()
        next_url = context.get("next") or ""
        oidc = oidc_configured()
        idp_down = oidc and not provider_reachable()
        asked = self.request.method == "POST" or self.request.GET.get(EMERGENCY_PARAM) == "1"
        context.update(
            sso_enabled=sso,
            oidc_login_url=(
                reverse("oidc_authentication_init")
                + (f"?{urlencode({'next': next_url})}" if next_url else "")
            )
            if oidc
            else "",
            saml_login_url=(
                reverse("saml2_login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
            )
            if saml_configured()
            else "",
            idp_down=idp_down,
            show_password_form=not sso or idp_down or asked,
            emergency_url=f"{reverse('login')}?{urlencode({EMERGENCY_PARAM: 1, 'next': next_url})}",
        )
        return context


login = LoginView.as_view()
