"""The instrument × instrument coverage picture of published mappings, computed in two queries.
"Covered" and "maps to nothing" follow the one definition of mapped (relations.covers): a
not_related mapping is counted as a mapping, but covers nothing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse

from crosswalk import relations
from crosswalk.models import Instrument, Mapping, Provision

UNMAPPED_SHOWN = 300


def coverage_matrix() -> dict[str, Any]:
    """Per ordered pair (row, column): published mappings between them in either direction, and
    the share of the row instrument's provisions that those mappings cover."""
    instruments = list(
        Instrument.objects.annotate(provision_count=Count("provisions")).order_by(
            "jurisdiction__code", "slug"
        )
    )
    by_id = {i.pk: i for i in instruments}
    published = Mapping.objects.published().filter(
        source_instrument__in=by_id, target_instrument__in=by_id
    )
    edges = published.values_list(
        "source_id", "target_id", "source_instrument_id", "target_instrument_id", "relationship"
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    covered: dict[tuple[int, int], set[int]] = defaultdict(set)
    for source, target, source_instrument, target_instrument, relationship in edges:
        covers = relations.covers(relationship)
        for a, b, own in (
            (source_instrument, target_instrument, source),
            (target_instrument, source_instrument, target),
        ):
            counts[(a, b)] += 1
            if covers:
                covered[(a, b)].add(own)

    peak = max(counts.values(), default=1)
    changelist = reverse("admin:crosswalk_mapping_changelist")
    rows = []
    for row in instruments:
        cells = []
        for column in instruments:
            count = counts.get((row.pk, column.pk), 0)
            share = (
                len(covered.get((row.pk, column.pk), ())) / row.provision_count
                if row.provision_count
                else 0
            )
            cells.append(
                {
                    "self": row.pk == column.pk,
                    "count": count,
                    "share": share,
                    "percent": round(share * 100),
                    # Colour by count on a square-root scale: small counts stay visible.
                    "alpha": round((count / peak) ** 0.5, 3) if count else 0,
                    "url": changelist
                    + "?"
                    + urlencode(
                        {"pair": f"{row.slug},{column.slug}", "status__exact": "published"}
                    ),
                    "title": (
                        f"{row.short_title} × {column.short_title}: {count} published "
                        f"mappings, {round(share * 100)}% of {row.short_title}'s provisions covered"
                    ),
                }
            )
        rows.append({"instrument": row, "cells": cells})
    # Every gap of every instrument in one query, grouped here.
    gaps: dict[int, list[Provision]] = defaultdict(list)
    for provision in (
        Provision.objects.filter(instrument__in=by_id)
        .unmapped_by(published)
        .order_by("instrument_id", "position")
        .only("pk", "instrument_id", "citation", "heading", "text")
    ):
        gaps[provision.instrument_id].append(provision)
    provision_list = reverse("admin:crosswalk_provision_changelist")
    unmapped = []
    for instrument in instruments:
        rows_missing = gaps.get(instrument.pk, [])
        total = instrument.provision_count
        unmapped.append(
            {
                "instrument": instrument,
                "count": len(rows_missing),
                "share": round(len(rows_missing) / total * 100) if total else 0,
                "shown": rows_missing[:UNMAPPED_SHOWN],
                "url": provision_list
                + "?"
                + urlencode({"instrument__id__exact": instrument.pk, "mapped": "no"}),
            }
        )
    return {"instruments": instruments, "rows": rows, "unmapped": unmapped, "peak": peak}
