"""Read-only API views: one queryset chain each; writes go through services."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crosswalk.analysis import TooManyResults, coverage_build, crosswalk_build
from crosswalk.api.conditional import conditional, pair_stamp, validators
from crosswalk.api.filters import strict_query
from crosswalk.api.pagination import MappingCursorPagination
from crosswalk.api.permissions import CanSeeDrafts, sees_drafts
from crosswalk.api.schema import ERRORS, key_parameter
from crosswalk.api.serializers import (
    CoverageSerializer,
    CrosswalkQuerySerializer,
    CrosswalkSerializer,
    InstrumentSerializer,
    JurisdictionSerializer,
    MappingSerializer,
    PairQuerySerializer,
    ProvisionSerializer,
    SuggestionQuerySerializer,
    SuggestionSerializer,
)
from crosswalk.filters import InstrumentFilter, MappingFilter, PagingOnlyFilter, ProvisionFilter
from crosswalk.models import Gap, Instrument, Jurisdiction, Mapping, Provision
from crosswalk.querysets import prefetch_rows
from crosswalk.suggestions import suggestions_for

INCLUDES = {"texts", "references", "topics"}


class ConditionalReadMixin:
    """Lists and details answer with ETag/Last-Modified computed from the rows they show:
    the total, each row's key and change time (or, for tables without one, its data)."""

    stamp_fields: tuple[str, ...] = ("updated_at",)

    def _stamps(self, row: Any) -> list[Any]:
        if isinstance(row, dict):  # a row read with values()
            return [row[path] for path in self.stamp_fields]
        return [attrgetter(path)(row) for path in self.stamp_fields]

    @staticmethod
    def _key(row: Any) -> Any:
        return row["id"] if isinstance(row, dict) else row.pk

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(queryset) if page is None else page
        total = getattr(
            getattr(getattr(self.paginator, "page", None), "paginator", None), "count", None
        )

        def serialized() -> Any:
            return self.get_serializer(rows, many=True).data

        if self.stamp_fields:
            stamps = [self._stamps(row) for row in rows]
            parts = [
                total,
                *(
                    (self._key(row), *row_stamps)
                    for row, row_stamps in zip(rows, stamps, strict=True)
                ),
            ]
            data = None
        else:
            stamps, data = [], serialized()
            parts = [total, data]
        etag, last_modified = validators(request, parts, [s for row in stamps for s in row])

        def build() -> Response:
            body = serialized() if data is None else data
            return self.get_paginated_response(body) if page is not None else Response(body)

        return conditional(request, etag, last_modified, build)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        obj = self.get_object()
        if self.stamp_fields:
            stamps, data = self._stamps(obj), None
            parts = [self._key(obj), *stamps]
        else:
            stamps, data = [], self.get_serializer(obj).data
            parts = [data]
        etag, last_modified = validators(request, parts, stamps)
        return conditional(
            request,
            etag,
            last_modified,
            lambda: Response(self.get_serializer(obj).data if data is None else data),
        )


class KeyOrNaturalLookupMixin:
    """Detail by natural key (slug, public id, code) or by numeric key."""

    natural_field = "pk"

    def get_object(self) -> Any:
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if value.isdigit() and len(value) > 18:
            raise NotFound()  # beyond bigint: no such row, and no query for it
        field = "pk" if value.isdigit() else self.natural_field
        self.kwargs = {**self.kwargs, field: value}
        self.lookup_field = self.lookup_url_kwarg = field
        return super().get_object()


@extend_schema_view(
    list=extend_schema(
        summary="List jurisdictions", responses={200: JurisdictionSerializer, **ERRORS}
    ),
    retrieve=extend_schema(
        summary="One jurisdiction by code",
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="e.g. `JP`."
            )
        ],
        responses={200: JurisdictionSerializer, **ERRORS},
    ),
)
class JurisdictionViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = JurisdictionSerializer
    queryset = Jurisdiction.objects.order_by("code")
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z]{2,8}"
    filterset_class = PagingOnlyFilter
    stamp_fields = ()


