"""Query filters of the API lists, the CSV exports and `export_csv`: each delegates to a queryset
method; an unknown parameter or slug, a wrong paging parameter or a malformed value is refused
with a message naming the parameter (Django's ValidationError, so no caller needs DRF)."""

from __future__ import annotations

import copy
import datetime
import re
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import QueryDict
from django_filters.fields import IsoDateTimeField

from crosswalk.models import Gap, Instrument, Jurisdiction, Mapping, MappingSet, Provision, Topic
from crosswalk.status import STATUSES

PAGE_PAGING = ("page", "page_size")
CURSOR_PAGING = ("cursor", "page_size")
PAGING_MESSAGES = {
    PAGE_PAGING: "This list pages by number: use `page` and `page_size`.",
    CURSOR_PAGING: "This list pages by cursor: follow the `next` link; `page_size` sets the size.",
    (): "Not paged: the response holds every matching row.",
}
# PostgreSQL accepts UTC offsets up to ±15:59; Python parses more and the query would fail.
MAX_UTC_OFFSET = datetime.timedelta(hours=15, minutes=59)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_MESSAGE = "Enter a valid date as YYYY-MM-DD."


def iso_date(value: str) -> datetime.date:
    """`YYYY-MM-DD` and nothing else (not `01/06/2025`, `20250601` or `2025-W22-1`)."""
    if not ISO_DATE.fullmatch(value):
        raise ValueError(DATE_MESSAGE)
    return datetime.date.fromisoformat(value)


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


class IsoDateField(forms.DateField):
    default_error_messages = {"invalid": DATE_MESSAGE}

    def to_python(self, value: Any) -> datetime.date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value
        try:
            return iso_date(str(value))
        except ValueError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from exc


class IsoDateFilter(django_filters.DateFilter):
    field_class = IsoDateField


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
        kwargs.setdefault("help_text", "ISO 8601 date-time: changed at or after it.")
        super().__init__(field_name="updated_at", lookup_expr="gte", **kwargs)


def unknown_key_message(model: type[Model], key: str) -> str:
    return f"No {model._meta.verbose_name} has the {key.replace('_', ' ')} “%(value)s”."


class KeyFilter(django_filters.ModelChoiceFilter):
    """A natural key (slug, code, public id) that must exist: an unknown one is refused, not an
    empty result. The filter (or its method) receives the row."""

    def __init__(self, model: type[Model], key: str, **kwargs: Any) -> None:
        self.key_model, self.key = model, key
        super().__init__(
            queryset=model._default_manager.all(),
            to_field_name=key,
            error_messages={"invalid_choice": unknown_key_message(model, key)},
            **kwargs,
        )


class StrictFilterSet(django_filters.FilterSet):
    """Refuse query parameters this endpoint does not know, naming the ones it does."""

    paging: tuple[str, ...] = PAGE_PAGING
    extra_allowed: tuple[str, ...] = ()

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
    ) -> None:
        # As django-filter's, but a shallow copy of each filter instead of a deep copy of them
        # all (with their querysets and choices) on every request: a filter is configuration
        # plus the `model` and `parent` set here, and the form's fields are copied by the form.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # binds the method filter to this copy

    def get_form_class(self) -> type[forms.Form]:
        # One form class per filter set class, not one per request.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @property
    def qs(self) -> QuerySet:
        self.check_parameters()
        return super().qs

    def check_parameters(self) -> None:
        allowed = set(self.filters) | set(self.paging) | set(self.extra_allowed)
        wrong_paging = ({"page", "cursor", "page_size"} - allowed) & set(self.data)
        errors = {name: [PAGING_MESSAGES[self.paging]] for name in sorted(wrong_paging)}
        message = f"Unknown parameter. Allowed: {', '.join(sorted(allowed))}."
        for name in sorted(set(self.data) - allowed - wrong_paging):
            errors[name] = [message]
        if errors:
            raise ValidationError(errors)
        reject_bad_values(self.data)
        if not self.is_valid():
            raise ValidationError(self.errors)


class PagingOnlyFilter(StrictFilterSet):
    """No filters: only paging parameters are accepted."""


