"""Operational endpoints outside the API, and the project's error handlers."""

from __future__ import annotations

import sys

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from django.views.defaults import server_error as django_server_error

from crosswalk.errors import (
    RETRY_AFTER_SECONDS,
    error_response,
    is_api,
    service_unavailable,
    unavailable_service,
)


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not (a fixed text: the driver's message
    would name the host and port)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """API paths answer a 404 in the API's error shape; other paths get Django's page."""
    if is_api(request):
        return error_response(request, status=404, code="not_found", detail="Not found.")
    return page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's own refusals (body too large, too many fields, a bad Host) in the API's shape."""
    if not is_api(request):
        return django_bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return error_response(
            request,
            status=413,
            code="payload_too_large",
            detail="The request body is larger than this server accepts.",
        )
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        return error_response(
            request,
            status=400,
            code="too_many_fields",
            detail="The request has more parameters or files than this server accepts.",
        )
    return error_response(request, status=400, code="bad_request", detail="Bad request.")


def server_error(request: HttpRequest) -> HttpResponse:
    """A 503 when the database or the cache is out of reach (raised anywhere, middleware
    included), else a 500; both in the API's shape on API paths."""
    exc = sys.exc_info()[1]
    service = unavailable_service(exc) if exc is not None else None
    if service is not None:
        return service_unavailable(request, service)
    if is_api(request):
        return error_response(request, status=500, code="server_error", detail="Server error.")
    return django_server_error(request)
