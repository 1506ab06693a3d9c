"""The topic map in the API: topics with per-instrument counts, the compare view, the matrix."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.http import HttpResponse, HttpResponseBase
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crosswalk.api.conditional import conditional, validators
from crosswalk.api.filters import strict_query
from crosswalk.api.schema import ERRORS
from crosswalk.api.serializers import ErrorSerializer, IsoDateParameter
from crosswalk.api.views import ConditionalReadMixin
from crosswalk.exports import BOM, guard_cell
from crosswalk.filters import KeyFilter, StrictFilterSet, unknown_key_message
from crosswalk.models import Instrument, Topic
from crosswalk.topics import topic_compare, topic_counts, topic_matrix

MAX_COMPARED = 20
COUNTS = serializers.DictField(child=serializers.IntegerField())


# Topics --------------------------------------------------------------------------------------


class TopicSerializer(serializers.ModelSerializer):
    """A topic with its place in the map and how many provisions in force today carry it."""

    parent = serializers.CharField(source="parent.slug", default=None, allow_null=True)
    children = serializers.SerializerMethodField()
    provisions = serializers.SerializerMethodField()
    by_instrument = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = [
            "slug", "name", "parent", "children", "definition", "origin", "provisions",
            "by_instrument", "updated_at",
        ]  # fmt: skip

    def get_children(self, obj: Topic) -> list[str]:
        """Slugs of the topics under this one (empty below the top level)."""
        return [child.slug for child in obj.children.all()]

    def get_provisions(self, obj: Topic) -> int:
        """Provisions in force today that carry this topic (a top-level topic: it or one of its
        children), each counted once."""
        return sum(self.context["topic_counts"].get(obj.pk, {}).values())

    @extend_schema_field(COUNTS)
    def get_by_instrument(self, obj: Topic) -> dict[str, int]:
        """The same count per instrument slug; instruments with none are left out."""
        return self.context["topic_counts"].get(obj.pk, {})


class TopicFilter(StrictFilterSet):
    parent = KeyFilter(Topic, "slug", help_text="Slug of a top-level topic: its children.")
    top_level = django_filters.ChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        method="filter_top_level",
        help_text="`true`: top-level topics only; `false`: the topics under them.",
    )

    class Meta:
        model = Topic
        fields: list[str] = []

    def filter_top_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(parent__isnull=value == "true")


@extend_schema_view(
    list=extend_schema(summary="List the topic map", responses={200: TopicSerializer, **ERRORS}),
    retrieve=extend_schema(
        summary="One topic by slug",
        parameters=[
            OpenApiParameter(
                "slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The topic's slug."
            )
        ],
        responses={200: TopicSerializer, **ERRORS},
    ),
)
class TopicViewSet(ConditionalReadMixin, viewsets.ReadOnlyModelViewSet):
    """The topic map: two levels, each topic with its definition, where it comes from, and the
    provisions in force today that carry it, per instrument."""

    serializer_class = TopicSerializer
    filterset_class = TopicFilter
    lookup_field = "slug"
    lookup_value_regex = r"[a-z0-9-]+"
    # The ETag covers the serialised rows: counts change without touching a topic row.
    stamp_fields = ()

    def get_queryset(self) -> QuerySet[Topic]:
        children = Topic.objects.only("slug", "parent_id").order_by("position", "slug")
        return (
            Topic.objects.select_related("parent")
            .prefetch_related(Prefetch("children", queryset=children))
            .order_by("position", "slug")
        )

    def get_serializer_context(self) -> dict[str, Any]:
        # One query for every topic on the page, whatever its size.
        return {**super().get_serializer_context(), "topic_counts": topic_counts(_today())}


# Compare -------------------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


class CompareQuerySerializer(serializers.Serializer):
    topic = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Topic.objects.select_related("parent").prefetch_related("children"),
        help_text="Topic slug; a top-level topic includes its children's provisions.",
        error_messages={
            "does_not_exist": unknown_key_message(Topic, "slug").replace("%(value)s", "{value}")
        },
    )
    instruments = serializers.CharField(
        help_text=f"Comma-separated instrument slugs, shown in that order (at most {MAX_COMPARED})."
    )
    as_of = IsoDateParameter(
        required=False,
        help_text="YYYY-MM-DD: provisions in force and applicable that day, with that day's "
        "text. Without it: provisions in force today, applicable or not.",
    )

    def validate_instruments(self, value: str) -> list[Instrument]:
        slugs = [slug.strip() for slug in value.split(",")]
        if "" in slugs:
            raise serializers.ValidationError("Empty instrument slug.")
        if len(set(slugs)) != len(slugs):
            raise serializers.ValidationError("An instrument is listed twice.")
        if len(slugs) > MAX_COMPARED:
            raise serializers.ValidationError(f"At most {MAX_COMPARED} instruments.")
        found = Instrument.objects.select_related("jurisdiction").in_bulk(slugs, field_name="slug")
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            message = unknown_key_message(Instrument, "slug")
            raise serializers.ValidationError([message % {"value": slug} for slug in unknown])
        return [found[slug] for slug in slugs]


class CompareTopicSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    definition = serializers.CharField()


class CompareProvisionSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    citation = serializers.CharField()
    kind = serializers.CharField()
    heading = serializers.CharField()
    text = serializers.CharField(allow_null=True, help_text="English; null where there is none.")
    heading_original = serializers.CharField()
    text_original = serializers.CharField()
    original_language = serializers.CharField()
    status = serializers.CharField(help_text="On `in_force_on`, e.g. `not_yet_applicable`.")
    topics = serializers.ListField(child=serializers.CharField(), help_text="All its topics.")


class CompareColumnSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    short_title = serializers.CharField()
    jurisdiction = serializers.CharField()
    count = serializers.IntegerField()
    provisions = CompareProvisionSerializer(many=True)


class CompareSerializer(serializers.Serializer):
    topic = CompareTopicSerializer()
    includes = serializers.ListField(
        child=serializers.CharField(), help_text="The topic and its children: what was matched."
    )
    as_of = serializers.DateField(allow_null=True)
    in_force_on = serializers.DateField()
    instruments = CompareColumnSerializer(many=True, help_text="One column per instrument asked.")


class CompareView(APIView):
    """Every listed instrument's provisions on one topic, side by side: what each says about it."""

    @extend_schema(
        summary="Compare instruments on one topic",
        parameters=[CompareQuerySerializer],
        responses={200: CompareSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Labelling of AI-generated content in the EU, Korea and the G7 code",
                value={
                    "topic": "labelling-of-generated-content",
                    "instruments": "eu-ai-act,kr-ai-framework-act,g7-hiroshima-code-of-conduct",
                },
                request_only=True,
            )
        ],
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, CompareQuerySerializer)
        body = topic_compare(
            topic=query["topic"],
            instruments=query["instruments"],
            as_of=query.get("as_of"),
            today=_today(),
        )
        etag, last_modified = validators(request, [body], [])
        return conditional(request, etag, last_modified, lambda: Response(body))


