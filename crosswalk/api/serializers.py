"""Serializers shape prefetched data; they never query."""

from __future__ import annotations

import datetime
import functools
import operator
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import ISO_8601, api_settings

from crosswalk.filters import DATE_MESSAGE, iso_date, unknown_key_message
from crosswalk.models import Instrument, Jurisdiction, Mapping, Provision, ProvisionText
from crosswalk.status import status_of

# Lean writing ---------------------------------------------------------------------------------
# DRF writes a row field by field (get_attribute, SkipField checks, to_representation, a ReturnDict
# copy), which costs more than the query behind a page of a hundred rows. The serializers below
# declare their fields as DRF fields, so the OpenAPI schema and the output are read from one
# place, but write each row through a plan compiled once per class: per field, its source path
# and a converter giving exactly what the field's own to_representation gives.


def _iso_datetime(value: datetime.datetime) -> str:
    # DRF's DateTimeField: in the current time zone, ISO 8601, UTC as "Z". Nothing here
    # activates a time zone, so the current one is settings.TIME_ZONE (a cached look-up, where
    # get_current_timezone() reads a context-local on every value).
    if value.tzinfo is not None:
        value = value.astimezone(timezone.get_default_timezone())
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _iso_date(value: Any) -> Any:
    return value if isinstance(value, str) else value.isoformat()


def _same(value: Any) -> Any:
    return value


CONVERTERS: dict[type, Callable[[Any], Any]] = {
    serializers.CharField: str,
    serializers.SlugField: str,
    serializers.URLField: str,
    serializers.EmailField: str,
    serializers.IntegerField: int,
    serializers.FloatField: float,
    serializers.DateField: _iso_date,
    serializers.DateTimeField: _iso_datetime,
    serializers.BooleanField: bool,
    serializers.ReadOnlyField: _same,
}


def _iso_formats() -> bool:
    return api_settings.DATE_FORMAT == ISO_8601 and api_settings.DATETIME_FORMAT == ISO_8601


def _converter(field: serializers.Field) -> Callable[[Any], Any]:
    # Dates and times: the fast path writes ISO 8601, as DRF does unless told otherwise.
    if (
        type(field) in CONVERTERS
        and getattr(field, "format", ISO_8601) == ISO_8601
        and (_iso_formats())
    ):
        return CONVERTERS[type(field)]
    if isinstance(field, serializers.ChoiceField) and all(
        isinstance(key, str) for key in field.choice_strings_to_values
    ):
        return _same  # string choices are written as stored
    if type(field) is serializers.JSONField and not field.binary:
        return _same
    return field.to_representation  # anything else: the field itself, exactly


def _getter(path: list[str], by_key: bool) -> Callable[[Any], Any]:
    # C getters: a missing attribute or key, or None half-way along a dotted path, raises
    # AttributeError / KeyError / TypeError, which DRF answers with the field's default.
    if not by_key:
        return operator.attrgetter(".".join(path))
    if len(path) == 1:
        return operator.itemgetter(path[0])

    def get(instance: Any) -> Any:
        for name in path:
            instance = instance[name]
        return instance

    return get


MISSING = (AttributeError, KeyError, TypeError)
METHOD, VALUE, MANY, ONE = range(4)
Step = tuple[str, int, Any, Any, serializers.Field]


@functools.cache
def _model_plan(serializer_class: type, by_key: bool) -> tuple[Step, ...]:
    """(name, kind, getter or method name, converter or nested class, field) per field."""
    plan: list[Step] = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            plan.append((name, METHOD, field.method_name, None, field))
            continue
        getter = _getter(field.source_attrs, by_key)
        if isinstance(field, serializers.ListSerializer):
            child = type(field.child)
            assert issubclass(child, LeanWriteMixin), f"{serializer_class.__name__}.{name}"
            plan.append((name, MANY, getter, child, field))
        elif isinstance(field, serializers.BaseSerializer):
            assert isinstance(field, LeanWriteMixin), f"{serializer_class.__name__}.{name}"
            plan.append((name, ONE, getter, type(field), field))
        else:
            plan.append((name, VALUE, getter, _converter(field), field))
    return tuple(plan)


