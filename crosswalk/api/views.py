"""Read-only API views: one queryset chain each, no ORM beyond get_queryset()."""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.exceptions import ValidationError

from crosswalk.api.filters import InstrumentFilter, ProvisionFilter
from crosswalk.api.serializers import InstrumentSerializer, ProvisionSerializer
from crosswalk.models import Instrument, Provision

INCLUDES = {"texts"}


class InstrumentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilter
    lookup_field = "slug"
    queryset = Instrument.objects.select_related("jurisdiction", "revoked_by").order_by("slug")


class ProvisionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provisions with their latest text, or that of `as_of` / `in_force_on` when given."""

    serializer_class = ProvisionSerializer
    filterset_class = ProvisionFilter
    lookup_field = "public_id"
    lookup_value_regex = r"[a-z0-9-]+:[A-Za-z0-9_\-]+"

    def get_queryset(self) -> Any:
        queryset = Provision.objects.for_api_list()
        if "texts" in self._includes():
            queryset = queryset.with_all_texts()
        return queryset

    def _includes(self) -> set[str]:
        raw = self.request.query_params.get("include", "")
        requested = {item for item in raw.split(",") if item}
        if requested - INCLUDES:
            raise ValidationError({"include": [f"Allowed values: {', '.join(sorted(INCLUDES))}."]})
        return requested

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["include_texts"] = "texts" in self._includes()
        filterset = ProvisionFilter(self.request.query_params, queryset=Provision.objects.none())
        if filterset.is_valid():
            params = filterset.form.cleaned_data
            context["status_day"] = params.get("as_of") or params.get("in_force_on")
        return context
