"""Writes to user accounts that the app cares about: deactivating ends every session.

Django already refuses a deactivated user on the next full page (the auth backend does
not load an inactive user), but the dashboard's unchanged poll answers from the session
alone so that it stays at two queries; so the sessions themselves must end.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone


def user_sessions_end(*, user_ids) -> int:
    """Delete every live session that belongs to one of ``user_ids``; returns how many.

    Sessions are not indexed by user, so this decodes the live ones: fine for an
    occasional admin action, never on a request path. Each is ended through the session
    engine, so a copy in the cache (``cached_db``) goes too, not only the row.
    """
    wanted = {str(pk) for pk in user_ids}
    if not wanted:
        return 0
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    _forget_cached(ended)
    return len(ended)


def _forget_cached(session_keys) -> None:
    """Drop the cache's copies of ended sessions (``cached_db``), once the deletion has
    committed: a request in between could otherwise copy a row still there back into the
    cache."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = [store(session_key=k).cache_key for k in session_keys if hasattr(store, "cache_key")]
    if keys:
        cache = caches[settings.SESSION_CACHE_ALIAS]
        cache.delete_many(keys)  # now, and again after the commit (see above)
        transaction.on_commit(lambda: cache.delete_many(keys))


@transaction.atomic
def users_deactivate(*, users) -> int:
    """Deactivate the users and end their sessions at once."""
    ids = [user.pk for user in users]
    get_user_model().objects.filter(pk__in=ids).update(is_active=False)
    return user_sessions_end(user_ids=ids)
