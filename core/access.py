"""The one way a view checks access: ``@role_required(...)``.

Every staff page answers these cases the same way, in this order:

- not logged in: the login page (an htmx request is sent there with HX-Redirect);
- holding the permission the view names: in (a superuser holds them all; so does whoever
  was given it without a role, e.g. the data protection officer for the access log);
- logged in without a role: 403 with the no-role page (templates/no_role.html), which
  tells a new user whom to ask;
- a role without the permission: 403 (templates/403.html).

A view that answers a script's fetch() rather than a person (the service worker's precache
list) names its own refusal, ``refused=``, so that the script gets JSON it can read; who
is refused stays decided here.
"""

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from core.roles import user_roles


def roles_of(request) -> set[str]:
    """The user's role names, cached on the request: the access check and the templates'
    role flags (core.context_processors.roles) ask the database once a request."""
    if not hasattr(request, "_roles"):
        request._roles = user_roles(request.user)
    return request._roles


def has_role(request) -> bool:
    return request.user.is_superuser or bool(roles_of(request))


def role_required(*any_of: str, refused=None):
    """A view for users with a role or, when permissions are named, one of them.

    ``@role_required()`` lets every role in; ``@role_required("incidents.work_incident")``
    only those who hold that permission. ``refused(request)``, when given, answers a
    logged-in user who may not in, instead of the 403 pages.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            # The login middleware sends most anonymous requests away first; views marked
            # login_not_required (the dashboard's poll) reach this with one.
            if not user.is_authenticated:
                if request.htmx:
                    return HttpResponseClientRedirect(reverse("login"))
                return redirect_to_login(request.get_full_path())
            if any_of and any(user.has_perm(perm) for perm in any_of):
                return view(request, *args, **kwargs)
            if has_role(request) and not any_of:
                return view(request, *args, **kwargs)
            if refused is not None:
                return refused(request)
            if not has_role(request):
                return render(request, "no_role.html", status=403)
            raise PermissionDenied

        return wrapped

    return decorator
