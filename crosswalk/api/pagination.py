"""Page-number paging with a hard maximum, cursor paging for mappings, RFC 8288 Link headers."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response


def _link_header(links: dict[str, str | None]) -> str:
    return ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)


def _page_size(request: Any, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    maximum = settings.API_MAX_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ValidationError({"page_size": [f"Must be an integer from 1 to {maximum}."]})
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"

    @property
    def max_page_size(self) -> int:
        return settings.API_MAX_PAGE_SIZE

    def get_page_size(self, request: Any) -> int:
        return _page_size(request, self.page_size)

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        raw = request.query_params.get(self.page_query_param, "1")
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_query_param: ["Must be a positive integer."]})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        links = {"next": self.get_next_link(), "prev": self.get_previous_link()}
        if header := _link_header(links):
            response["Link"] = header
        return response


class MappingCursorPagination(pagination.CursorPagination):
    page_size_query_param = "page_size"
    ordering = "id"

    def get_page_size(self, request: Any) -> int:
        return _page_size(request, self.page_size)

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound as exc:
            raise ValidationError({self.cursor_query_param: ["Invalid cursor."]}) from exc

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        links = {"next": self.get_next_link(), "prev": self.get_previous_link()}
        if header := _link_header(links):
            response["Link"] = header
        return response
