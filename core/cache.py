"""Django's Redis cache, but a Redis that is down is a cache miss, not a 500.

In production Redis is the Celery broker and the cache at once. The pages must keep
working while it is gone (tests/faults/test_redis_down.py): the outbox in PostgreSQL
keeps the status updates, and whatever the cache held is rendered again. Short socket
timeouts (settings.CACHES) keep a request from hanging on a Redis that does not answer.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)


def _degrade(fallback):
    def wrap(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                logger.warning("cache unavailable (%s): %s", method.__name__, exc)
                return fallback(*args, **kwargs)

        return wrapper

    return wrap


def _default(key, default=None, *args, **kwargs):
    return default


class ResilientRedisCache(RedisCache):
    get = _degrade(_default)(RedisCache.get)
    get_many = _degrade(lambda *a, **k: {})(RedisCache.get_many)
    has_key = _degrade(lambda *a, **k: False)(RedisCache.has_key)
    set = _degrade(lambda *a, **k: None)(RedisCache.set)
    add = _degrade(lambda *a, **k: False)(RedisCache.add)
    touch = _degrade(lambda *a, **k: False)(RedisCache.touch)
    set_many = _degrade(lambda keys, *a, **k: list(keys))(RedisCache.set_many)
    delete = _degrade(lambda *a, **k: False)(RedisCache.delete)
    delete_many = _degrade(lambda *a, **k: None)(RedisCache.delete_many)
