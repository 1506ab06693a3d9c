"""Read vocabulary for provisions, their dated texts and mappings."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length, Replace, Sqrt
from django.utils import timezone

from crosswalk import relations
from crosswalk.status import applicable_q, in_force_q, status_q

# Japanese kana/kanji and Hangul: the English text-search configuration cannot tokenise them.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")


# Kinds that are what a person cites in every instrument that has them.
CITABLE_KINDS = (
    "article", "addenda_article", "principle", "sub_principle", "recommendation", "action",
    "subcategory",
)  # fmt: skip


def _open_until(field: str, day: datetime.date) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": day})


class ChangeStampMixin:
    """Row count and latest change of a filtered set: what ETag / Last-Modified are made of."""

    def change_stamp(self) -> tuple[int, datetime.datetime | None]:
        stamp = self.order_by().aggregate(count=Count("pk"), last=Max("updated_at"))
        return stamp["count"], stamp["last"]


class ProvisionTextQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> ProvisionTextQuerySet:
        """The text each provision had on `day`."""
        return self.filter(Q(valid_from__lte=day) & _open_until("valid_until", day))


class ProvisionQuerySet(ChangeStampMixin, models.QuerySet):
    def in_force_on(self, day: datetime.date) -> ProvisionQuerySet:
        """Part of the law on `day` (applicable or not), each with that day's text."""
        return self.filter(in_force_q(day)).with_text_on(day)

    def as_of(self, day: datetime.date) -> ProvisionQuerySet:
        """In force and applicable on `day`, each with that day's text."""
        return self.filter(applicable_q(day)).with_text_on(day)

    def with_status(self, status: str, *, on: datetime.date | None = None) -> ProvisionQuerySet:
        """Provisions whose status on `on` (default today) is `status` (crosswalk.status)."""
        return self.filter(status_q(status, on or timezone.localdate()))

    def search(self, text: str) -> ProvisionQuerySet:
        """Ranked full-text search over heading and text; Japanese and Korean by substring."""
        query = SearchQuery(text, config="english", search_type="websearch")
        if CJK.search(text):
            # The English configuration does not split Japanese or Korean into words: match the
            # originals by substring; a heading that names the term first, then how densely the
            # text uses it (occurrences over the square root of its length, so a whole chapter
            # that mentions it often does not bury the provision about it).
            needle = Value(text)
            occurrences = (
                Length("text_original") - Length(Replace("text_original", needle, Value("")))
            ) / Length(needle)
            density = Cast(occurrences, FloatField()) / Sqrt(Length("text_original") + 100.0)
            heading_hit = Case(
                When(heading_original__contains=text, then=Value(1.0)),
                default=Value(0.0),
                output_field=FloatField(),
            )
            # `<> ''` says nothing new but lets PostgreSQL use the partial trigram indexes.
            return (
                self.filter(
                    (~Q(text_original="") & Q(text_original__contains=text))
                    | (~Q(heading_original="") & Q(heading_original__contains=text))
                    | Q(search_vector=query)
                )
                .annotate(rank=heading_hit + density)
                .order_by("-rank", "instrument_id", "position")
            )
        return (
            self.filter(search_vector=query)
            .annotate(rank=SearchRank(F("search_vector"), query))
            .order_by("-rank", "instrument_id", "position")
        )

    def citable(self) -> ProvisionQuerySet:
        """The citable units: what a person cites, the one definition used by the topic
        coverage test, the API and the coverage report. Articles (and the articles of addenda);
        principles, sub-items, recommendations, actions, Guidelines items, NIST subcategories;
        executive-order sections; the points of OECD principles and recommendations; the
        points of annexes, and an annex, annex section or addenda that has no points or
        articles of its own. Not recitals, preambles, definitions lists or bare containers."""
        from crosswalk.models import Provision

        parts = Provision.objects.filter(
            parent=OuterRef("pk"), kind__in=("point", "annex_section", "addenda_article")
        )
        return self.filter(
            Q(kind__in=CITABLE_KINDS)
            | Q(kind="item", instrument__instrument_type="guidelines")
            | Q(kind="section", instrument__instrument_type="executive_order")
            | Q(
                kind="point",
                parent__kind__in=("principle", "recommendation", "annex", "annex_section"),
            )
            | (Q(kind__in=("annex", "annex_section", "addenda")) & ~Exists(parts))
        )

    def on_topic(self, topic_id: int) -> ProvisionQuerySet:
        """Tagged with the topic or, for a top-level topic, with one of its children."""
        from crosswalk.models import ProvisionTopic

        tags = ProvisionTopic.objects.filter(Q(topic_id=topic_id) | Q(topic__parent_id=topic_id))
        return self.filter(pk__in=tags.values("provision_id"))

    def public_ids(self, pks: Iterable[int]) -> dict[int, str]:
        """Key -> public id of the provisions `pks`, in one query (evaluates)."""
        keys = RawSQL("id = ANY(%s::bigint[])", [list(pks)], output_field=BooleanField())
        return dict(self.filter(keys).order_by().values_list("pk", "public_id"))

    def with_text_on(self, day: datetime.date) -> ProvisionQuerySet:
        """Prefetch the dated text valid on `day` into `.texts_on_day` (a list of 0 or 1)."""
        from crosswalk.models import ProvisionText

        return self.prefetch_related(
            Prefetch("texts", queryset=ProvisionText.objects.valid_on(day), to_attr="texts_on_day")
        )

    def with_references(self) -> ProvisionQuerySet:
        """Prefetch the links stated by and to each provision (`outgoing_references`,
        `incoming_references`), with both ends' public ids."""
        from crosswalk.models import Reference

        links = Reference.objects.select_related("source", "target").only(
            "type", "valid_from", "valid_until", "note", "source_id", "target_id",
            "source__public_id", "target__public_id", "target__citation",
        ).order_by("type", "source__public_id", "target__public_id", "valid_from")  # fmt: skip
        return self.prefetch_related(
            Prefetch("references", queryset=links, to_attr="outgoing_references"),
            Prefetch("referenced_by", queryset=links, to_attr="incoming_references"),
        )

    def with_topic_slugs(self) -> ProvisionQuerySet:
        """Prefetch each provision's topics into `.topic_rows` (slug order)."""
        from crosswalk.models import Topic

        return self.prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("slug").order_by("slug"),
                     to_attr="topic_rows")
        )  # fmt: skip

    def stating(self, type: str, target_public_id: str) -> ProvisionQuerySet:
        """Provisions whose text states a link of `type` to the provision `target_public_id`."""
        from crosswalk.models import Reference

        sources = Reference.objects.filter(type=type, target__public_id=target_public_id)
        return self.filter(pk__in=sources.values("source_id"))

    def with_all_texts(self) -> ProvisionQuerySet:
        return self.prefetch_related("texts")

    def as_rows(self, fields: Iterable[str]) -> tuple[ProvisionQuerySet, tuple[Any, ...]]:
        """The same query reading dicts of `fields` (a page of provisions builds several times
        faster than model instances), and the prefetch lookups it had, for `prefetch_rows`."""
        lookups = self._prefetch_related_lookups
        return self.prefetch_related(None).values(*fields), lookups

    def mapped_by(self, mappings: models.QuerySet) -> ProvisionQuerySet:
        """Provisions at either end of a covering mapping among `mappings` (relations.covers)."""
        return self.filter(self._touched_by(mappings))

    def unmapped_by(self, mappings: models.QuerySet) -> ProvisionQuerySet:
        """The gaps: provisions no covering mapping among `mappings` touches."""
        return self.exclude(self._touched_by(mappings))

    @staticmethod
    def _touched_by(mappings: models.QuerySet) -> Q:
        covering = mappings.covering()
        return Q(pk__in=covering.values("source_id")) | Q(pk__in=covering.values("target_id"))

    def for_api_list(self) -> ProvisionQuerySet:
        """Only what the API shows: related public ids as columns, no search vector.

        The related values are scalar subqueries, not joins, so that a query keeping only the
        filters (a count, the search's candidates) reads the provision table alone."""
        from crosswalk.models import Instrument, Provision

        def public_id(field: str) -> Subquery:
            keyed = Provision.objects.filter(pk=OuterRef(field)).order_by()
            return Subquery(keyed.values("public_id")[:1])

        slug = Instrument.objects.filter(pk=OuterRef("instrument_id")).order_by().values("slug")
        return (
            self.defer("search_vector", "extra")
            .annotate(
                instrument_slug=Subquery(slug[:1]),
                parent_public_id=public_id("parent_id"),
                ended_by_public_id=public_id("ended_by_id"),
            )
            .order_by("instrument__slug", "position")
        )


