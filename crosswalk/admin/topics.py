"""The topic map in the admin: topics with history, tags on provision pages, the matrix picture."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from crosswalk.admin.history import history_csv_response
from crosswalk.models import Provision, ProvisionTopic, Topic
from crosswalk.topics import topic_matrix
from crosswalk.validators import topic_tag_errors


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "slug", "parent", "definition", "origin", "position"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Two levels: a topic that has children stays at the top.
        if cleaned.get("parent") and self.instance.pk and self.instance.children.exists():
            raise ValidationError({"parent": "This topic has children: it must stay top-level."})
        return cleaned


@admin.register(Topic)
class TopicAdmin(SimpleHistoryAdmin):
    form = TopicForm
    list_display = ["name", "slug", "parent", "origin_short", "tag_count"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["slug", "name", "definition", "origin"]
    prepopulated_fields = {"slug": ["name"]}
    change_list_template = "admin/crosswalk/topic/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(tag_total=Count("tags"))

    @admin.display(description="provisions tagged", ordering="tag_total")
    def tag_count(self, obj: Topic) -> int:
        return obj.tag_total

    @admin.display(description="origin")
    def origin_short(self, obj: Topic) -> str:
        return obj.origin[:80]

    def get_urls(self) -> list:
        own = [
            path(
                "matrix/",
                self.admin_site.admin_view(self.matrix_view),
                name="crosswalk_topic_matrix",
            ),
            path(
                "tags-history.csv",
                self.admin_site.admin_view(self.tags_history_view),
                name="crosswalk_topic_tags_history_csv",
            ),
        ]
        return own + super().get_urls()

    def matrix_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Topic map: topics × instruments",
            **matrix_picture(),
        }
        return TemplateResponse(request, "admin/crosswalk/topic/matrix.html", context)

    def tags_history_view(self, request: HttpRequest) -> HttpResponse:
        """Every tag added or removed: which provision, which topic, who, when and why."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return history_csv_response(ProvisionTopic, "crosswalk-topic-tag-history.csv")


def matrix_picture() -> dict[str, Any]:
    """The matrix of crosswalk.topics with colours and links for the admin page."""
    matrix = topic_matrix(timezone.localdate())
    coverage = matrix["coverage"]
    peak = max((n for row in matrix["topics"] for n in row["counts"]), default=0) or 1
    provisions = reverse("admin:crosswalk_provision_changelist")
    rows = []
    for row in matrix["topics"]:
        topic = row["topic"]
        cells = []
        for entry, count in zip(coverage, row["counts"], strict=True):
            query = {"instrument__id__exact": entry.instrument.pk, "topic": topic.pk}
            cells.append(
                {
                    "count": count,
                    # Square-root scale, as on the coverage heatmap: small counts stay visible.
                    "alpha": round((count / peak) ** 0.5, 3) if count else 0,
                    "url": f"{provisions}?{urlencode(query)}",
                    "title": f"{topic.name} × {entry.instrument.short_title}: {count} provisions",
                }
            )
        rows.append({"topic": topic, "cells": cells, "total": row["total"]})
    states = []
    for entry in coverage:
        query = {"instrument__id__exact": entry.instrument.pk, "topic_map": "untagged"}
        states.append(
            {
                "entry": entry,
                "percent": round(entry.share_covered * 100, 1),
                "untagged_url": f"{provisions}?{urlencode(query)}",
            }
        )
    return {"coverage": states, "rows": rows, "peak": peak, "as_of": matrix["as_of"]}


class ProvisionTopicFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        kept = [
            form
            for form in self.forms
            if form.cleaned_data.get("topic") and not form.cleaned_data.get("DELETE")
        ]
        # The provision's own form is already applied to self.instance here.
        errors = topic_tag_errors(
            procedural=self.instance.procedural, topic_count=len(kept), required=False
        )
        if errors:
            raise ValidationError(errors)


class ProvisionTopicInline(admin.TabularInline):
    """A provision's topics (1–3 on a citable unit, none when it is procedural)."""

    model = ProvisionTopic
    formset = ProvisionTopicFormSet
    autocomplete_fields = ["topic"]
    extra = 0
    max_num = 3
    verbose_name = "topic"
    verbose_name_plural = "topics (1–3 on a citable unit; none when procedural)"


class TopicFilter(admin.SimpleListFilter):
    """Provisions on a topic; a top-level topic includes its children's provisions."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        topics = Topic.objects.only("pk", "name", "parent_id").order_by("position", "slug")
        by_parent: dict[int | None, list[Topic]] = {}
        for topic in topics:
            by_parent.setdefault(topic.parent_id, []).append(topic)
        choices = []
        for top in by_parent.get(None, []):
            choices.append((str(top.pk), top.name))
            choices += [(str(c.pk), f"— {c.name}") for c in by_parent.get(top.pk, [])]
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.on_topic(int(value))
        return queryset


class TopicMapFilter(admin.SimpleListFilter):
    """Where a citable unit stands in the topic map: tagged, procedural or not yet tagged."""

    title = "topic map"
    parameter_name = "topic_map"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [
            ("tagged", "tagged with topics"),
            ("procedural", "procedural"),
            ("untagged", "citable, not yet tagged"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        tagged = Q(pk__in=ProvisionTopic.objects.values("provision_id"))
        if self.value() == "tagged":
            return queryset.filter(tagged)
        if self.value() == "procedural":
            return queryset.filter(procedural=True)
        if self.value() == "untagged":
            citable = Provision.objects.citable().values("pk")
            return queryset.filter(pk__in=citable, procedural=False).exclude(tagged)
        return queryset
