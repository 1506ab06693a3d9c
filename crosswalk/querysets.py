"""Read vocabulary for provisions, their dated texts and mappings."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Prefetch, Q


def _open_until(field: str, day: datetime.date) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": day})


class ProvisionTextQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> ProvisionTextQuerySet:
        """The text each provision had on `day`."""
        return self.filter(Q(valid_from__lte=day) & _open_until("valid_until", day))


class ProvisionQuerySet(models.QuerySet):
    def in_force_on(self, day: datetime.date) -> ProvisionQuerySet:
        """Part of the law on `day` (applicable or not), each with that day's text."""
        return self.filter(
            Q(in_force_from__lte=day) & _open_until("in_force_until", day)
        ).with_text_on(day)

    def as_of(self, day: datetime.date) -> ProvisionQuerySet:
        """In force and applicable on `day`, each with that day's text."""
        return (
            self.in_force_on(day)
            .filter(Q(applies_from__isnull=True) | Q(applies_from__lte=day))
            .filter(_open_until("applies_until", day))
        )

    def with_text_on(self, day: datetime.date) -> ProvisionQuerySet:
        """Prefetch the dated text valid on `day` into `.texts_on_day` (a list of 0 or 1)."""
        from crosswalk.models import ProvisionText

        return self.prefetch_related(
            Prefetch("texts", queryset=ProvisionText.objects.valid_on(day), to_attr="texts_on_day")
        )

    def with_all_texts(self) -> ProvisionQuerySet:
        return self.prefetch_related("texts")

    def for_api_list(self) -> ProvisionQuerySet:
        return self.select_related("instrument", "parent", "ended_by").order_by(
            "instrument__slug", "position"
        )


class MappingQuerySet(models.QuerySet):
    def published(self) -> MappingQuerySet:
        return self.filter(status="published")