@extend_schema_view(
    list=extend_schema(summary="List instruments", responses={200: InstrumentSerializer, **ERRORS}),
    retrieve=extend_schema(
        summary="One instrument by slug or id",
        parameters=[key_parameter("slug", "eu-ai-act")],
        responses={200: InstrumentSerializer, **ERRORS},
    ),
)
class InstrumentViewSet(
    KeyOrNaturalLookupMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet
):
    """Instruments by slug (`eu-ai-act`) or numeric id."""

    serializer_class = InstrumentSerializer
    filterset_class = InstrumentFilter
    lookup_field = "key"
    lookup_value_regex = r"[a-z0-9-]+"
    natural_field = "slug"
    queryset = Instrument.objects.select_related("jurisdiction", "revoked_by").order_by("slug")


INCLUDE_PARAMETER = OpenApiParameter(
    "include",
    OpenApiTypes.STR,
    description=(
        "Comma-separated: `texts` (every dated text), `references` (the links each provision's "
        "text states or receives; always on details), `topics` (the topic slugs each provision "
        "is tagged with; always on details)."
    ),
)
# A provision's detail reads the day's text too (the list's other filters are not documented
# there: they only decide whether the one provision is found).
DAY_PARAMETERS = [
    OpenApiParameter(
        name, OpenApiTypes.DATE, description=ProvisionFilter.base_filters[name].extra["help_text"]
    )
    for name in ("as_of", "in_force_on")
]


@extend_schema_view(
    list=extend_schema(
        summary="List and search provisions, optionally as of a day",
        parameters=[INCLUDE_PARAMETER],
        responses={200: ProvisionSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "EU AI Act Article 4 as it read on 1 June 2025",
                value={"instrument": "eu-ai-act", "citation": "Article 4", "as_of": "2025-06-01"},
                request_only=True,
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One provision by public id or id",
        parameters=[
            INCLUDE_PARAMETER,
            *DAY_PARAMETERS,
            key_parameter("public id", "eu-ai-act:art_4"),
        ],
        responses={200: ProvisionSerializer, **ERRORS},
    ),
)
class ProvisionViewSet(
    KeyOrNaturalLookupMixin, ConditionalReadMixin, viewsets.ReadOnlyModelViewSet
):
    """Provisions by public id (`eu-ai-act:art_5__para_1__point_a`) or numeric id, with their
    latest text, or the text of the day given by `as_of` / `in_force_on`."""

    serializer_class = ProvisionSerializer
    filterset_class = ProvisionFilter
    lookup_field = "key"
    natural_field = "public_id"
    lookup_value_regex = r"[A-Za-z0-9_.:\-]+"

    # Built once: cloning it costs less than resolving its annotations on every request.
    base_queryset = Provision.objects.for_api_list()

    def get_queryset(self) -> Any:
        queryset = self.base_queryset.all()
        includes = self._includes()
        if "texts" in includes:
            queryset = queryset.with_all_texts()
        if "references" in includes or self.action == "retrieve":
            queryset = queryset.with_references()
        if "topics" in includes or self.action == "retrieve":
            queryset = queryset.with_topic_slugs()
        return queryset

    # Lists and details read rows as dicts (ProvisionQuerySet.as_rows), their prefetches
    # attached by prefetch_rows: no model instance is built for what is only written out.
    row_actions = ("list", "retrieve")

    def filter_queryset(self, queryset: Any) -> Any:
        queryset = super().filter_queryset(queryset)
        if self.action not in self.row_actions:
            return queryset
        rows, self.row_lookups = queryset.as_rows(ProvisionSerializer.row_fields)
        return rows

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        return page if page is None else prefetch_rows(page, self.row_lookups)

    def get_object(self) -> Any:
        found = super().get_object()
        if self.action in self.row_actions:
            prefetch_rows([found], self.row_lookups)
        return found

    def _includes(self) -> set[str]:
        raw = self.request.query_params.get("include", "")
        requested = {item for item in raw.split(",") if item}
        if requested - INCLUDES:
            raise ValidationError({"include": [f"Allowed values: {', '.join(sorted(INCLUDES))}."]})
        return requested

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["include_texts"] = "texts" in self._includes()
        # Parsed once, by the filter set, before any row is serialised.
        filterset = getattr(self, "filterset", None)
        context["status_day"] = filterset.day if filterset is not None else None
        return context

    @extend_schema(
        summary="Suggested targets for a provision (curators and reviewers)",
        parameters=[SuggestionQuerySerializer, key_parameter("public id", "eu-ai-act:art_4")],
        responses={200: SuggestionSerializer(many=True), **ERRORS},
        description=(
            "Curators and reviewers only (permission `view_draft_mapping`): the provisions of "
            "`target_instrument` in force on `as_of` that best match this one, by meaning "
            "(multilingual sentence embeddings of the original and English texts) and shared "
            "words (BM25), best first, as a plain array (not paged); each with both scores, the "
            "shared terms, the texts compared and the related provisions it stands for."
        ),
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[CanSeeDrafts],
        filterset_class=None,
        pagination_class=None,
    )
    def suggestions(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = strict_query(request, SuggestionQuerySerializer)
        provision = self.get_object()
        if query["target_instrument"].pk == provision.instrument_id:
            raise ValidationError({"target_instrument": ["Must differ from the provision's own."]})
        ranked = suggestions_for(
            provision,
            query["target_instrument"],
            limit=query["limit"],
            day=query.get("as_of"),
            level=query.get("level"),
            include_recitals=query["include_recitals"],
        )
        return Response(SuggestionSerializer(ranked, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="List mappings", responses={200: MappingSerializer, **ERRORS}),
    retrieve=extend_schema(
        summary="One mapping by id",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The mapping's id."
            )
        ],
        responses={200: MappingSerializer, **ERRORS},
    ),
)
class MappingViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """Mappings, read "source is <relationship> target". Published only, except for curators and
    reviewers (permission `view_draft_mapping`)."""

    serializer_class = MappingSerializer
    filterset_class = MappingFilter
    pagination_class = MappingCursorPagination
    lookup_value_regex = r"[0-9]{1,18}"
    stamp_fields = ("updated_at", "source.updated_at", "target.updated_at")

    def get_queryset(self) -> Any:
        return Mapping.objects.visible(drafts=sees_drafts(self.request)).for_api_list()


