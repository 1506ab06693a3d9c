"""Operational endpoints outside the API."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse({"status": "error", "database": str(exc).strip()[:200]}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """API paths answer a 404 in the API's error shape; other paths get Django's page."""
    if request.path.startswith("/api/"):
        body = {"error": {"status": 404, "code": "not_found", "detail": "Not found.", "fields": {}}}
        return JsonResponse(body, status=404)
    return page_not_found(request, exception)
