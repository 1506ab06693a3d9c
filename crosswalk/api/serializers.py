"""Serializers shape prefetched data; they never query."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from crosswalk.models import Instrument, Jurisdiction, Mapping, Provision, ProvisionText, Topic


class JurisdictionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Jurisdiction
        fields = ["code", "name"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "name", "description"]


class InstrumentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    type = serializers.CharField(source="instrument_type")
    revoked_by = serializers.CharField(source="revoked_by.public_id", default=None, allow_null=True)

    class Meta:
        model = Instrument
        fields = [
            "id", "slug", "title", "short_title", "title_original", "original_language",
            "jurisdiction", "issuing_body", "type", "legal_force", "status", "adopted_on",
            "in_force_from", "in_force_until", "revoked_by", "official_identifier", "identifiers",
            "source_url", "reuse_terms", "english_text_status", "amended_by", "notes", "updated_at",
        ]  # fmt: skip


class ProvisionTextSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisionText
        fields = [
            "valid_from", "valid_until", "heading", "text", "heading_original", "text_original",
            "original_language", "changed_by",
        ]  # fmt: skip


class ProvisionSerializer(serializers.ModelSerializer):
    """A provision with its latest text, or with the text of the requested day."""

    instrument = serializers.CharField(source="instrument_slug")
    parent = serializers.CharField(source="parent_public_id", allow_null=True)
    ended_by = serializers.CharField(source="ended_by_public_id", allow_null=True)
    status = serializers.SerializerMethodField()
    texts = serializers.SerializerMethodField()

    class Meta:
        model = Provision
        fields = [
            "id", "public_id", "instrument", "citation", "eid", "kind", "label", "label_original",
            "heading", "text", "heading_original", "text_original", "original_language", "parent",
            "position", "status", "in_force_from", "in_force_until", "end_reason", "ended_by",
            "end_note", "applies_from", "applies_until", "application_dates", "application_note",
            "updated_at", "texts",
        ]  # fmt: skip

    def get_status(self, obj: Provision) -> str:
        return obj.status_on(self.context.get("status_day") or timezone.localdate())

    @extend_schema_field(ProvisionTextSerializer(many=True, allow_null=True))
    def get_texts(self, obj: Provision) -> list[dict[str, Any]] | None:
        """Every dated text, oldest first, with `?include=texts`; null otherwise."""
        if not self.context.get("include_texts"):
            return None
        return ProvisionTextSerializer(obj.texts.all(), many=True).data

    def to_representation(self, obj: Provision) -> dict[str, Any]:
        data = super().to_representation(obj)
        day_texts = getattr(obj, "texts_on_day", None)
        if day_texts:
            for key in ("heading", "text", "heading_original", "text_original"):
                data[key] = getattr(day_texts[0], key)
        return data


class ProvisionBriefSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.slug")

    class Meta:
        model = Provision
        fields = ["public_id", "citation", "instrument", "heading"]


class MappingSerializer(serializers.ModelSerializer):
    source = ProvisionBriefSerializer()
    target = ProvisionBriefSerializer()

    class Meta:
        model = Mapping
        fields = [
            "id", "source", "target", "relationship", "strength", "rationale_type", "rationale",
            "status", "provenance", "published_at", "updated_at", "version", "text_changed",
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


class SuggestionQuerySerializer(serializers.Serializer):
    target_instrument = serializers.SlugRelatedField(
        slug_field="slug", queryset=Instrument.objects.all()
    )
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=50)
    as_of = serializers.DateField(
        required=False, help_text="Only provisions in force on this day (default today)."
    )
    level = serializers.ChoiceField(
        choices=["article", "principle", "leaf"],
        required=False,
        help_text="article: articles or the instrument's equivalent unit; principle: the same "
        "with NIST subcategories; leaf: the most specific provisions only. Default: any level, "
        "a provision and its ancestor never both shown.",
    )
    include_recitals = serializers.BooleanField(required=False, default=False)


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


class ProvisionRefSerializer(serializers.Serializer):
    public_id = serializers.CharField()
    citation = serializers.CharField()
    heading = serializers.CharField()


class CrosswalkMappingSerializer(serializers.Serializer):
    target = ProvisionRefSerializer()
    relationship = serializers.ChoiceField(choices=Mapping.Relationship.choices)
    strength = serializers.IntegerField(allow_null=True)
    mapping_id = serializers.IntegerField()
    direction = serializers.ChoiceField(
        choices=["stored", "inverse"],
        help_text="'inverse' when the mapping is stored target→source and read from this side.",
    )


class DerivedMappingSerializer(serializers.Serializer):
    target = ProvisionRefSerializer()
    relationship = serializers.CharField(help_text="A relationship, or 'overlaps' (derived only).")
    strength = serializers.IntegerField(allow_null=True, help_text="Weakest strength on the path.")
    path = serializers.ListField(
        child=serializers.CharField(), help_text="Public ids of the provisions passed through."
    )


class CrosswalkRowSerializer(serializers.Serializer):
    provision = ProvisionRefSerializer()
    mappings = CrosswalkMappingSerializer(many=True)
    derived = DerivedMappingSerializer(many=True, required=False)


class CrosswalkSummarySerializer(serializers.Serializer):
    source_provisions = serializers.IntegerField()
    mapped = serializers.IntegerField()
    unmapped = serializers.IntegerField()
    share_mapped = serializers.FloatField()
    by_relationship = serializers.DictField(child=serializers.IntegerField())
    derived = serializers.IntegerField(required=False)


class CrosswalkSerializer(serializers.Serializer):
    source = serializers.CharField()
    target = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)
    derived = serializers.BooleanField()
    max_depth = serializers.IntegerField(allow_null=True)
    summary = CrosswalkSummarySerializer()
    results = CrosswalkRowSerializer(many=True)


class CoverageSideSerializer(serializers.Serializer):
    instrument = serializers.CharField()
    provisions = serializers.IntegerField()
    mapped = serializers.IntegerField()
    share_mapped = serializers.FloatField()
    unmapped = ProvisionRefSerializer(many=True)


class CoverageSerializer(serializers.Serializer):
    source = CoverageSideSerializer()
    target = CoverageSideSerializer()
    as_of = serializers.DateField(allow_null=True)
    by_relationship = serializers.DictField(child=serializers.IntegerField())
    mappings = serializers.IntegerField()


class PairQuerySerializer(serializers.Serializer):
    """Query parameters of crosswalk and coverage."""

    source = serializers.SlugRelatedField(slug_field="slug", queryset=Instrument.objects.all())
    target = serializers.SlugRelatedField(slug_field="slug", queryset=Instrument.objects.all())
    as_of = serializers.DateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["source"] == attrs["target"]:
            raise serializers.ValidationError({"target": ["Must differ from source."]})
        return attrs


class CrosswalkQuerySerializer(PairQuerySerializer):
    derived = serializers.BooleanField(required=False, default=False)
    max_depth = serializers.IntegerField(required=False, default=2, min_value=2, max_value=3)
