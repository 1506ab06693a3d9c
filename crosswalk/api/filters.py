"""FilterSets: each filter delegates to a queryset method; unknown parameters are refused."""

from __future__ import annotations

import datetime

import django_filters
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from crosswalk.models import Instrument, Provision


class StrictFilterSet(django_filters.FilterSet):
    """Refuse query parameters this endpoint does not know, naming the ones it does."""

    extra_allowed: tuple[str, ...] = ("page", "page_size", "include")

    @property
    def qs(self) -> QuerySet:
        allowed = set(self.filters) | set(self.extra_allowed)
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            raise ValidationError(
                {
                    name: [f"Unknown parameter. Allowed: {', '.join(sorted(allowed))}."]
                    for name in unknown
                }
            )
        if not self.is_valid():
            raise ValidationError(self.errors)
        return super().qs


class InstrumentFilter(StrictFilterSet):
    jurisdiction = django_filters.CharFilter(field_name="jurisdiction__code")
    type = django_filters.ChoiceFilter(
        field_name="instrument_type", choices=Instrument.Type.choices
    )
    legal_force = django_filters.ChoiceFilter(choices=Instrument.LegalForce.choices)
    status = django_filters.ChoiceFilter(choices=Instrument.Status.choices)

    class Meta:
        model = Instrument
        fields = ["jurisdiction", "type", "legal_force", "status"]


class ProvisionFilter(StrictFilterSet):
    instrument = django_filters.CharFilter(field_name="instrument__slug")
    citation = django_filters.CharFilter(field_name="citation")
    kind = django_filters.CharFilter(field_name="kind")
    parent = django_filters.CharFilter(field_name="parent__public_id")
    in_force_on = django_filters.DateFilter(method="filter_in_force_on")
    as_of = django_filters.DateFilter(method="filter_as_of")

    class Meta:
        model = Provision
        fields = ["instrument", "citation", "kind", "parent", "in_force_on", "as_of"]

    def filter_in_force_on(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.in_force_on(value)

    def filter_as_of(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.as_of(value)
