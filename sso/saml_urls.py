from django.urls import path

from sso import saml_views

# The names are djangosaml2's own: its views reverse them (the ACS in the AuthnRequest).
urlpatterns = [
    path("login/", saml_views.SamlLoginView.as_view(), name="saml2_login"),
    path("acs/", saml_views.SamlAcsView.as_view(), name="saml2_acs"),
    path("metadata/", saml_views.SamlMetadataView.as_view(), name="saml2_metadata"),
]
