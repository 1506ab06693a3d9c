"""Redoc served entirely from this host: the sidecar's bundle, system fonts, and a
Content-Security-Policy that keeps the bundle from fetching anything elsewhere (its sidebar
footer asks cdn.redoc.ly for a logo; blocked, the image is dropped)."""

from __future__ import annotations

import secrets
from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView
from rest_framework.request import Request
from rest_framework.response import Response

CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    # Redoc styles its components with inline <style> elements it writes at run time.
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    # Search runs in a web worker that Redoc builds from a blob.
    "worker-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
# Redoc's default theme asks for Montserrat and Roboto from Google Fonts.
SYSTEM_FONTS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
REDOC_SETTINGS = {
    "theme": {"typography": {"fontFamily": SYSTEM_FONTS, "headings": {"fontFamily": SYSTEM_FONTS}}},
}


class OfflineRedocView(SpectacularRedocView):
    template_name = "crosswalk/redoc.html"

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        nonce = secrets.token_urlsafe(16)
        response = Response(
            data={
                "title": self.title,
                "redoc_standalone": self._redoc_standalone(),
                "schema_url": self._get_schema_url(request),
                "settings": self._dump(REDOC_SETTINGS),
                "csp_nonce": nonce,
            },
            template_name=self.template_name,
        )
        response["Content-Security-Policy"] = CSP.format(nonce=nonce)
        return response
