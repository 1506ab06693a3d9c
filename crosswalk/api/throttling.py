"""Rate limits per API key and for anonymous public read, on the shared cache."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from crosswalk.api.permissions import is_staff
from crosswalk.cache import counter_lock
from crosswalk.models import PartnerAPIKey


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's sliding window, read and written under a lock shared by every worker: without it,
    two workers reading the same history at once would each add their request to a copy and
    one of the two would be lost, letting more than the rate through."""

    def __init__(self) -> None:
        super().__init__()
        # The backend itself: DRF's default is django.core.cache.cache, a proxy, which
        # counter_lock cannot recognise (isinstance), so it took no lock at all; threaded
        # workers (config/gunicorn.conf.py) then let requests through in parallel.
        self.cache = caches["default"]

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        with counter_lock(self.cache, key):
            return super().allow_request(request, view)


class PartnerKeyThrottle(SharedRateThrottle):
    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PartnerAPIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class PublicReadThrottle(SharedRateThrottle):
    scope = "public"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, PartnerAPIKey) or is_staff(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