class CrosswalkView(APIView):
    """Every source provision with its mapped targets, read from the source's side."""

    @extend_schema(
        summary="Crosswalk of two instruments",
        description=(
            "Every provision of `source` with the provisions of `target` it is mapped to, read "
            "from the source's side: a mapping stored target→source is shown with the inverse "
            "relationship (`direction: inverse`). With `derived=true`, also relationships "
            "composed from published mappings through other instruments (set algebra; paths of "
            "up to `max_depth` mappings)."
        ),
        parameters=[CrosswalkQuerySerializer],
        responses={200: CrosswalkSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Japan's AI Promotion Act against the EU AI Act, with derived mappings",
                value={"source": "jp-ai-promotion-act", "target": "eu-ai-act", "derived": True},
                request_only=True,
            )
        ],
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, CrosswalkQuerySerializer)
        etag, last_modified = pair_stamp(request, query)
        mappings = Mapping.objects.visible(drafts=sees_drafts(request))

        def build() -> Response:
            try:
                body = crosswalk_build(mappings=mappings, **query)
            except TooManyResults as exc:
                raise ValidationError(
                    {
                        "max_results": [
                            f"This crosswalk would hold more than {exc.limit} mappings (direct "
                            "and derived). Narrow it (max_depth=2, as_of) or raise max_results "
                            "(at most 100000)."
                        ]
                    }
                ) from exc
            return Response(CrosswalkSerializer(body).data)

        return conditional(request, etag, last_modified, build)


class CoverageView(APIView):
    """How much of each instrument the mappings between them cover, and the gaps."""

    @extend_schema(
        summary="Coverage of two instruments",
        description=(
            "How many provisions of each side the mappings between them cover (a `not_related` "
            "mapping records a check, not coverage), counts per relationship, and each side's "
            "provisions in three states: mapped, gap confirmed (a reviewed statement that it "
            "has no counterpart in the other instrument, with its rationale), not reviewed. "
            "Published mappings and gaps only, except for staff. `unmapped` lists every "
            "provision not mapped (gaps and not reviewed)."
        ),
        parameters=[PairQuerySerializer],
        responses={200: CoverageSerializer, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, PairQuerySerializer)
        etag, last_modified = pair_stamp(request, query)
        mappings = Mapping.objects.visible(drafts=sees_drafts(request))
        gaps = Gap.objects.visible(drafts=sees_drafts(request))
        return conditional(
            request,
            etag,
            last_modified,
            lambda: Response(
                CoverageSerializer(coverage_build(mappings=mappings, gaps=gaps, **query)).data
            ),
        )
