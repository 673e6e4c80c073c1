from csp.constants import HEADER as _CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as _CSP_HEADER_RO
from csp.middleware import CheckableLazyObject as _CheckableLazyObject
from csp.middleware import CSPMiddleware as _BaseCSPMiddleware
from csp.utils import build_policy as _build_policy
from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.utils import translation


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Django's LoginRequiredMiddleware, but it asks the view first and the user second.

    Django's version loads the user (a query) even for ``login_not_required`` views. The
    dashboard's unchanged poll must cost at most two queries (session + revision), so it
    checks the session itself and must not pay for a user lookup it does not need.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LanguageMiddleware:
    """Danish unless the user picked English with the language switch (a cookie).

    Django's LocaleMiddleware also follows the browser's Accept-Language, which would show
    English to every colleague whose phone happens to be set to English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class CSPMiddleware(_BaseCSPMiddleware):
    """django-csp's middleware, with the site-wide policy built once per process.

    django-csp rebuilds the header for every response (a dataclasses.asdict deep copy of
    the settings, then the string): 8 % of the CPU of a dashboard poll under load. A
    response without a per-view policy (csp_update/replace/config) and a request that
    used no nonce get exactly the policy of the settings, so it is built once (again if
    the settings object changes, e.g. override_settings in tests); anything else goes
    through django-csp as before.
    """

    _built: dict = {}

    def _plain(self, request, response) -> bool:
        per_view = ("_csp_config", "_csp_update", "_csp_replace")
        if any(getattr(response, a, None) or getattr(response, f"{a}_ro", None) for a in per_view):
            return False
        return getattr(request, "_csp_nonce", None) is None and not settings.DEBUG

    def _policy(self, report_only: bool) -> str:
        name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
        config = getattr(settings, name, None)
        key = (name, id(config))
        if key not in self._built:
            self._built[key] = _build_policy(report_only=report_only)
        return self._built[key]

    def process_response(self, request, response):
        if not self._plain(request, response):
            return super().process_response(request, response)
        for report_only, header in ((False, _CSP_HEADER), (True, _CSP_HEADER_RO)):
            policy = self._policy(report_only)
            exempt = getattr(response, "_csp_exempt_ro" if report_only else "_csp_exempt", False)
            config = getattr(
                settings,
                "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY",
                None,
            )
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
            excluded = bool(prefixes) and request.path_info.startswith(prefixes)
            if policy and header not in response and exempt is False and not excluded:
                response[header] = policy
        request.csp_nonce = _CheckableLazyObject(self._csp_nonce_post_response)
        return response
