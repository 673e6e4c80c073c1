from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


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
