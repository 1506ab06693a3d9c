"""The client's address, one rule for rate limits and login lockouts."""

from __future__ import annotations

from django.http import HttpRequest
from rest_framework.settings import api_settings


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind NUM_PROXIES proxies the address the outermost trusted proxy saw
    (X-Forwarded-For read from the right): a client cannot choose its own address by sending
    the header, because the proxies append to it."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies == 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote
    return addresses[-min(proxies, len(addresses))]
