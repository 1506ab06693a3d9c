"""One JSON error shape for every 4xx: {"error": {"status", "code", "detail", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from crosswalk.api.renderers import ORJSONRenderer


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    # Django's own 404 and 403 (get_object_or_404, a missing object) get DRF's codes.
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    if request is not None:
        # Errors are JSON even where the client negotiated CSV.
        request.accepted_renderer = ORJSONRenderer()
        request.accepted_media_type = ORJSONRenderer.media_type
    data = response.data
    fields: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = data if isinstance(data, dict) else {"non_field_errors": data}
        detail = "Invalid input."
    else:
        detail = data.get("detail", str(exc)) if isinstance(data, dict) else str(data)
    # A code given where the exception is raised (`NotFound(..., code=...)`), else the class's.
    detail_code = getattr(getattr(exc, "detail", None), "code", None)
    code = detail_code or getattr(exc, "default_code", "error")
    response.data = {
        "error": {
            "status": response.status_code,
            "code": code,
            "detail": str(detail),
            "fields": fields,
        }
    }
    return response
