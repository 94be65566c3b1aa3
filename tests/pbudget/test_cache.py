"""The Redis cache keeps one client per connection pool and still works as Django's."""

from __future__ import annotations

from django.core.cache import caches

from pbudget.cache import RedisCache


def test_the_cache_reuses_its_redis_client_and_reads_back_what_it_wrote():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    client = cache._cache.get_client("a-key")
    assert cache._cache.get_client("another-key", write=True) is client
    cache.set("pbudget-cache-test", {"n": 1}, 30)
    assert cache.get("pbudget-cache-test") == {"n": 1}
    assert cache.add("pbudget-cache-counter", 1)
    assert cache.incr("pbudget-cache-counter") == 2
    cache.delete_many(["pbudget-cache-test", "pbudget-cache-counter"])
    assert cache.get("pbudget-cache-test") is None
