"""Admin for the corpus (jurisdictions, instruments, provisions) and partner API keys."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.db.models.functions import Length
from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework_api_key.admin import APIKeyModelAdmin
from rest_framework_api_key.models import APIKey
from simple_history.admin import SimpleHistoryAdmin

from crosswalk.admin.curation import provision_curation_context
from crosswalk.admin.forms import AdminForm
from crosswalk.admin.history import history_csv_response
from crosswalk.admin.topics import ProvisionTopicInline, TopicFilter, TopicMapFilter
from crosswalk.models import (
    Instrument,
    Jurisdiction,
    Mapping,
    Organisation,
    PartnerAPIKey,
    Provision,
    ProvisionText,
    Reference,
)
from crosswalk.services import (
    COPIED_FIELDS,
    TEXT_CONTENT_FIELDS,
    normalise_newlines,
    provision_copy_latest,
    provision_text_change,
)
from crosswalk.validators import footnote_errors


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin):
    form = AdminForm
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Instrument)
class InstrumentAdmin(SimpleHistoryAdmin):
    form = AdminForm
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


class ProvisionTextForm(AdminForm):
    def clean_footnotes(self) -> Any:
        value = self.cleaned_data["footnotes"]
        errors = footnote_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value


class ProvisionTextInline(admin.StackedInline):
    model = ProvisionText
    form = ProvisionTextForm
    extra = 0
    fields = [
        ("valid_from", "valid_until"), "heading", "text", "heading_original", "text_original",
        "original_language", "translation_note", "footnotes", "changed_by", "source_file",
    ]  # fmt: skip


class OutgoingReferenceInline(admin.TabularInline):
    """Links this provision's text states: read from the texts by the corpus loader."""

    model = Reference
    fk_name = "source"
    verbose_name = "link stated by this text"
    verbose_name_plural = "links stated by this text (implements, revokes, reproduces)"
    fields = ["type", "target", "valid_from", "valid_until", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("source", "target")


class IncomingReferenceInline(OutgoingReferenceInline):
    fk_name = "target"
    verbose_name = "link to this provision"
    verbose_name_plural = "links other texts state to this provision"
    fields = ["type", "source", "valid_from", "valid_until", "note"]
    readonly_fields = fields


class UnmappedFilter(admin.SimpleListFilter):
    """Provisions that no published mapping covers: the gaps of the coverage picture, by the
    one definition of "mapped" (relations.covers: not_related is no coverage)."""

    title = "published mappings"
    parameter_name = "mapped"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("no", "maps to nothing"), ("yes", "has mappings")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "no":
            return queryset.unmapped_by(Mapping.objects.published())
        if self.value() == "yes":
            return queryset.mapped_by(Mapping.objects.published())
        return queryset


@admin.register(Provision)
class ProvisionAdmin(SimpleHistoryAdmin):
    form = AdminForm
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
    # The current text is a copy of the latest dated text: edit the dated texts below.
    readonly_fields = ["public_id", *COPIED_FIELDS]
    inlines = [
        ProvisionTopicInline,
        ProvisionTextInline,
        OutgoingReferenceInline,
        IncomingReferenceInline,
    ]
    change_form_template = "admin/crosswalk/provision/change_form.html"

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """Edits to a dated text go through the text-change service, like corpus loads: the
        provision's copy of its latest text follows, the history says what changed, and the
        published mappings resting on it are flagged for re-review."""
        if formset.model is not ProvisionText:
            return super().save_formset(request, form, formset, change)
        reason = f"admin: edited by {request.user.get_username()}"
        for row in formset.save(commit=False):  # changed and new rows, not yet written
            if row.pk is None:
                for key in TEXT_CONTENT_FIELDS:
                    setattr(row, key, normalise_newlines(getattr(row, key)))
                row._change_reason = reason
                row.save()
                continue
            stored = ProvisionText.objects.select_related("provision").get(pk=row.pk)
            dates = [k for k in ("valid_from", "valid_until", "changed_by", "source_file")
                     if getattr(stored, k) != getattr(row, k)]  # fmt: skip
            if dates:
                for key in dates:
                    setattr(stored, key, getattr(row, key))
                stored._change_reason = reason
                stored.save()
            values = {key: getattr(row, key) for key in TEXT_CONTENT_FIELDS}
            provision_text_change(dated_text=stored, values=values, by=request.user, reason=reason)
        for row in formset.deleted_objects:
            row._change_reason = reason
            row.delete()
        fresh = Provision.objects.get(pk=form.instance.pk)
        provision_copy_latest(provision=fresh, by=request.user, reason=reason)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Autocomplete labels name the instrument: fetch it with the row.
        return super().get_queryset(request).select_related("instrument")

    def get_list_filter(self, request: HttpRequest) -> list:
        return [*self.list_filter, UnmappedFilter, TopicFilter, TopicMapFilter]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Every word must match somewhere (Django's search); the provision the words cite comes
        first: "Article 4" gives each instrument's Article 4, then its paragraphs, then the
        provisions whose heading or text mentions it."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        term = " ".join(search_term.split())
        if term:
            # "Article 4" is followed by "(1)" or nothing, never by "0".
            cited = "^" + re.escape(term) + r"([^0-9a-z]|$)"
            rank = Case(
                When(citation__iexact=term, then=Value(0)),
                When(public_id__iexact=term, then=Value(0)),
                When(citation__iregex=cited, then=Value(1)),
                When(heading__icontains=term, then=Value(2)),
                When(citation__icontains=term, then=Value(3)),
                default=Value(4),
                output_field=IntegerField(),
            )
            queryset = queryset.annotate(match_rank=rank).order_by(
                "match_rank", "instrument__slug", Length("citation"), "position"
            )
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.select_related("parent__parent__parent")  # labels' headings
        return queryset, duplicates

    def autocomplete_label(self, obj: Provision) -> str:
        """What the provision pickers list: instrument, citation and heading."""
        return obj.labelled()

    @admin.display(description="heading")
    def heading_short(self, obj: Provision) -> str:
        return (obj.heading or obj.text)[:80]

    change_list_template = "admin/crosswalk/provision/change_list.html"

    def get_urls(self) -> list:
        history = self.admin_site.admin_view(self.history_csv_view)
        own = [path("history.csv", history, name="crosswalk_provision_history_csv")]
        return own + super().get_urls()

    def history_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Every recorded change to provisions (corpus loads name their file as the reason)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return history_csv_response(Provision, "crosswalk-provision-history.csv")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        provision = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if provision is not None:
            context.update(provision_curation_context(request, provision))
        return super().change_view(request, object_id, form_url, extra_context=context)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    form = AdminForm
    list_display = ["name", "contact_email", "created_at"]
    search_fields = ["name"]


@admin.register(PartnerAPIKey)
class PartnerAPIKeyAdmin(APIKeyModelAdmin):
    """Keys are shown once, on creation (the library's message); only a hash is stored."""

    list_display = [*APIKeyModelAdmin.list_display, "organisation", "last_used_at"]
    list_filter = [*APIKeyModelAdmin.list_filter, "organisation"]
    list_select_related = ["organisation"]
    search_fields = [*APIKeyModelAdmin.search_fields, "organisation__name"]

    def get_readonly_fields(self, request: HttpRequest, obj: PartnerAPIKey | None = None) -> tuple:
        # Written by the authentication class on each use, never by hand.
        return (*super().get_readonly_fields(request, obj), "last_used_at")


# The library's own key model is unused: partner keys carry their organisation.
admin.site.unregister(APIKey)
