"""Query parameters in the API: the filter backend over crosswalk.filters, and strict parsing of
the parameters of endpoints that are not lists (crosswalk, coverage, OSCAL, suggestions)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from crosswalk.filters import StrictFilterSet, reject_bad_values


class FilterBackend(DjangoFilterBackend):
    """Keeps the filter set on the view (`view.filterset`), so the view reads what the filters
    parsed (the day of `as_of`) instead of parsing it again. A request without query parameters
    builds none: there is nothing to check or filter (`view.filterset` is then None)."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        if not request.query_params:
            view.filterset = None
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request: Request, queryset: QuerySet, view: Any) -> StrictFilterSet:
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


def strict_query(request: Request, serializer_class: type) -> dict[str, Any]:
    """The query parameters validated by `serializer_class`; unknown ones are a 400."""
    reject_bad_values(request.query_params)
    serializer = serializer_class(data=request.query_params)
    unknown = sorted(set(request.query_params) - set(serializer.fields))
    if unknown:
        allowed = ", ".join(sorted(serializer.fields))
        raise ValidationError(
            {name: [f"Unknown parameter. Allowed: {allowed}."] for name in unknown}
        )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
