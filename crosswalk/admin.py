"""Django admin for every model; corpus rows are read-mostly, history is kept for all."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from crosswalk.models import (
    Instrument,
    Jurisdiction,
    Mapping,
    Organisation,
    PartnerAPIKey,
    Provision,
    ProvisionText,
    Topic,
)


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Instrument)
class InstrumentAdmin(SimpleHistoryAdmin):
    list_display = [
        "slug", "short_title", "jurisdiction", "instrument_type", "legal_force", "status",
        "in_force_from", "provision_count",
    ]  # fmt: skip
    list_filter = ["jurisdiction", "instrument_type", "legal_force", "status"]
    list_select_related = ["jurisdiction"]
    search_fields = ["slug", "title", "short_title", "official_identifier"]
    autocomplete_fields = ["revoked_by", "superseded_by"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(provision_total=Count("provisions"))

    @admin.display(description="provisions", ordering="provision_total")
    def provision_count(self, obj: Instrument) -> int:
        return obj.provision_total


class ProvisionTextInline(admin.StackedInline):
    model = ProvisionText
    extra = 0
    fields = [
        ("valid_from", "valid_until"), "heading", "text", "heading_original", "text_original",
        "original_language", "changed_by", "source_file",
    ]  # fmt: skip


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    list_display = [
        "public_id",
        "citation",
        "kind",
        "heading_short",
        "in_force_from",
        "in_force_until",
        "applies_from",
    ]
    list_filter = ["instrument", "kind", "end_reason"]
    list_select_related = ["instrument"]
    search_fields = ["public_id", "citation", "heading", "text", "text_original"]
    autocomplete_fields = ["parent", "ended_by", "instrument"]
    readonly_fields = ["public_id"]
    filter_horizontal = ["topics"]
    inlines = [ProvisionTextInline]

    @admin.display(description="heading")
    def heading_short(self, obj: Provision) -> str:
        return (obj.heading or obj.text)[:80]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["slug", "name"]
    search_fields = ["slug", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Mapping)
class MappingAdmin(SimpleHistoryAdmin):
    list_display = ["id", "source", "relationship", "target", "strength", "status", "updated_at"]
    list_filter = ["status", "relationship", "rationale_type", "provenance"]
    list_select_related = ["source__instrument", "target__instrument"]
    autocomplete_fields = ["source", "target"]
    search_fields = ["source__public_id", "target__public_id", "rationale"]
    exclude = ["source_instrument", "target_instrument"]
    readonly_fields = [
        "version",
        "published_at",
        "author",
        "reviewer",
        "source_text",
        "target_text",
    ]

    def save_model(self, request: HttpRequest, obj: Mapping, form: object, change: bool) -> None:
        obj.source_instrument_id = obj.source.instrument_id
        obj.target_instrument_id = obj.target.instrument_id
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "contact_email", "created_at"]
    search_fields = ["name"]


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    """Keys are shown once, on creation (the library's message); only a hash is stored."""

    list_display = [*APIKeyModelAdmin.list_display, "organisation", "last_used_at"]
    list_filter = [*APIKeyModelAdmin.list_filter, "organisation"]
    list_select_related = ["organisation"]
    search_fields = [*APIKeyModelAdmin.search_fields, "organisation__name"]


# The library's own key model is unused: partner keys carry their organisation.
admin.site.unregister(APIKey)
