"""Bulk export views: streamed CSV through COPY, and the OSCAL mapping collection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.http import HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crosswalk.api.conditional import conditional, pair_stamp, validators
from crosswalk.api.filters import strict_query
from crosswalk.api.permissions import sees_drafts
from crosswalk.api.renderers import ORJSONRenderer
from crosswalk.api.schema import ERRORS
from crosswalk.api.serializers import ErrorSerializer, PairQuerySerializer
from crosswalk.exports import copy_csv, copy_mappings_csv, provision_export_sql
from crosswalk.filters import MappingExportFilter, ProvisionExportFilter
from crosswalk.models import Gap, Mapping, MappingSet, Provision
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


class ExportSchema(AutoSchema):
    """An export is a list in one response: its filters are documented as the list's are."""

    def get_filter_backends(self) -> list[Any]:
        return getattr(self.view, "filter_backends", [])


class CSVRenderer(renderers.BaseRenderer):
    """Lets clients ask for text/csv; error bodies stay JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context=None
    ) -> bytes:
        return ORJSONRenderer().render(data)


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


def _csv_response(request: Request, kind: str, chunks: Iterator[bytes]) -> StreamingHttpResponse:
    # No Content-Length: HTTP/1.1 clients get chunked transfer encoding, whose last (empty)
    # chunk is only sent once the file is complete. A failure part-way (database error, client
    # timeout) closes the connection without it, so a client can always tell a partial file.
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(kind, request)}"'
    return response


class ProvisionExportView(GenericAPIView):
    """All provisions matching the provision filters, as CSV (constant memory at any size)."""

    renderer_classes = [ORJSONRenderer, CSVRenderer]
    filterset_class = ProvisionExportFilter
    queryset = Provision.objects.all()
    pagination_class = None
    schema = ExportSchema()

    @extend_schema(
        summary="Provisions as CSV",
        description=(
            "Every provision matching the filters of `GET /api/v1/provisions/` (same "
            "parameters, same 400s; not paged), one row each with its parent and the text of "
            "the day given by `as_of` / `in_force_on` (else the latest) and its status that "
            "day (else today). Cells a spreadsheet would read as a formula start with `'`."
        ),
        parameters=[BOM_PARAMETER],
        responses=CSV_RESPONSE,
    )
    def get(self, request: Request) -> HttpResponseBase:
        bom = _bom(request)
        queryset = self.filter_queryset(self.get_queryset())
        count, last = queryset.change_stamp()
        etag, last_modified = validators(request, [count, last], [last])
        day = self.filterset.day if self.filterset is not None else None
        sql, sql_params = provision_export_sql(queryset, day=day, today=timezone.localdate())
        return conditional(
            request,
            etag,
            last_modified,
            lambda: _csv_response(request, "provisions", copy_csv(sql, sql_params, bom=bom)),
        )


class MappingExportView(GenericAPIView):
    """Mappings matching the mapping filters, one row each with both provisions, as CSV."""

    renderer_classes = [ORJSONRenderer, CSVRenderer]
    filterset_class = MappingExportFilter
    queryset = Mapping.objects.all()  # the model, for the schema; rows come from get_queryset
    pagination_class = None
    schema = ExportSchema()

    def get_queryset(self) -> Any:
        return Mapping.objects.visible(drafts=sees_drafts(self.request))

    @extend_schema(
        summary="Mappings as CSV",
        description=(
            "Every mapping matching the filters of `GET /api/v1/mappings/` (same parameters, "
            "same 400s; not paged), one row each with both provisions' ids, citations, "
            "instruments and headings. Published mappings only, except for staff. The file "
            "re-imports through the admin's CSV import."
        ),
        parameters=[BOM_PARAMETER],
        responses=CSV_RESPONSE,
    )
    def get(self, request: Request) -> HttpResponseBase:
        bom = _bom(request)
        queryset = self.filter_queryset(self.get_queryset())
        count, last = queryset.change_stamp()
        # Any provision change may alter a heading in the file; the latest one is an index read,
        # where joining both provisions of a million mappings would cost most of a second.
        _, provisions = Provision.objects.change_stamp()
        etag, last_modified = validators(request, [count, last, provisions], [last, provisions])
        return conditional(
            request,
            etag,
            last_modified,
            lambda: _csv_response(request, "mappings", copy_mappings_csv(queryset, bom=bom)),
        )


class OscalQuerySerializer(PairQuerySerializer):
    mapping_set = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=MappingSet.objects.all(),
        required=False,
        help_text="Slug of a mapping set: only its mappings and gaps.",
    )


class OscalExportView(APIView):
    """The published mappings between two instruments as an OSCAL 1.2 mapping collection."""

    @extend_schema(
        summary="Mappings of two instruments as OSCAL",
        description=(
            "The published mappings between `source` and `target` (stored in either direction, "
            "read from the source's side) as an OSCAL 1.2.0 mapping collection. With `as_of`, "
            "only mappings whose two provisions are in force and applicable that day.\n\n"
            "Relationships translate as equal→equal-to, subset_of→subset-of, "
            "superset_of→superset-of, intersects_with→intersects-with, "
            "not_related→no-relationship. Strength has no OSCAL field and travels as a "
            "`strength` prop; the rationale is the map's remarks. Instruments are resources "
            "whose `href` is a stable public URI of the instrument (ELI, else DOI, else its "
            "Federal Register document, else its official source); provisions are `control` "
            "items by public id. The collection's `uuid` changes whenever its content does.\n\n"
            "Published gaps (a provision with no counterpart in the other instrument) are "
            "`no-relationship` maps whose other side is the instrument itself (`id-ref` its "
            "slug, prop `crosswalk-scope` = `instrument`). With `mapping_set`, only that set's "
            "mappings and gaps.\n\n"
            "A pair with no published mappings or gaps (on `as_of`) is a 404 "
            "`no_published_mappings`: OSCAL requires at least one map, so there is no valid "
            "document to serve."
        ),
        parameters=[OscalQuerySerializer],
        responses={200: OpenApiTypes.OBJECT, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, OscalQuerySerializer)
        source, target, as_of = query["source"], query["target"], query.get("as_of")
        etag, last_modified = pair_stamp(request, query)
        mappings = Mapping.objects.published().between(source.pk, target.pk)
        gaps = Gap.objects.published().between(source.pk, target.pk)
        if as_of is not None:
            mappings = mappings.as_of(as_of)
            gaps = gaps.filter(source__in=Provision.objects.as_of(as_of).values("pk"))
        if query.get("mapping_set") is not None:
            mappings = mappings.filter(mapping_set=query["mapping_set"])
            gaps = gaps.filter(mapping_set=query["mapping_set"])
        mappings = mappings.select_related("source", "target").order_by("id")
        gaps = gaps.select_related("source").order_by("id")

        def build() -> Response:
            rows, gap_rows = list(mappings), list(gaps)
            if not rows and not gap_rows:
                day = f" on {as_of.isoformat()}" if as_of else ""
                raise NotFound(
                    f"No published mappings between {source.slug} and "
                    f"{target.slug}{day}: an OSCAL mapping collection needs at least one map, "
                    "so there is nothing to export.",
                    code="no_published_mappings",
                )
            document = oscal_mapping_collection(
                source=source, target=target, mappings=rows, as_of=as_of, gaps=gap_rows
            )
            response = Response(document)
            day = f"-{as_of.isoformat()}" if as_of else ""
            name = f"crosswalk-{source.slug}-{target.slug}{day}.oscal.json"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response

        return conditional(request, etag, last_modified, build)