def lean_write(serializer: Any, instance: Any) -> dict[str, Any]:
    """What DRF's `serializer.to_representation(instance)` gives, through the class's plan."""
    out: dict[str, Any] = {}
    for name, kind, get, convert, field in _model_plan(type(serializer), type(instance) is dict):
        if kind == METHOD:
            out[name] = getattr(serializer, get)(instance)
            continue
        try:
            value = get(instance)
        except MISSING:
            if field.default is not empty:
                value = field.get_default()
            elif field.allow_null:
                value = None
            elif not field.required:
                continue
            else:
                raise
        if value is None:
            out[name] = None
        elif kind == VALUE:
            out[name] = convert(value)
        elif kind == MANY:
            child = _nested(convert)
            if hasattr(value, "all"):
                value = value.all()
            out[name] = [lean_write(child, item) for item in value]
        else:
            out[name] = lean_write(_nested(convert), value)
    return out


@functools.cache
def _nested(serializer_class: type) -> Any:
    # One context-free instance serves every row: nested serializers have no method fields.
    for by_key in (False, True):
        assert all(step[1] != METHOD for step in _model_plan(serializer_class, by_key))
    return serializer_class()


class LeanWriteMixin:
    """Write rows through the class's compiled plan instead of DRF's per-field machinery."""

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return lean_write(self, instance)


