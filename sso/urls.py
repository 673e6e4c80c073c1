from django.urls import path

from sso.oidc import OIDCCallbackView, OIDCLoginView

urlpatterns = [
    path("oidc/login/", OIDCLoginView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
]
