"""Mapping curation in the admin: the form (both texts side by side), workflow buttons that call
the services, CSV import with a dry-run preview, the coverage heatmap and the history export.

"Submit for review" on a draft its user may edit is a button of the draft's own form: the edits
on the page are saved first, then the draft is submitted (never the old values). A curator
deletes their own drafts (returned ones included) without a delete permission."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from crosswalk import services
from crosswalk.admin.coverage import coverage_matrix
from crosswalk.admin.forms import AdminForm
from crosswalk.admin.history import history_csv_response
from crosswalk.importers.mapping_csv import (
    MAX_CELL,
    MAX_FILE_BYTES,
    mappings_csv_commit,
    mappings_csv_parse,
)
from crosswalk.models import ImportUpload, Mapping, Provision
from crosswalk.validators import RELATIONSHIP_MEANINGS, validate_mapping_fields

Status = Mapping.Status
CONTENT = ["source", "target", "relationship", "strength", "rationale_type", "rationale"]
WORKFLOW = {
    # action: (permission codename, allowed from, button label)
    "submit": ("submit_mapping", Status.DRAFT, "Submit for review"),
    "publish": ("publish_mapping", Status.IN_REVIEW, "Publish"),
    "return": ("return_mapping", Status.IN_REVIEW, "Return to draft"),
    "retire": ("retire_mapping", Status.PUBLISHED, "Retire"),
    "confirm": ("confirm_mapping", Status.PUBLISHED, "Confirm current texts"),
}


def _perm(request: HttpRequest, codename: str) -> bool:
    return request.user.has_perm(f"crosswalk.{codename}")


RATIONALE_HELP = "One sentence: what is shared, what differs. Required before review."


class MappingForm(AdminForm):
    relationship = forms.ChoiceField(
        choices=[
            (value, format_html("<strong>{}</strong> — {}", label, RELATIONSHIP_MEANINGS[value]))
            for value, label in Mapping.Relationship.choices
        ],
        widget=forms.RadioSelect,
        help_text='Read "source is … target". Seen from the target, the inverse applies.',
    )
    strength = forms.IntegerField(
        min_value=1,
        max_value=10,
        required=False,
        help_text="1 (thin overlap) to 10 (near-identical).",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    from_suggestion = forms.BooleanField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Mapping
        fields = CONTENT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read-only pages (non-drafts) build the form without these fields.
        if self.instance.pk and "version" in self.fields:
            self.fields["version"].initial = self.instance.version
        if "rationale" in self.fields:
            self.fields["rationale"].help_text = RATIONALE_HELP
        for side in ("source", "target"):
            if side in self.fields:
                self.fields[side].label_from_instance = Provision.labelled

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk and cleaned.get("version") != self.instance.version:
            raise ValidationError(
                "Someone changed this mapping since you opened it (now version "
                f"{self.instance.version}). Reload the page and apply your change again."
            )
        try:
            validate_mapping_fields(
                source=cleaned.get("source"),
                target=cleaned.get("target"),
                relationship=cleaned.get("relationship", ""),
                strength=cleaned.get("strength"),
                rationale_type=cleaned.get("rationale_type", ""),
                rationale=cleaned.get("rationale", ""),
                exclude_pk=self.instance.pk,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    self.add_error(field if field in self.fields else None, error)
        return cleaned


class InstrumentPairFilter(admin.SimpleListFilter):
    """Mappings between two instruments in either direction (the heatmap's cells link here)."""

    title = "instrument pair"
    parameter_name = "pair"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return []

    def has_output(self) -> bool:
        return bool(self.value())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        slugs = self.value().split(",")
        if len(slugs) != 2:
            return queryset.none()
        first, second = slugs
        return queryset.filter(
            Q(source_instrument__slug=first, target_instrument__slug=second)
            | Q(source_instrument__slug=second, target_instrument__slug=first)
        )


@admin.register(Mapping)
class MappingAdmin(SimpleHistoryAdmin):
    form = MappingForm
    list_display = [
        "id",
        "source_label",
        "relationship",
        "target_label",
        "strength",
        "status",
        "flags",
        "provenance",
        "updated_at",
    ]
    list_filter = [
        "status",
        "relationship",
        "rationale_type",
        "provenance",
        InstrumentPairFilter,
        ("source_instrument", admin.RelatedOnlyFieldListFilter),
        ("target_instrument", admin.RelatedOnlyFieldListFilter),
        "mapping_set",
    ]
    list_select_related = ["source__instrument", "target__instrument"]
    autocomplete_fields = ["source", "target"]
    search_fields = ["source__public_id", "target__public_id", "rationale"]
    change_form_template = "admin/crosswalk/mapping/change_form.html"
    change_list_template = "admin/crosswalk/mapping/change_list.html"
    actions = ["submit_selected", "publish_selected"]

    def get_fieldsets(self, request: HttpRequest, obj: Mapping | None = None) -> list:
        workflow = [
            "status",
            "provenance",
            "author",
            "last_editor",
            "reviewer",
            "review_comment",
            "published_at",
        ]
        fieldsets = [
            (
                None,
                {
                    "fields": [
                        "source",
                        "target",
                        "texts_side_by_side",
                        "version",
                        "from_suggestion",
                    ]
                },
            ),
            (
                "Relationship",
                {"fields": ["relationship", "strength", "rationale_type", "rationale"]},
            ),
        ]
        if obj is not None:
            fieldsets.append(("Status and review", {"fields": [*workflow, "text_status"]}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Mapping | None = None) -> list:
        return [
            "texts_side_by_side",
            "status",
            "provenance",
            "author",
            "last_editor",
            "reviewer",
            "review_comment",
            "published_at",
            "text_status",
        ]

    def has_change_permission(self, request: HttpRequest, obj: Mapping | None = None) -> bool:
        # Only drafts are edited; everything after goes through the workflow buttons.
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Mapping | None = None) -> bool:
        # Nobody deletes a published (or once published) mapping: retire it instead.
        if obj is not None and obj.status in {Status.PUBLISHED, Status.RETIRED}:
            return False
        # A curator's own draft (also once returned) is theirs to delete.
        if (
            obj is not None
            and obj.status == Status.DRAFT
            and obj.author_id == request.user.pk
            and _perm(request, "add_mapping")
        ):
            return True
        return super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Mapping) -> None:
        if obj.status == Status.DRAFT:
            services.mapping_delete_draft(mapping=obj, user=request.user)
        else:
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """The bulk delete action: never what was published."""
        kept = queryset.filter(status__in=[Status.PUBLISHED, Status.RETIRED])
        if kept.exists():
            self.message_user(
                request,
                f"{kept.count()} published or retired mapping(s) kept: retire instead.",
                messages.WARNING,
            )
        for mapping in queryset.exclude(pk__in=kept.values("pk")):
            self.delete_model(request, mapping)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        initial["from_suggestion"] = request.GET.get("from_suggestion") == "1"
        return initial

    # Display ------------------------------------------------------------------------------

    @admin.display(description="source", ordering="source__public_id")
    def source_label(self, obj: Mapping) -> str:
        return f"{obj.source.instrument.short_title} {obj.source.citation}"

    @admin.display(description="target", ordering="target__public_id")
    def target_label(self, obj: Mapping) -> str:
        return f"{obj.target.instrument.short_title} {obj.target.citation}"

    @admin.display(description="flags")
    def flags(self, obj: Mapping) -> str:
        return "text changed since review" if obj.text_changed else ""

    @admin.display(description="texts")
    def texts_side_by_side(self, obj: Mapping | None) -> str:
        if obj is None or not obj.pk:
            return format_html(
                '<div id="side-by-side" data-url="{}"></div>',
                reverse("admin:crosswalk_mapping_texts"),
            )
        return side_by_side(obj.source, obj.target)

    @admin.display(description="provision texts")
    def text_status(self, obj: Mapping) -> str:
        if obj.text_changed:
            return (
                "A provision's text changed since this mapping was reviewed: confirm or retire it."
            )
        return "Unchanged since review." if obj.status == Status.PUBLISHED else "—"

    # Saving goes through the services ------------------------------------------------------

    def save_model(
        self, request: HttpRequest, obj: Mapping, form: MappingForm, change: bool
    ) -> None:
        data = {
            field: form.cleaned_data.get(field) for field in CONTENT if field in form.cleaned_data
        }
        if change and not form.has_changed():
            return  # nothing edited: no new version, no history row
        if change:
            saved = services.mapping_update(
                mapping=obj, editor=request.user, version=form.cleaned_data["version"], **data
            )
        else:
            provenance = (
                Mapping.Provenance.SUGGESTION
                if form.cleaned_data.get("from_suggestion")
                else Mapping.Provenance.CURATED
            )
            saved = services.mapping_create(author=request.user, provenance=provenance, **data)
        obj.pk, obj.version = saved.pk, saved.version

    def response_change(self, request: HttpRequest, obj: Mapping) -> HttpResponse:
        """After a save: "Save and submit for review" submits what was just saved."""
        if request.POST.get("_workflow") != "submit":
            return super().response_change(request, obj)
        if not _perm(request, WORKFLOW["submit"][0]):
            raise PermissionDenied
        try:
            done = services.mapping_submit(mapping=obj, user=request.user)
        except ValidationError as exc:
            self.message_user(
                request, "Saved, not submitted: " + " ".join(exc.messages), messages.ERROR
            )
        else:
            self.message_user(
                request, f"Saved. Mapping {done.pk} is now {done.get_status_display()}."
            )
        return HttpResponseRedirect(reverse("admin:crosswalk_mapping_change", args=[obj.pk]))

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        context = dict(extra_context or {})
        if object_id:
            mapping = self.get_object(request, object_id)
            if mapping is not None:
                editable = self.has_change_permission(request, mapping)
                buttons = [
                    {"action": action, "label": label}
                    for action, (codename, state, label) in WORKFLOW.items()
                    if mapping.status == state
                    and _perm(request, codename)
                    and (action != "confirm" or mapping.text_changed)
                ]
                # On an editable draft, submitting saves the form first (a button of the form).
                context["submit_with_save"] = editable and any(
                    b["action"] == "submit" for b in buttons
                )
                context["workflow_buttons"] = [
                    b for b in buttons if not (b["action"] == "submit" and editable)
                ]
        try:
            return super().changeform_view(request, object_id, form_url, context)
        except ValidationError as exc:
            # A race the form could not see (another save in between): nothing was written.
            self.message_user(request, "; ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # Extra pages -----------------------------------------------------------------------------

    def get_urls(self) -> list:
        own = [
            path(
                "<int:pk>/workflow/<str:action>/",
                self.admin_site.admin_view(self.workflow_view),
                name="crosswalk_mapping_workflow",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="crosswalk_mapping_import",
            ),
            path(
                "coverage/",
                self.admin_site.admin_view(self.coverage_view),
                name="crosswalk_mapping_coverage",
            ),
            path(
                "texts/",
                self.admin_site.admin_view(self.texts_view),
                name="crosswalk_mapping_texts",
            ),
            path(
                "history.csv",
                self.admin_site.admin_view(self.history_csv_view),
                name="crosswalk_mapping_history_csv",
            ),
        ]
        return own + super().get_urls()

    def workflow_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        if request.method != "POST" or action not in WORKFLOW:
            raise PermissionDenied
        codename = WORKFLOW[action][0]
        if not _perm(request, codename):
            raise PermissionDenied
        mapping = get_object_or_404(Mapping, pk=pk)
        comment = request.POST.get("comment", "")
        user = request.user
        calls = {
            "submit": lambda: services.mapping_submit(mapping=mapping, user=user),
            "publish": lambda: services.mapping_publish(mapping=mapping, reviewer=user),
            "return": lambda: services.mapping_return(
                mapping=mapping, reviewer=user, comment=comment
            ),
            "retire": lambda: services.mapping_retire(
                mapping=mapping, reviewer=user, comment=comment
            ),
            "confirm": lambda: services.mapping_confirm_texts(mapping=mapping, reviewer=user),
        }
        try:
            done = calls[action]()
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, f"Mapping {done.pk} is now {done.get_status_display()}.")
        return HttpResponseRedirect(reverse("admin:crosswalk_mapping_change", args=[pk]))

    def texts_view(self, request: HttpRequest) -> JsonResponse:
        """Both provisions' texts for the add form, as they are chosen."""
        ids = [request.GET.get("source"), request.GET.get("target")]
        rows = Provision.objects.select_related("instrument").in_bulk(
            [int(i) for i in ids if i and i.isdigit()]
        )
        source = rows.get(int(ids[0])) if ids[0] and ids[0].isdigit() else None
        target = rows.get(int(ids[1])) if ids[1] and ids[1].isdigit() else None
        return JsonResponse({"html": side_by_side(source, target)})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload → dry-run preview; a clean file is stored (ImportUpload) and the commit names
        it by id, so the content is never posted twice and any worker can commit it. Only the
        uploader can commit an upload; uploads expire after 24 hours."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import mappings from CSV",
            "max_bytes": MAX_FILE_BYTES,
            "max_cell": MAX_CELL,
            "expires_hours": int(ImportUpload.EXPIRES_AFTER.total_seconds() // 3600),
        }
        if request.method != "POST":
            return TemplateResponse(request, "admin/crosswalk/mapping/import.html", context)
        ImportUpload.objects.filter(
            created_at__lt=timezone.now() - ImportUpload.EXPIRES_AFTER
        ).delete()
        if request.POST.get("commit") == "1":
            return self._import_commit(request, context)
        upload = request.FILES.get("file")
        if upload is None:
            self.message_user(request, "Choose a CSV file to preview.", messages.ERROR)
            return TemplateResponse(request, "admin/crosswalk/mapping/import.html", context)
        # One byte over the limit is enough for the parser to refuse it.
        content = upload.read(MAX_FILE_BYTES + 1)
        preview = mappings_csv_parse(content)
        context["preview"] = preview
        if preview.ok:
            context["upload"] = ImportUpload.objects.create(
                user=request.user, filename=(upload.name or "")[:255], content=content
            )
        return TemplateResponse(request, "admin/crosswalk/mapping/import.html", context)

    def _import_commit(self, request: HttpRequest, context: dict) -> HttpResponse:
        raw_id = request.POST.get("upload", "")
        stored = ImportUpload.objects.filter(pk=int(raw_id)).first() if raw_id.isdigit() else None
        if stored is None:
            self.message_user(
                request,
                "This preview has expired or was already imported (previews are kept "
                f"{context['expires_hours']} hours): upload the file again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(reverse("admin:crosswalk_mapping_import"))
        if stored.user_id != request.user.pk:
            raise PermissionDenied("Only the user who previewed a file can import it.")
        # Parsed again: the database may have changed since the preview.
        preview = mappings_csv_parse(bytes(stored.content))
        if not preview.ok:
            context.update(preview=preview)
            return TemplateResponse(request, "admin/crosswalk/mapping/import.html", context)
        with transaction.atomic():
            mappings_csv_commit(preview, author=request.user)
            stored.delete()
        self.message_user(request, f"Imported as drafts: {preview.summary()}.")
        return HttpResponseRedirect(
            reverse("admin:crosswalk_mapping_changelist")
            + "?status__exact=draft&provenance__exact=imported"
        )

    def coverage_view(self, request: HttpRequest) -> HttpResponse:
        # Like the mapping list and the history CSV: staff status alone opens none of them.
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Coverage of published mappings",
            **coverage_matrix(),
        }
        return TemplateResponse(request, "admin/crosswalk/mapping/coverage.html", context)

    def history_csv_view(self, request: HttpRequest) -> HttpResponse:
        """Every recorded change to mappings: who, when, what, and each field's before/after."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return history_csv_response(Mapping, "crosswalk-mapping-history.csv")

    # Bulk actions call the same services --------------------------------------------------------

    def _bulk(self, request: HttpRequest, queryset: QuerySet, action: str) -> None:
        if not _perm(request, WORKFLOW[action][0]):
            raise PermissionDenied
        done, failed = 0, []
        for mapping in queryset:
            try:
                if action == "submit":
                    services.mapping_submit(mapping=mapping, user=request.user)
                else:
                    services.mapping_publish(mapping=mapping, reviewer=request.user)
                done += 1
            except ValidationError as exc:
                failed.append(f"{mapping.pk}: {' '.join(exc.messages)}")
        self.message_user(request, f"{done} mapping(s) done.")
        for line in failed:
            self.message_user(request, line, messages.ERROR)

    @admin.action(description="Submit selected drafts for review", permissions=["submit"])
    def submit_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "submit")

    @admin.action(description="Publish selected mappings under review", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._bulk(request, queryset, "publish")

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return _perm(request, "submit_mapping")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return _perm(request, "publish_mapping")


def side_by_side(source: Provision | None, target: Provision | None) -> str:
    """Both provisions' current texts in two columns. Each text (English, and the original
    beneath it) scrolls in a box of its own, so the original is in view beside the English,
    and keeps its line and paragraph breaks."""

    def column(provision: Provision | None, title: str) -> str:
        if provision is None:
            return format_html(
                '<div class="side"><h4>{}</h4><p>Choose a provision.</p></div>', title
            )
        original = ""
        if provision.text_original:
            original = format_html(
                '<div lang="{}" class="original text-box"><strong>{}</strong>\n{}</div>',
                provision.original_language,
                provision.heading_original,
                provision.text_original,
            )
        return format_html(
            '<div class="side"><h4>{}: {} {}</h4>'
            '<div class="english text-box"><strong>{}</strong>\n{}</div>{}</div>',
            title,
            provision.instrument.short_title,
            provision.citation,
            provision.heading,
            provision.text,
            original,
        )

    return format_html(
        '<div class="side-by-side">{}{}</div>', column(source, "Source"), column(target, "Target")
    )