def prefetch_rows(rows: list[dict[str, Any]], lookups: Iterable[Any]) -> list[dict[str, Any]]:
    """What `prefetch_related(*lookups)` attaches to provisions, attached to provision rows read
    with `values()` (dicts): each row gets the related objects under the lookup's name (or its
    `to_attr`), one query per lookup, in the lookup queryset's order."""
    from crosswalk.models import Provision

    ids = [row["id"] for row in rows]
    for lookup in lookups:
        prefetch = lookup if isinstance(lookup, Prefetch) else Prefetch(lookup)
        relation = Provision._meta.get_field(prefetch.prefetch_through)
        queryset = prefetch.queryset
        if queryset is None:
            queryset = relation.related_model._default_manager.all()
        if relation.many_to_many:  # e.g. topics: one row per (topic, provision) pair
            path = relation.related_query_name()
            queryset = queryset.filter(**{f"{path}__in": ids}).annotate(_provision=F(path))
            key = "_provision"
        else:  # a reverse foreign key: the related model's column pointing at the provision
            key = relation.field.attname
            queryset = queryset.filter(**{f"{key}__in": ids})
        grouped: dict[int, list[Any]] = {}
        if ids:
            for obj in queryset:
                grouped.setdefault(getattr(obj, key), []).append(obj)
        name = prefetch.to_attr or prefetch.prefetch_through
        for row in rows:
            row[name] = grouped.get(row["id"], [])
    return rows


