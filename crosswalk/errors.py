"""Error responses made outside DRF (outages, request limits, handler400/500) in the API's shape."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

# How long a client should wait before retrying while a backing service is down: a database
# restart or failover takes seconds to tens of seconds.
RETRY_AFTER_SECONDS = 30


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    detail: str,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """JSON `{"error": {...}}` on API paths, a plain-text page elsewhere (admin, docs)."""
    if is_api(request):
        body = {"error": {"status": status, "code": code, "detail": detail, "fields": {}}}
        response: HttpResponse = JsonResponse(body, status=status)
    else:
        response = HttpResponse(
            f"{detail}\n", status=status, content_type="text/plain; charset=utf-8"
        )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def unavailable_service(exc: BaseException) -> str | None:
    """ "database" or "cache" when the exception says that service cannot be reached, else None."""
    if isinstance(exc, OperationalError | InterfaceError):
        return "database"
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency
        return None
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return "cache"
    return None


def service_unavailable(request: HttpRequest, service: str) -> HttpResponse:
    """503 with Retry-After; the text is fixed: no driver message, host or port leaks out."""
    return error_response(
        request,
        status=503,
        code=f"{service}_unavailable",
        detail=f"The service is temporarily unavailable ({service}). Try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
