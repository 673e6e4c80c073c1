from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt


def _on_first_request(view_path: str, *, csrf: bool = True):
    """The view at ``view_path``, imported when a request first reaches it.

    pysaml2 costs ~10 MB and ~2 s to import. Loading the URL configuration (every web
    process, and every Celery worker through its start-up system checks) would pay that
    even where SAML is not set up, and a worker rendering an incident report needs the
    memory (issue 13). The SAML views themselves 404 while SAML is off.
    """
    views = {}

    def view(request, *args, **kwargs):
        if "view" not in views:
            views["view"] = import_string(view_path).as_view()
        return views["view"](request, *args, **kwargs)

    # Flags the middleware reads off the resolved view, before it is imported: the same
    # as the classes' own (sso/saml_views.py).
    view = login_not_required(view)
    return view if csrf else csrf_exempt(view)


# The names are djangosaml2's own: its views reverse them (the ACS in the AuthnRequest).
urlpatterns = [
    path("login/", _on_first_request("sso.saml_views.SamlLoginView"), name="saml2_login"),
    path(
        "acs/",
        # The IdP's POST carries no CSRF token: the signed, once-only assertion stands in.
        _on_first_request("sso.saml_views.SamlAcsView", csrf=False),
        name="saml2_acs",
    ),
    path("metadata/", _on_first_request("sso.saml_views.SamlMetadataView"), name="saml2_metadata"),
]
