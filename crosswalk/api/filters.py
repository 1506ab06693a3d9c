"""FilterSets: each filter delegates to a queryset method; unknown parameters are refused."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django_filters.fields import IsoDateTimeField
from rest_framework.exceptions import ValidationError

from crosswalk.models import Instrument, Mapping, Provision, Topic

PAGING = ("page", "page_size", "cursor")
# PostgreSQL accepts UTC offsets up to ±15:59; Python parses more and the query would fail.
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)


def reject_bad_values(params: Any) -> None:
    """Empty values and NUL characters are refused before they reach a filter or the database."""
    errors = {}
    for name, value in params.items():
        if not value.strip() or (name == "ordering" and "" in value.split(",")):
            errors[name] = ["May not be empty."]
        elif "\x00" in value:
            errors[name] = ["May not contain NUL characters."]
    if errors:
        raise ValidationError(errors)


class BoundedDateTimeField(IsoDateTimeField):
    def clean(self, value: Any) -> datetime.datetime | None:
        cleaned = super().clean(value)
        offset = cleaned.utcoffset() if cleaned is not None else None
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("UTC offset must be within ±15:59.")
        return cleaned


class UpdatedSinceFilter(django_filters.IsoDateTimeFilter):
    """`updated_since`: an ISO 8601 date-time; rows changed at or after it."""

    field_class = BoundedDateTimeField

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(field_name="updated_at", lookup_expr="gte", **kwargs)


class StrictFilterSet(django_filters.FilterSet):
    """Refuse query parameters this endpoint does not know, naming the ones it does."""

    extra_allowed: tuple[str, ...] = PAGING

    @property
    def qs(self) -> QuerySet:
        self.check_parameters()
        return super().qs

    def check_parameters(self) -> None:
        allowed = set(self.filters) | set(self.extra_allowed)
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            message = f"Unknown parameter. Allowed: {', '.join(sorted(allowed))}."
            raise ValidationError({name: [message] for name in unknown})
        reject_bad_values(self.data)
        if not self.is_valid():
            raise ValidationError(self.errors)


class PagingOnlyFilter(StrictFilterSet):
    """No filters: only paging parameters are accepted."""


class InstrumentFilter(StrictFilterSet):
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code")
    type = django_filters.ChoiceFilter(
        field_name="instrument_type", choices=Instrument.Type.choices
    )
    legal_force = django_filters.ChoiceFilter(choices=Instrument.LegalForce.choices)
    status = django_filters.ChoiceFilter(choices=Instrument.Status.choices)
    updated_since = UpdatedSinceFilter(help_text="ISO 8601 date-time: changed at or after it.")
    ordering = django_filters.OrderingFilter(
        fields=["slug", "in_force_from", "adopted_on", "updated_at"]
    )

    class Meta:
        model = Instrument
        fields: list[str] = []


PROVISION_STATUSES = [
    (value, value)
    for value in (
        "in_force", "not_yet_in_force", "not_yet_applicable", "no_longer_applicable",
        "deleted", "revoked", "superseded",
    )
]  # fmt: skip


class ProvisionFilter(StrictFilterSet):
    extra_allowed = (*PAGING, "include")

    jurisdiction = django_filters.CharFilter(field_name="instrument__jurisdiction__code")
    instrument = django_filters.CharFilter(
        field_name="instrument__slug", help_text="Instrument slug, e.g. `eu-ai-act`."
    )
    type = django_filters.ChoiceFilter(
        field_name="instrument__instrument_type",
        choices=Instrument.Type.choices,
        help_text="The instrument's type.",
    )
    legal_force = django_filters.ChoiceFilter(
        field_name="instrument__legal_force", choices=Instrument.LegalForce.choices
    )
    status = django_filters.ChoiceFilter(
        choices=PROVISION_STATUSES,
        method="filter_status",
        help_text="Status today, or on `as_of` when given.",
    )
    kind = django_filters.CharFilter(help_text="e.g. article, paragraph, point, recital.")
    topic = django_filters.CharFilter(
        method="filter_topic",
        help_text="Topic slug; a top-level topic includes its children's provisions.",
    )
    parent = django_filters.CharFilter(
        field_name="parent__public_id", help_text="Public id of the parent provision."
    )
    citation = django_filters.CharFilter(
        help_text="The source's own reference, verbatim, e.g. `Article 5(1)(a)`."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text=(
            "Full-text search over heading and text, ranked (web-search syntax: quotes, "
            "`or`, `-`). Japanese and Korean text is matched by substring of the original."
        ),
    )
    implements = django_filters.CharFilter(
        method="filter_reference",
        help_text="Public id: provisions whose text implements it, e.g. the articles of Korea's "
        "decree that implement `kr-ai-framework-act:art_31`.",
    )
    reproduces = django_filters.CharFilter(
        method="filter_reference", help_text="Public id: provisions whose text reproduces it."
    )
    revokes = django_filters.CharFilter(
        method="filter_reference", help_text="Public id: provisions whose text revokes it."
    )
    in_force_on = django_filters.DateFilter(
        method="filter_in_force_on",
        help_text="YYYY-MM-DD: part of the law that day (applicable or not), with that day's text.",
    )
    as_of = django_filters.DateFilter(
        method="filter_as_of",
        help_text="YYYY-MM-DD: in force and applicable that day, with that day's text.",
    )
    updated_since = UpdatedSinceFilter(help_text="ISO 8601 date-time: changed at or after it.")
    ordering = django_filters.OrderingFilter(
        fields=["position", "citation", "in_force_from", "applies_from", "updated_at"]
    )

    class Meta:
        model = Provision
        fields: list[str] = []

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_status(value, on=self.form.cleaned_data.get("as_of"))

    def filter_topic(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        topic = Topic.objects.filter(slug=value).only("pk").first()
        if topic is None:
            raise ValidationError({name: [f"No topic has the slug {value!r}."]})
        return queryset.on_topic(topic.pk)

    def filter_reference(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not Provision.objects.filter(public_id=value).exists():
            raise ValidationError({name: [f"No provision has the public id {value!r}."]})
        return queryset.stating(name, value)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_in_force_on(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.in_force_on(value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.as_of(value)


class MappingFilter(StrictFilterSet):
    status = django_filters.ChoiceFilter(choices=Mapping.Status.choices)
    relationship = django_filters.ChoiceFilter(choices=Mapping.Relationship.choices)
    strength_min = django_filters.NumberFilter(
        field_name="strength", lookup_expr="gte", min_value=1, max_value=10, help_text="1–10."
    )
    strength_max = django_filters.NumberFilter(
        field_name="strength", lookup_expr="lte", min_value=1, max_value=10, help_text="1–10."
    )
    rationale_type = django_filters.ChoiceFilter(choices=Mapping.RationaleType.choices)
    provenance = django_filters.ChoiceFilter(choices=Mapping.Provenance.choices)
    source_instrument = django_filters.CharFilter(field_name="source_instrument__slug")
    target_instrument = django_filters.CharFilter(field_name="target_instrument__slug")
    instrument = django_filters.CharFilter(
        method="filter_instrument", help_text="Instrument slug on either side."
    )
    provision = django_filters.CharFilter(
        method="filter_provision", help_text="Public id of a provision on either side."
    )
    topic = django_filters.CharFilter(
        method="filter_topic",
        help_text="Topic of either side; a top-level topic includes its children.",
    )
    as_of = django_filters.DateFilter(
        method="filter_as_of", help_text="YYYY-MM-DD: both provisions in force and applicable."
    )
    updated_since = UpdatedSinceFilter(help_text="ISO 8601 date-time: changed at or after it.")

    class Meta:
        model = Mapping
        fields: list[str] = []

    def filter_instrument(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.touching_instrument(value)

    def filter_provision(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.touching_provision(value)

    def filter_topic(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_topic(value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.as_of(value)
