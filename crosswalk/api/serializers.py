"""Serializers shape prefetched data; they never query."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from crosswalk.models import Instrument, Provision, ProvisionText


class InstrumentSerializer(serializers.ModelSerializer):
    jurisdiction = serializers.CharField(source="jurisdiction.code")
    type = serializers.CharField(source="instrument_type")
    revoked_by = serializers.CharField(source="revoked_by.public_id", default=None)

    class Meta:
        model = Instrument
        fields = [
            "slug", "title", "short_title", "title_original", "original_language", "jurisdiction",
            "issuing_body", "type", "legal_force", "status", "adopted_on", "in_force_from",
            "in_force_until", "revoked_by", "official_identifier", "identifiers", "source_url",
            "reuse_terms", "english_text_status", "amended_by", "notes", "updated_at",
        ]  # fmt: skip


class ProvisionTextSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProvisionText
        fields = [
            "valid_from", "valid_until", "heading", "text", "heading_original", "text_original",
            "original_language", "changed_by",
        ]  # fmt: skip


class ProvisionSerializer(serializers.ModelSerializer):
    instrument = serializers.CharField(source="instrument.slug")
    parent = serializers.CharField(source="parent.public_id", default=None)
    ended_by = serializers.CharField(source="ended_by.public_id", default=None)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Provision
        fields = [
            "public_id", "instrument", "citation", "eid", "kind", "label", "label_original",
            "heading", "text", "heading_original", "text_original", "original_language", "parent",
            "position", "status", "in_force_from", "in_force_until", "end_reason", "ended_by",
            "end_note", "applies_from", "applies_until", "application_dates", "application_note",
        ]  # fmt: skip

    def get_status(self, obj: Provision) -> str:
        return obj.status_on(self.context.get("status_day") or timezone.localdate())

    def to_representation(self, obj: Provision) -> dict[str, Any]:
        data = super().to_representation(obj)
        day_texts = getattr(obj, "texts_on_day", None)
        if day_texts is not None and day_texts:
            day_text = day_texts[0]
            for key in ("heading", "text", "heading_original", "text_original"):
                data[key] = getattr(day_text, key)
        if self.context.get("include_texts"):
            data["texts"] = ProvisionTextSerializer(obj.texts.all(), many=True).data
        return data