class MappingQuerySet(ChangeStampMixin, models.QuerySet):
    def published(self) -> MappingQuerySet:
        return self.filter(status="published")

    def visible(self, *, drafts: bool) -> MappingQuerySet:
        """Everything for those allowed to see drafts; published mappings for everyone else."""
        return self if drafts else self.published()

    def live(self) -> MappingQuerySet:
        """Not retired: what may be an edge of a crosswalk (drafts only where visible)."""
        return self.exclude(status="retired")

    def covering(self) -> MappingQuerySet:
        """Mappings that make their provisions "mapped" (relations.COVERING)."""
        return self.filter(relationship__in=sorted(relations.COVERING))

    def touching_instrument(self, instrument: Any) -> MappingQuerySet:
        """Mappings with `instrument` (a row or its id) on either side."""
        return self.filter(Q(source_instrument=instrument) | Q(target_instrument=instrument))

    def touching_provision(self, provision: Any) -> MappingQuerySet:
        """Mappings with `provision` (a row or its id) on either side."""
        return self.filter(Q(source=provision) | Q(target=provision))

    def between(self, first_id: int, second_id: int) -> MappingQuerySet:
        """Mappings between two instruments, stored in either direction."""
        return self.filter(
            Q(source_instrument_id=first_id, target_instrument_id=second_id)
            | Q(source_instrument_id=second_id, target_instrument_id=first_id)
        )

    def linking(self, first: list[int], second: list[int]) -> MappingQuerySet:
        """Mappings with one end among the provisions `first` and the other among `second`
        (keys; each list is one array parameter, however long)."""
        first_second = RawSQL(
            "(source_id = ANY(%s::bigint[]) AND target_id = ANY(%s::bigint[]))",
            [first, second],
            output_field=BooleanField(),
        )
        second_first = RawSQL(
            "(source_id = ANY(%s::bigint[]) AND target_id = ANY(%s::bigint[]))",
            [second, first],
            output_field=BooleanField(),
        )
        return self.filter(Q(first_second) | Q(second_first))

    def with_topic(self, topic: Any) -> MappingQuerySet:
        """Mappings with a provision on `topic` (a row or its id) on either side; a top-level
        topic includes its children."""
        from crosswalk.models import ProvisionTopic

        topic_id = getattr(topic, "pk", topic)
        tags = ProvisionTopic.objects.filter(Q(topic_id=topic_id) | Q(topic__parent_id=topic_id))
        tagged = tags.values("provision_id")
        return self.filter(Q(source_id__in=tagged) | Q(target_id__in=tagged))

    def as_of(self, day: datetime.date) -> MappingQuerySet:
        """Both provisions in force and applicable on `day`."""
        return self.filter(applicable_q(day, "source__"), applicable_q(day, "target__"))

    def for_api_list(self) -> MappingQuerySet:
        return self.select_related("source__instrument", "target__instrument", "mapping_set").defer(
            *(
                f"{side}__{field}"
                for side in ("source", "target")
                for field in ("text", "text_original", "search_vector", "extra", "end_note")
            )
        )