class InstrumentFilter(StrictFilterSet):
    jurisdiction = KeyFilter(Jurisdiction, "code", help_text="Jurisdiction code, e.g. `JP`.")
    type = django_filters.ChoiceFilter(
        field_name="instrument_type", choices=Instrument.Type.choices, help_text="Type."
    )
    legal_force = django_filters.ChoiceFilter(
        choices=Instrument.LegalForce.choices, help_text="Binding or not."
    )
    status = django_filters.ChoiceFilter(choices=Instrument.Status.choices, help_text="Status.")
    updated_since = UpdatedSinceFilter()
    ordering = django_filters.OrderingFilter(
        fields=["slug", "in_force_from", "adopted_on", "updated_at"],
        help_text="Sort key; `-` in front for descending.",
    )

    class Meta:
        model = Instrument
        fields: list[str] = []


class ProvisionFilter(StrictFilterSet):
    extra_allowed = ("include",)

    jurisdiction = KeyFilter(
        Jurisdiction,
        "code",
        field_name="instrument__jurisdiction",
        help_text="Jurisdiction code of the instrument, e.g. `EU`.",
    )
    instrument = KeyFilter(Instrument, "slug", help_text="Instrument slug, e.g. `eu-ai-act`.")
    type = django_filters.ChoiceFilter(
        field_name="instrument__instrument_type",
        choices=Instrument.Type.choices,
        help_text="The instrument's type.",
    )
    legal_force = django_filters.ChoiceFilter(
        field_name="instrument__legal_force",
        choices=Instrument.LegalForce.choices,
        help_text="The instrument's legal force.",
    )
    status = django_filters.ChoiceFilter(
        choices=[(value, value) for value in STATUSES],
        method="filter_status",
        help_text="Status on the day of `as_of` or `in_force_on`, else today.",
    )
    kind = django_filters.CharFilter(help_text="e.g. article, paragraph, point, recital.")
    topic = KeyFilter(
        Topic,
        "slug",
        method="filter_topic",
        help_text="Topic slug; a top-level topic includes its children's provisions.",
    )
    parent = KeyFilter(Provision, "public_id", help_text="Public id of the parent provision.")
    citation = django_filters.CharFilter(
        help_text="The source's own reference, verbatim, e.g. `Article 5(1)(a)`."
    )
    q = django_filters.CharFilter(
        method="filter_q",
        max_length=200,
        help_text=(
            "Full-text search over heading and text, ranked (web-search syntax: quotes, "
            "`or`, `-`). Japanese and Korean text is matched by substring of the original. "
            "When more than 500 provisions match (SEARCH_RANKED), the first 500 found are "
            "ranked and served, and `count` is an estimate of all matches, flagged by the "
            "response header `X-Count-Estimated: true`."
        ),
    )
    implements = KeyFilter(
        Provision,
        "public_id",
        method="filter_reference",
        help_text="Public id: provisions whose text implements it, e.g. the articles of Korea's "
        "decree that implement `kr-ai-framework-act:art_31`.",
    )
    reproduces = KeyFilter(
        Provision,
        "public_id",
        method="filter_reference",
        help_text="Public id: provisions whose text reproduces it.",
    )
    revokes = KeyFilter(
        Provision,
        "public_id",
        method="filter_reference",
        help_text="Public id: provisions whose text revokes it.",
    )
    in_force_on = IsoDateFilter(
        method="filter_in_force_on",
        help_text=(
            "YYYY-MM-DD: part of the law that day (applicable or not), with that day's text. "
            "Not with `as_of`."
        ),
    )
    as_of = IsoDateFilter(
        method="filter_as_of",
        help_text=(
            "YYYY-MM-DD: in force and applicable that day, with that day's text. "
            "Not with `in_force_on`."
        ),
    )
    updated_since = UpdatedSinceFilter()
    ordering = django_filters.OrderingFilter(
        fields=["position", "citation", "in_force_from", "applies_from", "updated_at"],
        help_text="Sort key; `-` in front for descending.",
    )

    class Meta:
        model = Provision
        fields: list[str] = []

    def check_parameters(self) -> None:
        super().check_parameters()
        data = self.form.cleaned_data
        if data.get("as_of") and data.get("in_force_on"):
            message = "Give as_of or in_force_on, not both: each chooses the day's provisions."
            raise ValidationError({"as_of": [message], "in_force_on": [message]})

    @property
    def day(self) -> datetime.date | None:
        """The day of `as_of` or `in_force_on`: rows show that day's text and status."""
        data = self.form.cleaned_data
        return data.get("as_of") or data.get("in_force_on")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("instrument") and not data.get("ordering") and not data.get("q"):
            # One instrument: document order is position alone (no join to sort by slug).
            queryset = queryset.order_by("position")
        return queryset

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.with_status(value, on=self.day)

    def filter_topic(self, queryset: QuerySet, name: str, value: Topic) -> QuerySet:
        return queryset.on_topic(value.pk)

    def filter_reference(self, queryset: QuerySet, name: str, value: Provision) -> QuerySet:
        return queryset.stating(name, value.public_id)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_in_force_on(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.in_force_on(value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.as_of(value)


class MappingFilter(StrictFilterSet):
    paging = CURSOR_PAGING

    status = django_filters.ChoiceFilter(
        choices=Mapping.Status.choices, help_text="Workflow status (staff see all of them)."
    )
    relationship = django_filters.ChoiceFilter(
        choices=Mapping.Relationship.choices, help_text="Relationship, read source → target."
    )
    strength_min = django_filters.NumberFilter(
        field_name="strength", lookup_expr="gte", min_value=1, max_value=10, help_text="1–10."
    )
    strength_max = django_filters.NumberFilter(
        field_name="strength", lookup_expr="lte", min_value=1, max_value=10, help_text="1–10."
    )
    rationale_type = django_filters.ChoiceFilter(
        choices=Mapping.RationaleType.choices, help_text="Kind of rationale."
    )
    provenance = django_filters.ChoiceFilter(
        choices=Mapping.Provenance.choices, help_text="Where the mapping came from."
    )
    source_instrument = KeyFilter(Instrument, "slug", help_text="Slug of the source instrument.")
    target_instrument = KeyFilter(Instrument, "slug", help_text="Slug of the target instrument.")
    instrument = KeyFilter(
        Instrument, "slug", method="filter_instrument", help_text="Instrument slug on either side."
    )
    provision = KeyFilter(
        Provision,
        "public_id",
        method="filter_provision",
        help_text="Public id of a provision on either side.",
    )
    topic = KeyFilter(
        Topic,
        "slug",
        method="filter_topic",
        help_text="Topic of either side; a top-level topic includes its children.",
    )
    as_of = IsoDateFilter(
        method="filter_as_of", help_text="YYYY-MM-DD: both provisions in force and applicable."
    )
    updated_since = UpdatedSinceFilter()
    mapping_set = KeyFilter(MappingSet, "slug", help_text="Slug of the mapping set.")

    class Meta:
        model = Mapping
        fields: list[str] = []

    def filter_instrument(self, queryset: QuerySet, name: str, value: Instrument) -> QuerySet:
        return queryset.touching_instrument(value)

    def filter_provision(self, queryset: QuerySet, name: str, value: Provision) -> QuerySet:
        return queryset.touching_provision(value)

    def filter_topic(self, queryset: QuerySet, name: str, value: Topic) -> QuerySet:
        return queryset.with_topic(value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.as_of(value)


class GapFilter(StrictFilterSet):
    paging = CURSOR_PAGING

    status = django_filters.ChoiceFilter(
        choices=Gap.Status.choices, help_text="Workflow status (staff see all of them)."
    )
    source_instrument = KeyFilter(
        Instrument, "slug", help_text="Slug of the instrument of the provision."
    )
    target_instrument = KeyFilter(
        Instrument, "slug", help_text="Slug of the instrument it has no counterpart in."
    )
    provision = KeyFilter(
        Provision, "public_id", field_name="source", help_text="Public id of the provision."
    )
    mapping_set = KeyFilter(MappingSet, "slug", help_text="Slug of the mapping set.")
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Gap
        fields: list[str] = []


class ProvisionExportFilter(ProvisionFilter):
    paging = ()
    extra_allowed = ("bom",)


class MappingExportFilter(MappingFilter):
    paging = ()
    extra_allowed = ("bom",)