# Matrix --------------------------------------------------------------------------------------


class MatrixQuerySerializer(serializers.Serializer):
    as_of = IsoDateParameter(
        required=False, help_text="YYYY-MM-DD: count provisions in force that day (today)."
    )


class MatrixCsvQuerySerializer(MatrixQuerySerializer):
    bom = serializers.BooleanField(
        required=False, default=False, help_text="`true`: start with a UTF-8 BOM (Excel)."
    )


class MatrixInstrumentSerializer(serializers.Serializer):
    slug = serializers.CharField()
    short_title = serializers.CharField()
    jurisdiction = serializers.CharField()
    citable_units = serializers.IntegerField(help_text="Citable units in force that day.")
    tagged = serializers.IntegerField(help_text="Of those, carrying 1–3 topics.")
    procedural = serializers.IntegerField(help_text="Of those, marked procedural.")
    untagged = serializers.ListField(
        child=serializers.CharField(), help_text="Public ids of citable units neither."
    )
    share_covered = serializers.FloatField(help_text="(tagged + procedural) / citable units.")


class MatrixRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(allow_null=True)
    total = serializers.IntegerField()
    counts = COUNTS


class MatrixSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    instruments = MatrixInstrumentSerializer(many=True)
    topics = MatrixRowSerializer(many=True, help_text="Each top-level topic, then its children.")


def matrix_document(day: datetime.date) -> dict[str, Any]:
    matrix = topic_matrix(day)
    coverage = matrix["coverage"]
    slugs = [entry.instrument.slug for entry in coverage]
    return {
        "as_of": day,
        "instruments": [
            {
                "slug": entry.instrument.slug,
                "short_title": entry.instrument.short_title,
                "jurisdiction": entry.instrument.jurisdiction.code,
                "citable_units": entry.citable_units,
                "tagged": entry.tagged,
                "procedural": entry.procedural,
                "untagged": [p.public_id for p in [*entry.untagged, *entry.too_many]],
                "share_covered": round(entry.share_covered, 4),
            }
            for entry in coverage
        ],
        "topics": [
            {
                "slug": row["topic"].slug,
                "name": row["topic"].name,
                "parent": row["topic"].parent.slug if row["topic"].parent else None,
                "total": row["total"],
                "counts": dict(zip(slugs, row["counts"], strict=True)),
            }
            for row in matrix["topics"]
        ],
    }


class TopicMatrixView(APIView):
    """Topics × in-force instruments: how many provisions in force carry each topic, and how
    much of each instrument's citable units the map covers."""

    @extend_schema(
        summary="Topic × instrument matrix",
        parameters=[MatrixQuerySerializer],
        responses={200: MatrixSerializer, **ERRORS},
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, MatrixQuerySerializer)
        body = matrix_document(query.get("as_of") or _today())
        etag, last_modified = validators(request, [body], [])
        return conditional(request, etag, last_modified, lambda: Response(body))


class TopicMatrixCsvView(APIView):
    """The topic matrix as CSV: one row per topic, one column per in-force instrument."""

    @extend_schema(
        summary="Topic × instrument matrix as CSV",
        parameters=[MatrixCsvQuerySerializer],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="CSV with a header row (topic, name, parent, total, then one "
                "column per instrument slug), RFC 4180 quoting, UTF-8; cells guarded against "
                "spreadsheet formulas.",
            ),
            **{(code, "application/json"): ErrorSerializer for code in ERRORS},
        },
    )
    def get(self, request: Request) -> HttpResponseBase:
        query = strict_query(request, MatrixCsvQuerySerializer)
        document = matrix_document(query.get("as_of") or _today())
        etag, last_modified = validators(request, [document], [])
        return conditional(
            request, etag, last_modified, lambda: _matrix_csv(document, bom=query["bom"])
        )


def _matrix_csv(document: dict[str, Any], *, bom: bool) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    slugs = [entry["slug"] for entry in document["instruments"]]
    writer.writerow(["topic", "name", "parent", "total", *slugs])
    for row in document["topics"]:
        writer.writerow(
            [
                guard_cell(row["slug"]),
                guard_cell(row["name"]),
                guard_cell(row["parent"] or ""),
                row["total"],
                *(row["counts"][slug] for slug in slugs),
            ]
        )
    content = (BOM if bom else b"") + buffer.getvalue().encode("utf-8")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    name = f"crosswalk-topic-matrix-{document['as_of'].isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
