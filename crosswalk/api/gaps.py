"""Gaps, mapping sets and the coverage CSV in the API (read only; writes go through
crosswalk.gaps and the admin)."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from crosswalk import coverage
from crosswalk.analysis import _provisions
from crosswalk.api.conditional import conditional, pair_stamp
from crosswalk.api.filters import strict_query
from crosswalk.api.pagination import MappingCursorPagination
from crosswalk.api.permissions import sees_drafts
from crosswalk.api.schema import ERRORS
from crosswalk.api.serializers import (
    ErrorSerializer,
    PairQuerySerializer,
    ProvisionBriefSerializer,
)
from crosswalk.api.views import ConditionalReadMixin
from crosswalk.exports import guard_cell
from crosswalk.filters import GapFilter, PagingOnlyFilter
from crosswalk.models import Gap, Mapping, MappingSet


class GapSerializer(serializers.ModelSerializer):
    source = ProvisionBriefSerializer()
    target_instrument = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The instrument it has no counterpart in."
    )
    mapping_set = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the set it belongs to."
    )

    class Meta:
        model = Gap
        fields = [
            "id", "source", "target_instrument", "rationale", "method", "status", "provenance",
            "mapping_set", "published_at", "updated_at", "version",
        ]  # fmt: skip


class MappingSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = MappingSet
        fields = [
            "slug", "name", "made_by", "made_on", "method", "licence", "version", "description",
            "updated_at",
        ]  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="List gaps", responses={200: GapSerializer, **ERRORS}),
    retrieve=extend_schema(
        summary="One gap by id",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The gap's id."
            )
        ],
        responses={200: GapSerializer, **ERRORS},
    ),
)
class GapViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Reviewed statements that a provision has no counterpart in another instrument. Published
    only, except for staff."""

    serializer_class = GapSerializer
    filterset_class = GapFilter
    pagination_class = MappingCursorPagination
    lookup_value_regex = r"[0-9]{1,18}"
    stamp_fields = ("updated_at", "source.updated_at")

    def get_queryset(self) -> Any:
        return (
            Gap.objects.visible(drafts=sees_drafts(self.request))
            .select_related("source__instrument", "target_instrument", "mapping_set")
            .defer("source__text", "source__text_original", "source__search_vector")
        )


@extend_schema_view(
    list=extend_schema(
        summary="List mapping sets", responses={200: MappingSetSerializer, **ERRORS}
    ),
    retrieve=extend_schema(
        summary="One mapping set by slug",
        parameters=[
            OpenApiParameter(
                "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The set's slug."
            )
        ],
        responses={200: MappingSetSerializer, **ERRORS},
    ),
)
class MappingSetViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Named sets of mappings and gaps with their provenance: who made them, when, how, under
    which licence."""

    serializer_class = MappingSetSerializer
    queryset = MappingSet.objects.order_by("slug")
    lookup_field = "slug"
    lookup_value_regex = r"[a-z0-9_-]+"
    filterset_class = PagingOnlyFilter


COVERAGE_COLUMNS = [
    "instrument", "public_id", "citation", "heading", "other_instrument", "state",
    "counterparts", "gap_rationale",
]  # fmt: skip


def coverage_rows(*, source: Any, target: Any, mappings: Any, gaps: Any, as_of: Any = None) -> list:
    """One row per provision of either instrument with its coverage state in the other."""
    sides = [
        (source, target, _provisions(source, as_of)),
        (target, source, _provisions(target, as_of)),
    ]
    ids = {pk for _, _, rows in sides for pk, _ in rows}
    states = coverage.pair_states(
        first_id=source.pk, second_id=target.pk, mappings=mappings, gaps=gaps, provision_ids=ids
    )
    public_ids = {pk: brief["public_id"] for _, _, rows in sides for pk, brief in rows}
    out = []
    for instrument, other, rows in sides:
        for key, p in rows:
            state = states.state(key)
            counterparts = sorted(public_ids[pk] for pk in states.counterparts.get(key, ()))
            gap = states.gaps.get(key) if state == coverage.GAP_CONFIRMED else None
            out.append(
                [
                    instrument.slug, p["public_id"], p["citation"], p["heading"], other.slug, state,
                    " ".join(counterparts), gap["rationale"] if gap else "",
                ]
            )  # fmt: skip
    return out


class CoverageExportView(APIView):
    """Coverage of two instruments as CSV, one row per provision of either side."""

    @extend_schema(
        summary="Coverage of two instruments as CSV",
        description=(
            "One row per provision of `source` and of `target` (on `as_of`, when given): its "
            "state in the other instrument (`mapped`, `gap_confirmed`, `not_reviewed`), the "
            "provisions it is mapped to, and the gap's rationale. Published mappings and gaps "
            "only, except for staff."
        ),
        parameters=[PairQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8."),
            **{(code, "application/json"): ErrorSerializer for code in ERRORS},
        },
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, PairQuerySerializer)
        etag, last_modified = pair_stamp(request, query)
        drafts = sees_drafts(request)

        def build() -> HttpResponse:
            rows = coverage_rows(
                mappings=Mapping.objects.visible(drafts=drafts),
                gaps=Gap.objects.visible(drafts=drafts),
                **query,
            )
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(COVERAGE_COLUMNS)
            writer.writerows([[guard_cell(cell) for cell in row] for row in rows])
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            stamp = timezone.localdate().isoformat()
            name = f"crosswalk-coverage-{query['source'].slug}-{query['target'].slug}-{stamp}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response

        return conditional(request, etag, last_modified, build)
