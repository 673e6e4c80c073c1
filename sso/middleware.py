"""Sessions end a fixed time after their login (SESSION_MAX_AGE_HOURS), however busy.

Django's session expiry moves forward whenever the session is saved, and the app saves
sessions while it is used (messages, SSO state), so a rolling session could last for
ever. The login time is kept in the session and checked here, from the session alone:
the dashboard's unchanged poll pays no extra query.
"""

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

LOGIN_AT_KEY = "ak_login_at"


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        key_before = session.session_key
        login_at = session.get(LOGIN_AT_KEY)
        if login_at is not None and time.time() > login_at + settings.SESSION_MAX_AGE_HOURS * 3600:
            # Over: the user is anonymous from here on (the login page, for a full page).
            session.flush()
        response = self.get_response(request)
        session = request.session
        # A login cycles the session key: a new login starts a new lifetime.
        if SESSION_KEY in session and (
            session.get(LOGIN_AT_KEY) is None or session.session_key != key_before
        ):
            session[LOGIN_AT_KEY] = int(time.time())
        return response
