"""Rate limits per API key and for anonymous public read, on the shared cache."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from crosswalk.api.permissions import is_staff
from crosswalk.models import PartnerAPIKey


class PartnerKeyThrottle(SimpleRateThrottle):
    scope = "partner"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.auth, PartnerAPIKey):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}


class PublicReadThrottle(SimpleRateThrottle):
    scope = "public"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, PartnerAPIKey) or is_staff(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
