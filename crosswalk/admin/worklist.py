"""Curation at scale in the admin: gaps and mapping sets, the worklist and the review queue.

- Gaps: drafted, edited and moved through the workflow by crosswalk.gaps (four eyes, history).
- Mapping sets: their provenance, editable with history.
- Worklist (`gap/worklist/?source=…&target=…`): per instrument pair, the citable units of the
  source not yet reviewed there (crosswalk.coverage: neither mapped by a live mapping nor a live
  gap, drafts included, so what someone is working on leaves the list), each with its top
  suggestions (crosswalk.suggestions, as on the provision page) one click from a draft mapping,
  and one click from a draft gap.
- Review queue (`gap/review/`): mappings and gaps in review, both texts side by side; a reviewer
  publishes or returns a selected batch through the services, row by row (a row the reviewer
  may not publish, e.g. their own, is reported and the rest go through).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from simple_history.admin import SimpleHistoryAdmin

from crosswalk import coverage, gaps, services
from crosswalk.importers.oscal_import import oscal_commit, oscal_parse, set_for_import
from crosswalk.models import Gap, Instrument, Mapping, MappingSet, Provision
from crosswalk.suggestions import suggestions_for

SUGGESTIONS_PER_UNIT = 3
UNITS_PER_PAGE = 10
DRAFTS_PERMISSION = "crosswalk.view_draft_mapping"


OSCAL_MAX_BYTES = 20 * 1024 * 1024


@admin.register(MappingSet)
class MappingSetAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "made_by", "made_on", "method", "licence", "version"]
    search_fields = ["name", "slug", "made_by"]
    prepopulated_fields = {"slug": ["name"]}

    def get_urls(self) -> list:
        own = [
            path(
                "import-oscal/",
                self.admin_site.admin_view(self.import_view),
                name="crosswalk_mappingset_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """An OSCAL mapping collection into a set as drafts: a dry run first, then the commit
        (the same code as `manage.py import_oscal`)."""
        if not (
            request.user.has_perm("crosswalk.add_mapping")
            and request.user.has_perm("crosswalk.add_gap")
        ):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import an OSCAL mapping collection",
            "slug": request.POST.get("slug", ""),
        }
        if request.method == "POST":
            if "file" in request.FILES:
                content = request.FILES["file"].read(OSCAL_MAX_BYTES)
            else:
                content = request.POST.get("content", "").encode()
            slug = slugify(request.POST.get("slug", ""))
            if not slug:
                messages.error(request, "Name the set the maps go into (a slug).")
                return TemplateResponse(request, "admin/crosswalk/mappingset/import.html", context)
            existing = MappingSet.objects.filter(slug=slug).first()
            preview = oscal_parse(content, mapping_set=existing)
            context.update(preview=preview, content=content.decode(errors="replace"), slug=slug)
            if preview.ok and request.POST.get("commit") == "1":
                with transaction.atomic():
                    mapping_set = set_for_import(slug, preview.metadata)
                    made, gap_rows = oscal_commit(
                        preview, mapping_set=mapping_set, author=request.user
                    )
                self.message_user(
                    request,
                    f"Imported as drafts into {mapping_set.slug}: {len(made)} mappings, "
                    f"{len(gap_rows)} gaps.",
                )
                return HttpResponseRedirect(
                    reverse("admin:crosswalk_mapping_changelist")
                    + f"?mapping_set__id__exact={mapping_set.pk}"
                )
        return TemplateResponse(request, "admin/crosswalk/mappingset/import.html", context)


class GapForm(forms.ModelForm):
    class Meta:
        model = Gap
        fields = ["source", "target_instrument", "rationale", "method", "mapping_set"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None and data.get("source") and data.get("target_instrument"):
            try:
                gaps.validate_gap_fields(
                    source=data["source"],
                    target_instrument=data["target_instrument"],
                    rationale=data.get("rationale", ""),
                    mapping_set_id=data["mapping_set"].pk if data.get("mapping_set") else None,
                )
            except ValidationError as exc:
                for field, problems in exc.message_dict.items():
                    self.add_error(field if field in self.fields else None, problems)
        return data


@admin.register(Gap)
class GapAdmin(SimpleHistoryAdmin):
    form = GapForm
    list_display = ["__str__", "status", "mapping_set", "author", "reviewer", "updated_at"]
    list_filter = ["status", "target_instrument", "source_instrument", "mapping_set"]
    search_fields = ["source__public_id", "source__citation", "rationale"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "target_instrument", "mapping_set", "author", "reviewer"]
    readonly_fields = [
        "status", "author", "last_editor", "reviewer", "review_comment", "published_at", "version",
    ]  # fmt: skip
    actions = ["submit_selected", "publish_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: Gap | None = None) -> list:
        if obj is not None and obj.status != Gap.Status.DRAFT:
            return [*self.readonly_fields, *GapForm.Meta.fields]
        if obj is not None:
            return [*self.readonly_fields, "source", "target_instrument", "mapping_set"]
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Gap | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Gap, form: forms.ModelForm, change: bool):
        try:
            if change:
                saved = gaps.gap_update(
                    gap=obj, editor=request.user, version=obj.version, rationale=obj.rationale
                )
            else:
                saved = gaps.gap_create(
                    source=obj.source,
                    target_instrument=obj.target_instrument,
                    rationale=obj.rationale,
                    method=obj.method,
                    mapping_set=obj.mapping_set,
                    author=request.user,
                )
        except ValidationError as exc:
            raise PermissionDenied("; ".join(exc.messages)) from exc
        obj.pk, obj.version = saved.pk, saved.version

    def _bulk(self, request: HttpRequest, queryset: Any, action: str) -> None:
        done = 0
        for gap in queryset:
            try:
                if action == "submit":
                    gaps.gap_submit(gap=gap, user=request.user)
                else:
                    gaps.gap_publish(gap=gap, reviewer=request.user)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{gap}: {' '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} gap(s): {action} done.", messages.SUCCESS)

    @admin.action(description="Submit selected drafts for review", permissions=["submit"])
    def submit_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, "submit")

    @admin.action(description="Publish selected gaps in review", permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: Any) -> None:
        self._bulk(request, queryset, "publish")

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("crosswalk.submit_gap")

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("crosswalk.publish_gap")

    def get_urls(self) -> list:
        own = [
            path(
                "worklist/",
                self.admin_site.admin_view(self.worklist_view),
                name="crosswalk_worklist",
            ),
            path(
                "review/",
                self.admin_site.admin_view(self.review_view),
                name="crosswalk_review_queue",
            ),
        ]
        return own + super().get_urls()

    # Worklist --------------------------------------------------------------------------------

    def worklist_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(DRAFTS_PERMISSION):
            raise PermissionDenied
        instruments = list(Instrument.objects.order_by("jurisdiction__code", "slug"))
        by_slug = {i.slug: i for i in instruments}
        source = by_slug.get(request.GET.get("source", ""))
        target = by_slug.get(request.GET.get("target", ""))
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": "Worklist",
            "instruments": instruments,
            "source": source,
            "target": target,
        }
        if source is not None and target is not None and source != target:
            context.update(worklist(request, source, target))
        return TemplateResponse(request, "admin/crosswalk/gap/worklist.html", context)

    # Review queue ----------------------------------------------------------------------------

    def review_view(self, request: HttpRequest) -> HttpResponse:
        can_publish = request.user.has_perm("crosswalk.publish_mapping") or request.user.has_perm(
            "crosswalk.publish_gap"
        )
        if not request.user.has_perm(DRAFTS_PERMISSION):
            raise PermissionDenied
        if request.method == "POST":
            if not can_publish:
                raise PermissionDenied
            review_batch(request)
            return HttpResponseRedirect(request.get_full_path())
        mappings = (
            Mapping.objects.filter(status=Mapping.Status.IN_REVIEW)
            .select_related("source__instrument", "target__instrument", "author", "mapping_set")
            .order_by("source_instrument_id", "target_instrument_id", "id")
        )
        gap_rows = (
            Gap.objects.filter(status=Gap.Status.IN_REVIEW)
            .select_related("source__instrument", "target_instrument", "author", "mapping_set")
            .order_by("source_instrument_id", "target_instrument_id", "id")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            "mappings": list(mappings),
            "gaps": list(gap_rows),
            "can_publish": can_publish,
        }
        return TemplateResponse(request, "admin/crosswalk/gap/review.html", context)


def worklist(request: HttpRequest, source: Instrument, target: Instrument) -> dict[str, Any]:
    """The page of not-yet-reviewed citable units of `source` in `target`, with suggestions."""
    states = coverage.pair_states(
        first_id=source.pk,
        second_id=target.pk,
        mappings=Mapping.objects.all(),
        gaps=Gap.objects.all(),
    )
    units = Provision.objects.filter(instrument=source).citable().order_by("position")
    total = units.count()
    reviewed = set(states.counterparts) | set(states.gaps)
    pending = units.exclude(pk__in=reviewed).only(
        "pk", "public_id", "citation", "heading", "text", "instrument_id"
    )
    page = Paginator(pending, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    can_map = request.user.has_perm("crosswalk.add_mapping")
    can_gap = request.user.has_perm("crosswalk.add_gap")
    mapping_add = reverse("admin:crosswalk_mapping_add")
    gap_add = reverse("admin:crosswalk_gap_add")
    rows = []
    for unit in page.object_list:
        suggestions = []
        for suggestion in suggestions_for(unit, target, limit=SUGGESTIONS_PER_UNIT):
            query = {"source": unit.pk, "target": suggestion.provision.pk, "from_suggestion": 1}
            suggestions.append(
                {
                    "suggestion": suggestion,
                    "draft_url": f"{mapping_add}?{urlencode(query)}" if can_map else "",
                }
            )
        gap_query = urlencode({"source": unit.pk, "target_instrument": target.pk})
        rows.append(
            {
                "unit": unit,
                "suggestions": suggestions,
                "gap_url": f"{gap_add}?{gap_query}" if can_gap else "",
            }
        )
    return {
        "page": page,
        "rows": rows,
        "citable": total,
        "pending": page.paginator.count,
        "done": total - page.paginator.count,
    }


def review_batch(request: HttpRequest) -> None:
    """Publish or return the selected mappings and gaps, each through its service."""
    action = request.POST.get("action")
    comment = request.POST.get("comment", "").strip()
    if action not in ("publish", "return"):
        messages.error(request, "Choose publish or return.")
        return
    if action == "return" and not comment:
        messages.error(request, "Say what needs to change: returning needs a comment.")
        return
    user = request.user
    done, failed = 0, 0
    kinds = [
        (Mapping, "mapping", services.mapping_publish, services.mapping_return, "mapping"),
        (Gap, "gap", gaps.gap_publish, gaps.gap_return, "gap"),
    ]
    for model, key, publish, send_back, codename in kinds:
        if not user.has_perm(f"crosswalk.{action}_{codename}"):
            if request.POST.getlist(key):
                messages.error(request, f"You may not {action} {key}s.")
            continue
        ids = [int(v) for v in request.POST.getlist(key) if v.isdigit()]
        for row in model.objects.filter(pk__in=ids).order_by("pk"):
            try:
                with transaction.atomic():
                    if action == "publish":
                        publish(**{key: row, "reviewer": user})
                    else:
                        send_back(**{key: row, "reviewer": user, "comment": comment})
                done += 1
            except ValidationError as exc:
                failed += 1
                messages.error(request, f"{key} {row.pk}: {' '.join(exc.messages)}")
    if done:
        verb = "published" if action == "publish" else "returned to draft"
        messages.success(request, f"{done} {verb}.")
    if not done and not failed:
        messages.warning(request, "Nothing selected.")