class JurisdictionSerializer(LeanWriteMixin, serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name"]


class InstrumentSerializer(LeanWriteMixin, serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    type = serializers.CharField(source="instrument_type")
    revoked_by = serializers.CharField(source="revoked_by.public_id", default=None, allow_null=True)

    class Meta:
        model = Instrument
        fields = [
            "id", "slug", "title", "short_title", "title_original", "original_language",
            "jurisdiction", "issuing_body", "type", "legal_force", "status", "adopted_on",
            "in_force_from", "in_force_until", "revoked_by", "official_identifier", "identifiers",
            "source_url", "reuse_terms", "english_text_status", "amended_by", "notes", "versions",
            "updated_at",
        ]  # fmt: skip


class FootnoteSerializer(LeanWriteMixin, serializers.Serializer):
    number = serializers.CharField()
    text = serializers.CharField(allow_null=True, help_text="Null where the source has no text.")


class ProvisionTextSerializer(LeanWriteMixin, serializers.ModelSerializer):
    footnotes = FootnoteSerializer(many=True)

    class Meta:
        model = ProvisionText
        fields = [
            "valid_from", "valid_until", "heading", "text", "heading_original", "text_original",
            "original_language", "changed_by", "footnotes", "translation_note",
        ]  # fmt: skip


class ReferenceSerializer(LeanWriteMixin, serializers.Serializer):
    """A legal link stated by the source's text, with the dates of the text that states it."""

    type = serializers.CharField()
    source = serializers.CharField(source="source.public_id")
    target = serializers.CharField(source="target.public_id")
    target_citation = serializers.CharField(source="target.citation")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    note = serializers.CharField()


class ProvisionSerializer(LeanWriteMixin, serializers.ModelSerializer):
    """A provision with its latest text, or with the text of the requested day."""

    instrument = serializers.CharField(source="instrument_slug")
    parent = serializers.CharField(source="parent_public_id", allow_null=True)
    ended_by = serializers.CharField(source="ended_by_public_id", allow_null=True)
    status = serializers.SerializerMethodField()
    text = serializers.CharField(
        allow_null=True, help_text="English; null where none exists (see `translation_note`)."
    )
    footnotes = FootnoteSerializer(many=True)
    texts = serializers.SerializerMethodField()
    references = serializers.SerializerMethodField()
    referenced_by = serializers.SerializerMethodField()
    topics = serializers.SerializerMethodField()

    # The columns and annotations a row must hold (ProvisionQuerySet.as_rows).
    row_fields = (
        "id", "public_id", "instrument_slug", "citation", "eid", "kind", "label",
        "label_original", "heading", "text", "heading_original", "text_original",
        "original_language", "translation_note", "footnotes", "parent_public_id", "position",
        "in_force_from", "in_force_until", "end_reason", "ended_by_public_id", "end_note",
        "applies_from", "applies_until", "application_dates", "application_note", "updated_at",
        "procedural",
    )  # fmt: skip

    class Meta:
        model = Provision
        fields = [
            "id", "public_id", "instrument", "citation", "eid", "kind", "label", "label_original",
            "heading", "text", "heading_original", "text_original", "original_language",
            "translation_note", "footnotes", "parent", "position", "status", "in_force_from",
            "in_force_until", "end_reason", "ended_by", "end_note", "applies_from",
            "applies_until", "application_dates", "application_note", "updated_at", "texts",
            "references", "referenced_by", "topics", "procedural",
        ]  # fmt: skip

    @functools.cached_property
    def status_day(self) -> datetime.date:
        """The day of `as_of` / `in_force_on`, else today: once per response, not per row."""
        return self.context.get("status_day") or timezone.localdate()

    # Rows are dicts (ProvisionQuerySet.as_rows: the provision's columns, the annotations of
    # for_api_list, and what prefetch_rows attached), not model instances.

    def get_status(self, row: dict[str, Any]) -> str:
        return status_of(row, self.status_day)

    @extend_schema_field(ProvisionTextSerializer(many=True, allow_null=True))
    def get_texts(self, row: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Every dated text, oldest first, with `?include=texts`; null otherwise."""
        if not self.context.get("include_texts"):
            return None
        return ProvisionTextSerializer(row["texts"], many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_topics(self, row: dict[str, Any]) -> list[str] | None:
        """Topic slugs: on details, and on lists with `?include=topics`; null otherwise."""
        topics = row.get("topic_rows")
        return None if topics is None else [topic.slug for topic in topics]

    @extend_schema_field(ReferenceSerializer(many=True, allow_null=True))
    def get_references(self, row: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Links this provision's text states (implements, revokes, reproduces): on details,
        and on lists with `?include=references`; null otherwise."""
        links = row.get("outgoing_references")
        return None if links is None else ReferenceSerializer(links, many=True).data

    @extend_schema_field(ReferenceSerializer(many=True, allow_null=True))
    def get_referenced_by(self, row: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Links other provisions' texts state to this one, like `references`."""
        links = row.get("incoming_references")
        return None if links is None else ReferenceSerializer(links, many=True).data

    def to_representation(self, row: dict[str, Any]) -> dict[str, Any]:
        data = super().to_representation(row)
        day_texts = row.get("texts_on_day")
        if day_texts:
            for key in (
                "heading", "text", "heading_original", "text_original", "original_language",
                "translation_note",
            ):  # fmt: skip
                data[key] = getattr(day_texts[0], key)
            data["footnotes"] = FootnoteSerializer(day_texts[0].footnotes, many=True).data
        if not data["text"] and data["text_original"]:
            data["text"] = None  # no English: say so (translation_note), not ""
        return data


class ProvisionBriefSerializer(LeanWriteMixin, serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.slug")

    class Meta:
        model = Provision
        fields = ["public_id", "citation", "instrument", "heading"]


class MappingSerializer(LeanWriteMixin, serializers.ModelSerializer):
    source = ProvisionBriefSerializer()
    target = ProvisionBriefSerializer()
    mapping_set = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="Slug of the set it belongs to."
    )

    class Meta:
        model = Mapping
        fields = [
            "id", "source", "target", "relationship", "strength", "rationale_type", "rationale",
            "status", "provenance", "published_at", "updated_at", "version", "text_changed",
            "mapping_set",
        ]  # fmt: skip


class SuggestionRelatedSerializer(serializers.Serializer):
    public_id = serializers.CharField(source="provision.public_id")
    citation = serializers.CharField(source="provision.citation")
    relation = serializers.CharField(
        help_text="How it relates to the suggestion: parent, ancestor, child or descendant."
    )
    score = serializers.FloatField()


class SuggestionSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField(help_text="Fused score (standardised semantic and lexical).")
    public_id = serializers.CharField(source="provision.public_id")
    citation = serializers.CharField(source="provision.citation")
    heading = serializers.CharField(source="provision.heading")
    kind = serializers.CharField(source="provision.kind")
    semantic_score = serializers.FloatField(
        source="semantic",
        allow_null=True,
        help_text="Cosine similarity of the sentence embeddings (mean over `semantic_texts`).",
    )
    lexical_score = serializers.FloatField(
        source="lexical", help_text="BM25 over the English texts, normalised by the query."
    )
    shared_terms = serializers.ListField(
        child=serializers.CharField(),
        help_text="Stemmed English terms both texts use, the most telling first.",
    )
    semantic_texts = serializers.ListField(
        child=serializers.CharField(),
        help_text='Which texts the embeddings compared, as "query language→candidate language": '
        'a Japanese or Korean original is compared beside its English translation ("ja→en", '
        '"en→en").',
    )
    also = SuggestionRelatedSerializer(
        many=True,
        help_text="Related provisions this suggestion stands for (its parent or parts), "
        "best first.",
    )


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-parameter messages for a 400; empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error shape of every 4xx response."""

    error = ErrorBodySerializer()


# Computed responses (crosswalk, coverage): lean serializers ---------------------------------


class LeanSerializer(serializers.Serializer):
    # Declares a computed response like any serializer, so the schema is read from it, but
    # writes it with one plan per class instead of DRF's per-field machinery (which costs more
    # than computing a crosswalk of a thousand rows). Input is a dict; values pass through as
    # they are. Only declared keys are written and a missing required key is an error, so the
    # response cannot drift from its documentation. (A comment, not a docstring: the schema
    # would give it to every subclass as its description.)

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        return _writer(type(self))(instance)


Writer = Callable[[dict[str, Any]], dict[str, Any]]


@functools.cache
def _writer(serializer_class: type[LeanSerializer]) -> Writer:
    plan: list[tuple[str, str, Writer | None, bool]] = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, serializers.ListSerializer):
            assert isinstance(field.child, LeanSerializer), name
            plan.append((name, "many", _writer(type(field.child)), field.required))
        elif isinstance(field, LeanSerializer):
            plan.append((name, "one", _writer(type(field)), field.required))
        else:
            plan.append((name, "value", None, field.required))

    def write(data: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, kind, nested, required in plan:
            if not required and name not in data:
                continue
            value = data[name]
            if kind == "many":
                value = [nested(item) for item in value]
            elif kind == "one" and value is not None:
                value = nested(value)
            out[name] = value
        return out

    return write


class ProvisionRefSerializer(LeanSerializer):
    """A provision, briefly."""

    public_id = serializers.CharField(help_text="The provision's public id.")
    citation = serializers.CharField(help_text="The source's own reference.")
    heading = serializers.CharField(help_text="Latest heading; may be empty.")


class CrosswalkMappingSerializer(LeanSerializer):
    """A stored mapping read from the row's provision."""

    target = ProvisionRefSerializer()
    relationship = serializers.ChoiceField(
        choices=Mapping.Relationship.choices, help_text="Read 'provision is <relationship> target'."
    )
    strength = serializers.IntegerField(allow_null=True, help_text="1–10, when recorded.")
    mapping_id = serializers.IntegerField(help_text="The stored mapping: /api/v1/mappings/<id>/.")
    direction = serializers.ChoiceField(
        choices=["stored", "inverse"],
        help_text="'inverse' when the mapping is stored target→source and read from this side.",
    )
    status = serializers.ChoiceField(
        choices=[Mapping.Status.PUBLISHED, Mapping.Status.DRAFT, Mapping.Status.IN_REVIEW],
        help_text="Always 'published' except for readers allowed to see drafts.",
    )


class DerivedMappingSerializer(LeanSerializer):
    """A relationship composed from published mappings through other instruments."""

    target = ProvisionRefSerializer()
    relationship = serializers.CharField(help_text="A relationship, or 'overlaps' (derived only).")
    strength = serializers.IntegerField(allow_null=True, help_text="Weakest strength on the path.")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="Public ids of the provisions passed through."
    )


class CrosswalkRowSerializer(LeanSerializer):
    """One source provision with its targets."""

    provision = ProvisionRefSerializer()
    mappings = CrosswalkMappingSerializer(many=True)
    derived = DerivedMappingSerializer(
        many=True, required=False, help_text="With `derived=true` only."
    )


class CrosswalkSummarySerializer(LeanSerializer):
    """Counts over the whole crosswalk."""

    source_provisions = serializers.IntegerField(help_text="Source provisions listed.")
    mapped = serializers.IntegerField(help_text="Of those, with a mapping other than not_related.")
    unmapped = serializers.IntegerField(help_text="The others.")
    share_mapped = serializers.FloatField(help_text="mapped / source_provisions, 0–1.")
    by_relationship = serializers.DictField(
        child=serializers.IntegerField(), help_text="Mappings per relationship, read source-side."
    )
    derived = serializers.IntegerField(
        required=False, help_text="Derived mappings (with `derived=true` only)."
    )


class CrosswalkSerializer(LeanSerializer):
    """Every source provision with the target provisions it is mapped to."""

    source = serializers.CharField(help_text="Source instrument slug.")
    target = serializers.CharField(help_text="Target instrument slug.")
    as_of = serializers.DateField(allow_null=True, help_text="The day asked for, if any.")
    derived = serializers.BooleanField(help_text="Whether derived mappings were computed.")
    max_depth = serializers.IntegerField(
        allow_null=True, help_text="Longest path of derived mappings; null without `derived`."
    )
    summary = CrosswalkSummarySerializer()
    results = CrosswalkRowSerializer(many=True)


class CoverageGapSerializer(LeanSerializer):
    """A provision with no counterpart in the other instrument, and why."""

    provision = ProvisionRefSerializer()
    rationale = serializers.CharField(help_text="The reviewed rationale of the gap.")


class CoverageSideSerializer(LeanSerializer):
    """One instrument's side of the coverage."""

    instrument = serializers.CharField(help_text="Instrument slug.")
    provisions = serializers.IntegerField(help_text="Its provisions (on `as_of`, when given).")
    mapped = serializers.IntegerField(help_text="Of those, with a mapping other than not_related.")
    share_mapped = serializers.FloatField(help_text="mapped / provisions, 0–1.")
    gap_confirmed = serializers.IntegerField(
        help_text="Not mapped, and a reviewed gap says it has no counterpart in the other."
    )
    not_reviewed = serializers.IntegerField(help_text="Neither mapped nor a confirmed gap.")
    unmapped = ProvisionRefSerializer(many=True)
    gaps = CoverageGapSerializer(many=True)


class CoverageSerializer(LeanSerializer):
    """How much of each instrument the mappings between them cover."""

    source = CoverageSideSerializer()
    target = CoverageSideSerializer()
    as_of = serializers.DateField(allow_null=True, help_text="The day asked for, if any.")
    by_relationship = serializers.DictField(
        child=serializers.IntegerField(), help_text="Mappings per relationship, read source-side."
    )
    by_status = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Mappings per status: unpublished ones only for readers allowed to see drafts.",
    )
    mappings = serializers.IntegerField(help_text="Mappings between the two instruments.")


# Query parameters ----------------------------------------------------------------------------


class IsoDateParameter(serializers.DateField):
    """`YYYY-MM-DD` only, parsed as the list filters parse it."""

    def to_internal_value(self, value: Any) -> datetime.date:
        try:
            return iso_date(str(value))
        except ValueError as exc:
            raise serializers.ValidationError(DATE_MESSAGE) from exc


def instrument_parameter(help_text: str) -> serializers.SlugRelatedField:
    return serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Instrument.objects.all(),
        help_text=help_text,
        error_messages={
            "does_not_exist": unknown_key_message(Instrument, "slug").replace(
                "%(value)s", "{value}"
            )
        },
    )


class SuggestionQuerySerializer(serializers.Serializer):
    target_instrument = instrument_parameter("Slug of the instrument to look in.")
    limit = serializers.IntegerField(
        required=False, default=10, min_value=1, max_value=50, help_text="How many, 1–50."
    )
    as_of = IsoDateParameter(
        required=False, help_text="YYYY-MM-DD: only provisions in force that day (default today)."
    )
    level = serializers.ChoiceField(
        choices=["article", "principle", "leaf"],
        required=False,
        help_text="article: articles or the instrument's equivalent unit; principle: the same "
        "with NIST subcategories; leaf: the most specific provisions only. Default: any level, "
        "a provision and its ancestor never both shown.",
    )
    include_recitals = serializers.BooleanField(
        required=False, default=False, help_text="Recitals are left out unless true."
    )


class PairQuerySerializer(serializers.Serializer):
    """Query parameters of crosswalk, coverage and the OSCAL export."""

    source = instrument_parameter("Slug of the source instrument, e.g. `jp-ai-promotion-act`.")
    target = instrument_parameter("Slug of the target instrument, e.g. `eu-ai-act`; not source.")
    as_of = IsoDateParameter(
        required=False,
        help_text=(
            "YYYY-MM-DD: only provisions in force and applicable that day, and only mappings "
            "between them."
        ),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["source"] == attrs["target"]:
            raise serializers.ValidationError({"target": ["Must differ from source."]})
        return attrs


class CrosswalkQuerySerializer(PairQuerySerializer):
    derived = serializers.BooleanField(
        required=False,
        default=False,
        help_text=(
            "`true`: also mappings derived by composing published ones through other "
            "instruments, with their path."
        ),
    )
    max_depth = serializers.IntegerField(
        required=False,
        default=2,
        min_value=2,
        max_value=3,
        help_text="With `derived=true`: the longest path, in mappings (2 or 3).",
    )
    max_results = serializers.IntegerField(
        required=False,
        default=20_000,
        min_value=1,
        max_value=100_000,
        help_text=(
            "The most mappings (direct and derived) the response may hold, 1–100,000: a "
            "crosswalk that would hold more is a 400 naming this parameter."
        ),
    )
