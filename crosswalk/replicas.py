"""Read replicas (DATABASE_REPLICA_URLS): API reads go to a replica, the rest to the primary."""

from __future__ import annotations

import contextlib
import contextvars
import random
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import connections

# Set per request by ReplicaReadsMiddleware: true for GET/HEAD outside the admin. Management
# commands, the admin and every write read the primary, so nobody reads a row they have just
# written from a replica that has not received it yet.
_replica_reads = contextvars.ContextVar("replica_reads", default=False)


@contextlib.contextmanager
def replica_reads(enabled: bool = True) -> Iterator[None]:
    token = _replica_reads.set(enabled)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica_")]


class ReplicaRouter:
    def db_for_read(self, model: type, **hints: Any) -> str:
        replicas = replica_aliases()
        # Inside a transaction on the primary, reads stay there: they must see its writes.
        if replicas and _replica_reads.get() and not connections["default"].in_atomic_block:
            return random.choice(replicas)
        return "default"

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == "default"
