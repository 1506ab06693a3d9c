"""Bulk export views: streamed CSV through COPY, and the OSCAL mapping collection."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crosswalk.api.conditional import conditional, validators
from crosswalk.api.filters import MappingFilter, ProvisionFilter
from crosswalk.api.permissions import sees_drafts
from crosswalk.api.renderers import ORJSONRenderer
from crosswalk.api.serializers import ErrorSerializer, PairQuerySerializer
from crosswalk.api.views import ERRORS, pair_stamp, strict_query
from crosswalk.exports import copy_csv, mapping_export_sql, provision_export_sql
from crosswalk.models import Mapping, Provision
from crosswalk.oscal import oscal_mapping_collection

BOM_PARAMETER = OpenApiParameter(
    "bom", OpenApiTypes.BOOL, description="`true`: start with a UTF-8 byte-order mark (Excel)."
)
CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(
        OpenApiTypes.STR, description="CSV with a header row, RFC 4180 quoting, UTF-8."
    ),
    **{(code, "application/json"): ErrorSerializer for code in ERRORS},
}


class CSVRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/csv; error bodies stay JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context=None
    ) -> bytes:
        return ORJSONRenderer().render(data)


class ProvisionExportFilter(ProvisionFilter):
    extra_allowed = ("bom",)


class MappingExportFilter(MappingFilter):
    extra_allowed = ("bom",)


BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def _bom(request: Request) -> bool:
    raw = request.query_params.get("bom", "false").lower()
    if raw not in BOOLEANS:
        raise ValidationError({"bom": ["Must be true or false."]})
    return BOOLEANS[raw]


def _filename(kind: str, request: Request) -> str:
    scope = "-".join(
        f"{key}-{value}"
        for key, value in sorted(request.query_params.items())
        if key != "bom" and value.replace("-", "").replace("_", "").isalnum()
    )
    stamp = timezone.localdate().isoformat()
    return f"crosswalk-{kind}{'-' + scope if scope else ''}-{stamp}.csv"[:180]


def _csv_response(
    request: Request, kind: str, sql: str, params: dict[str, Any], *, bom: bool
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        copy_csv(sql, params, bom=bom), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(kind, request)}"'
    return response


class ProvisionExportView(GenericAPIView):
    """All provisions matching the provision filters, as CSV (constant memory at any size)."""

    renderer_classes = [ORJSONRenderer, CSVRenderer]
    filterset_class = ProvisionExportFilter
    queryset = Provision.objects.all()
    pagination_class = None

    @extend_schema(parameters=[BOM_PARAMETER], responses=CSV_RESPONSE)
    def get(self, request: Request) -> HttpResponseBase:
        bom = _bom(request)
        queryset = self.filter_queryset(self.get_queryset())
        # Validated by the filter above: a malformed date has already been a 400.
        raw = request.query_params.get("as_of") or request.query_params.get("in_force_on")
        day: datetime.date | None = forms.DateField().clean(raw) if raw else None
        count, last = queryset.change_stamp()
        etag, last_modified = validators(request, [count, last], [last])
        sql, sql_params = provision_export_sql(queryset, day=day, today=timezone.localdate())
        return conditional(
            request,
            etag,
            last_modified,
            lambda: _csv_response(request, "provisions", sql, sql_params, bom=bom),
        )


class MappingExportView(GenericAPIView):
    """Mappings matching the mapping filters, one row each with both provisions, as CSV."""

    renderer_classes = [ORJSONRenderer, CSVRenderer]
    filterset_class = MappingExportFilter
    pagination_class = None

    def get_queryset(self) -> Any:
        return Mapping.objects.visible(drafts=sees_drafts(self.request))

    @extend_schema(parameters=[BOM_PARAMETER], responses=CSV_RESPONSE)
    def get(self, request: Request) -> HttpResponseBase:
        bom = _bom(request)
        queryset = self.filter_queryset(self.get_queryset())
        count, last = queryset.change_stamp()
        # Any provision change may alter a heading in the file; the latest one is an index read,
        # where joining both provisions of a million mappings would cost most of a second.
        _, provisions = Provision.objects.change_stamp()
        etag, last_modified = validators(request, [count, last, provisions], [last, provisions])
        sql, sql_params = mapping_export_sql(queryset)
        return conditional(
            request,
            etag,
            last_modified,
            lambda: _csv_response(request, "mappings", sql, sql_params, bom=bom),
        )


class OscalExportView(APIView):
    """The published mappings between two instruments as an OSCAL 1.2 mapping collection."""

    @extend_schema(
        parameters=[PairQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
        description=(
            "Relationships translate to OSCAL as equal→equal-to, subset_of→subset-of, "
            "superset_of→superset-of, intersects_with→intersects-with, "
            "not_related→no-relationship. Strength has no OSCAL field and travels as a prop; "
            "`as_of` is not supported here."
        ),
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, PairQuerySerializer)
        source, target = query["source"], query["target"]
        etag, last_modified = pair_stamp(request, query)
        mappings = (
            Mapping.objects.published()
            .between(source.pk, target.pk)
            .select_related("source", "target")
            .order_by("id")
        )
        base_url = request.build_absolute_uri("/").rstrip("/")

        def build() -> Response:
            document = oscal_mapping_collection(
                source=source, target=target, mappings=list(mappings), base_url=base_url
            )
            response = Response(document)
            name = f"crosswalk-{source.slug}-{target.slug}.oscal.json"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response

        return conditional(request, etag, last_modified, build)
