"""Django's Redis cache, keeping its Redis client and answering as a miss while Redis is down.

``django.core.cache.backends.redis.RedisCacheClient.get_client`` makes a new
``redis.Redis`` for every get and set, and each one builds redis-py's table of response
callbacks (about 170 entries): half a millisecond of CPU per operation here, paid on
every request by the session read. The client is safe to share (it takes a connection
from its pool per command), and Django already keeps one cache object per thread, so
one client per connection pool is kept and reused.

Nothing pbudget keeps in the cache is the only copy: sessions are in PostgreSQL too
(``cached_db``), rate limits and sign-in backoff are counters. So when Redis does not answer,
every operation behaves as a miss instead of raising: ``get`` gives the default, ``add``
says it stored (nothing was there to keep), ``set``, ``touch`` and ``delete`` do nothing,
``incr`` raises ValueError as for a missing key. The request goes on from PostgreSQL alone,
without rate limits for that request; one warning per ``LOG_INTERVAL`` seconds says so.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_INTERVAL = 60.0  # seconds between two warnings about the same outage
_last_warning = 0.0


def _warn(error: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= LOG_INTERVAL:
        _last_warning = now
        logger.warning(
            "Redis cache unavailable (%s: %s): treating the cache as empty, rate limits are "
            "not applied until it answers",
            type(error).__name__,
            error,
        )


def _as_miss(on_error):
    """Run the client method; if Redis fails, log it and return ``on_error(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                _warn(error)
                return on_error(*args, **kwargs)

        return guarded

    return decorate


def _missing(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (Redis unavailable).")


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client

    add = _as_miss(lambda *a, **k: True)(DjangoRedisCacheClient.add)
    get = _as_miss(lambda key, default, *a, **k: default)(DjangoRedisCacheClient.get)
    set = _as_miss(lambda *a, **k: None)(DjangoRedisCacheClient.set)
    touch = _as_miss(lambda *a, **k: False)(DjangoRedisCacheClient.touch)
    delete = _as_miss(lambda *a, **k: False)(DjangoRedisCacheClient.delete)
    get_many = _as_miss(lambda *a, **k: {})(DjangoRedisCacheClient.get_many)
    has_key = _as_miss(lambda *a, **k: False)(DjangoRedisCacheClient.has_key)
    incr = _as_miss(_missing)(DjangoRedisCacheClient.incr)
    set_many = _as_miss(lambda *a, **k: None)(DjangoRedisCacheClient.set_many)
    delete_many = _as_miss(lambda *a, **k: None)(DjangoRedisCacheClient.delete_many)
    clear = _as_miss(lambda *a, **k: False)(DjangoRedisCacheClient.clear)


class RedisCache(DjangoRedisCache):
    """``BACKEND`` for ``CACHES``: Django's RedisCache with the reused, guarded client."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
