"""Django's Redis cache, keeping one Redis client per connection pool.

Django's backend builds a new `redis.Redis` object for every cache operation
(`RedisCacheClient.get_client`); building it costs more than the round trip to
a local Redis. The client is thread-safe and its pool checks the process id
after a fork, so one per pool is enough.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient

    def validate_key(self, key):
        """Redis takes any key. Django's check warns about keys memcached would refuse, looping in
        Python over every character of every key of every cache call: a public page's 304 is one."""
