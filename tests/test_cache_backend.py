"""The Redis cache backend keeps one client per connection pool instead of building one per operation."""

import os

from tests.support import require_redis
from tracker.cache import RedisCache


def test_it_reuses_one_client_per_pool():
    cache = RedisCache("redis://127.0.0.1:6379/5", {})
    assert cache._cache.get_client() is cache._cache.get_client("any key")
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)


def test_it_stores_and_reads_like_djangos_backend():
    require_redis()
    cache = RedisCache("redis://127.0.0.1:6379/5", {"KEY_PREFIX": f"cache-test-{os.getpid()}"})
    try:
        cache.set_many({"a": ("tuple", b"bytes"), "b": 7}, 30)
        assert cache.get_many(["a", "b", "missing"]) == {"a": ("tuple", b"bytes"), "b": 7}
        assert cache.add("a", "other", 30) is False
        assert cache.incr("b") == 8
    finally:
        cache.delete_many(["a", "b"])
