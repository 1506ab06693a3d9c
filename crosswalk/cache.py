"""A lock per cache key, held across workers, for read-modify-write on the shared cache."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connections, router, transaction

# Seconds: a worker that dies holding a Redis lock frees it after this; a request that cannot
# get the lock in this time fails rather than wait on.
LOCK_SECONDS = 5


@functools.cache
def _redis_client(location: str):  # -> redis.Redis, imported late
    import redis

    return redis.Redis.from_url(location)


@contextlib.contextmanager
def counter_lock(cache: BaseCache, key: str) -> Iterator[None]:
    """Hold an exclusive lock on `key` for the duration of the block.

    PostgreSQL (the database cache): a transaction-scoped advisory lock, released on commit, with
    the cache's reads and writes inside that transaction. Redis: a Redis lock with a timeout.
    Per-process memory (development): nothing to share, nothing to lock.
    """
    if isinstance(cache, DatabaseCache):
        alias = router.db_for_write(cache.cache_model_class)
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [cache.make_key(key)])
            yield
    elif isinstance(cache, RedisCache):
        client = _redis_client(cache._servers[0])
        lock = client.lock(
            f"{cache.make_key(key)}:lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS
        )
        with lock:
            yield
    else:
        yield
