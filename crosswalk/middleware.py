"""Request log, request limits, read-replica routing and 503s for unreachable services."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from crosswalk.errors import error_response, service_unavailable, unavailable_service
from crosswalk.replicas import replica_reads

request_log = logging.getLogger("crosswalk.requests")

GetResponse = Callable[[HttpRequest], HttpResponse]


def _who(request: HttpRequest) -> dict[str, object]:
    """The API key's public prefix or the user's id, never the key: only what the request has
    already resolved (loading the user here would query the database, maybe while it is down)."""
    auth = getattr(request, "auth", None)
    prefix = getattr(auth, "prefix", None)
    if prefix:
        return {"key_id": prefix}
    user = request.__dict__.get("user")
    if user is None or getattr(user, "_wrapped", None) is empty:
        return {}
    if getattr(user, "is_authenticated", False):
        return {"user_id": user.pk}
    return {}


class RequestLogMiddleware:
    """One JSON line per request: method, path, status, duration, key or user id."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": duration_ms,
                **_who(request),
                "pid": os.getpid(),
            },
        )
        return response


class RequestLimitsMiddleware:
    """Refuse an over-long request line (414) or too many or too large header fields (431), in
    the API's error shape. gunicorn's own, larger limits answer first beyond them."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        uri = meta.get("RAW_URI") or request.get_full_path()
        protocol = meta.get("SERVER_PROTOCOL", "HTTP/1.1")
        if len(request.method or "") + len(uri) + len(protocol) + 2 > settings.REQUEST_LINE_LIMIT:
            return error_response(
                request,
                status=414,
                code="request_line_too_long",
                detail=f"The request line is longer than {settings.REQUEST_LINE_LIMIT} bytes.",
            )
        headers = [
            (name, value)
            for name, value in meta.items()
            if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH")
        ]
        too_many = len(headers) > settings.REQUEST_FIELDS_LIMIT
        too_large = any(
            len(name) + 2 + len(str(value)) > settings.REQUEST_FIELD_SIZE_LIMIT
            for name, value in headers
        )
        if too_many or too_large:
            return error_response(
                request,
                status=431,
                code="request_headers_too_large",
                detail=(
                    f"At most {settings.REQUEST_FIELDS_LIMIT} header fields of at most "
                    f"{settings.REQUEST_FIELD_SIZE_LIMIT} bytes each."
                ),
            )
        return self.get_response(request)


class ReplicaReadsMiddleware:
    """Let API reads (GET/HEAD outside the admin) use a read replica when there is one."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        enabled = request.method in ("GET", "HEAD") and not request.path.startswith("/admin/")
        with replica_reads(enabled):
            return self.get_response(request)


class ServiceUnavailableMiddleware:
    """A view that cannot reach the database or the cache answers 503 with Retry-After (JSON on
    API paths, plain text on the admin) instead of a server error. Failures outside views reach
    the handler500 in crosswalk.views, which answers the same."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        service = unavailable_service(exception)
        if service is None:
            return None
        logging.getLogger("crosswalk.outage").error("%s unavailable: %s", service, exception)
        return service_unavailable(request, service)
