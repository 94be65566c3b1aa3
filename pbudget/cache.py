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
After a failure Redis is left alone for ``RETRY_AFTER`` seconds, so a Redis that hangs
costs one socket timeout per process, not one per operation.

While Redis was unreachable, sessions changed in PostgreSQL only (a sign-out deleted its
row, a sign-in replaced its key), so the copies Redis still holds may be stale: the first
operation after an outage deletes every cached session before anything else is read.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient
from django.utils.functional import cached_property
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

LOG_INTERVAL = 60.0  # seconds between two warnings about the same outage
RETRY_AFTER = 5.0  # seconds without trying Redis after it failed
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
    """Run the client method; while Redis fails, log it and return ``on_error(*args)``."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return on_error(*args, **kwargs)
            try:
                if self._was_down:
                    self._forget_sessions()
                    self._was_down = False
                return method(self, *args, **kwargs)
            except RedisError as error:
                _warn(error)
                self._down_until = time.monotonic() + RETRY_AFTER
                self._was_down = True
                return on_error(*args, **kwargs)

        return guarded

    return decorate


def _missing(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (Redis unavailable).")


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, session_pattern: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._session_pattern = session_pattern
        self._down_until = 0.0
        self._was_down = False

    def _forget_sessions(self) -> None:
        """Delete the cached sessions (they may predate changes made during an outage)."""
        if not self._session_pattern:
            return
        client = self.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=self._session_pattern, count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
        logger.warning("Redis cache answers again: cached sessions dropped")

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

    @cached_property
    def _cache(self):
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX

        pattern = self.make_key(KEY_PREFIX).replace("[", "\\[").replace("*", "\\*") + "*"
        return self._class(self._servers, session_pattern=pattern, **self._options)
