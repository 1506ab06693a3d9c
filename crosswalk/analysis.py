"""Crosswalk and coverage of two instruments: direct mappings read from the source's side, and
mappings derived by composing published ones (crosswalk.relations), computed on request.

The caller passes the mappings its reader may see (`Mapping.objects.visible(...)`); retired ones
are never edges, whoever asks, and every direct edge carries its status, so unpublished ones
(shown only to readers allowed to see drafts) are marked as such."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from crosswalk import relations
from crosswalk.models import Instrument, Provision

MAX_DEPTH = 3


@dataclass(frozen=True)
class Edge:
    """A mapping seen from `start`: start <relationship> end."""

    start: int
    end: int
    relationship: str
    strength: int | None
    mapping_id: int
    stored: bool  # False when read against the stored direction (inverse relationship)
    status: str = "published"


def _edges(mappings: list[dict[str, Any]]) -> list[Edge]:
    edges = []
    for m in mappings:
        rel, status = m["relationship"], m.get("status", "published")
        pk, source, target, strength = m["id"], m["source_id"], m["target_id"], m["strength"]
        edges.append(Edge(source, target, rel, strength, pk, True, status))
        edges.append(Edge(target, source, relations.inverse(rel), strength, pk, False, status))
    return edges


MAPPING_VALUES = ("id", "source_id", "target_id", "relationship", "strength")
EDGE_VALUES = (*MAPPING_VALUES, "status")


def _provisions(instrument: Instrument, as_of: datetime.date | None) -> list[Provision]:
    queryset = Provision.objects.filter(instrument=instrument)
    if as_of is not None:
        queryset = queryset.as_of(as_of)
    return list(queryset.order_by("position").only("id", "public_id", "citation", "heading"))


def _brief(p: Provision) -> dict[str, Any]:
    return {"public_id": p.public_id, "citation": p.citation, "heading": p.heading}


def _weakest(strengths: list[int | None]) -> int | None:
    known = [s for s in strengths if s is not None]
    return min(known) if known else None


def crosswalk_build(
    *,
    source: Instrument,
    target: Instrument,
    mappings: Any,
    as_of: datetime.date | None = None,
    derived: bool = False,
    max_depth: int = 2,
) -> dict[str, Any]:
    """Every source provision with its mapped targets; `mappings`: the visible Mapping rows."""
    mappings = mappings.live()
    sources = _provisions(source, as_of)
    targets = {p.pk: p for p in _provisions(target, as_of)}
    source_ids = {p.pk for p in sources}
    direct = _edges(
        list(
            mappings.between(source.pk, target.pk)
            .filter(Q(source_id__in=source_ids) | Q(target_id__in=source_ids))
            .values(*EDGE_VALUES)
        )
    )
    by_start: dict[int, list[Edge]] = defaultdict(list)
    for edge in direct:
        if edge.start in source_ids and edge.end in targets:
            by_start[edge.start].append(edge)
    derived_by_start = (
        _derived(source_ids, set(targets), mappings.published(), max_depth, source, target)
        if derived
        else {}
    )
    counts: Counter[str] = Counter()
    rows = []
    for p in sources:
        mapped = []
        for edge in sorted(by_start.get(p.pk, []), key=lambda e: e.mapping_id):
            counts[edge.relationship] += 1
            mapped.append(
                {
                    "target": _brief(targets[edge.end]),
                    "relationship": edge.relationship,
                    "strength": edge.strength,
                    "mapping_id": edge.mapping_id,
                    "direction": "stored" if edge.stored else "inverse",
                    "status": edge.status,
                }
            )
        direct_ends = {edge.end for edge in by_start.get(p.pk, [])}
        inferred = []
        for end, relationship, strength, path in derived_by_start.get(p.pk, []):
            if end in direct_ends:
                continue  # a curated mapping says more than an inference
            inferred.append(
                {
                    "target": _brief(targets[end]),
                    "relationship": relationship,
                    "strength": strength,
                    "path": path,
                }
            )
        row: dict[str, Any] = {"provision": _brief(p), "mappings": mapped}
        if derived:
            row["derived"] = inferred
        rows.append(row)
    mapped_sources = sum(
        1 for row in rows if any(relations.covers(m["relationship"]) for m in row["mappings"])
    )
    summary = {
        "source_provisions": len(rows),
        "mapped": mapped_sources,
        "unmapped": len(rows) - mapped_sources,
        "share_mapped": round(mapped_sources / len(rows), 4) if rows else 0.0,
        "by_relationship": dict(sorted(counts.items())),
    }
    if derived:
        summary["derived"] = sum(len(row["derived"]) for row in rows)
    return {
        "source": source.slug,
        "target": target.slug,
        "as_of": as_of.isoformat() if as_of else None,
        "derived": derived,
        "max_depth": max_depth if derived else None,
        "summary": summary,
        "results": rows,
    }


def _derived(
    source_ids: set[int],
    target_ids: set[int],
    published: Any,
    max_depth: int,
    source: Instrument,
    target: Instrument,
) -> dict[int, list[tuple[int, str, int | None, list[str]]]]:
    """Paths of 2..max_depth published mappings from a source to a target provision, through
    provisions of other instruments, composed by set algebra (meet in the middle)."""
    pair = [source.pk, target.pk]
    # One query for every mapping with one end in either instrument and the other outside both.
    touching = published.filter(
        (Q(source_instrument_id__in=pair) & ~Q(target_instrument_id__in=pair))
        | (Q(target_instrument_id__in=pair) & ~Q(source_instrument_id__in=pair))
    ).values_list(*MAPPING_VALUES)
    forward: dict[int, list[Edge]] = defaultdict(list)  # middle node -> edges from a source
    backward: dict[int, list[Edge]] = defaultdict(list)  # middle node -> edges into a target
    inverse = relations.inverse
    for pk, start, end, rel, strength in list(touching):
        if start in source_ids:
            forward[end].append(Edge(start, end, rel, strength, pk, True))
        elif end in source_ids:
            forward[start].append(Edge(end, start, inverse(rel), strength, pk, False))
        if end in target_ids:
            backward[start].append(Edge(start, end, rel, strength, pk, True))
        elif start in target_ids:
            backward[end].append(Edge(end, start, inverse(rel), strength, pk, False))

    paths: list[list[Edge]] = []
    for middle in forward.keys() & backward.keys():
        paths.extend([a, b] for a in forward[middle] for b in backward[middle])
    if max_depth >= 3 and forward and backward:
        middles = published.filter(
            Q(source_id__in=list(forward), target_id__in=list(backward))
            | Q(source_id__in=list(backward), target_id__in=list(forward))
        ).values(*MAPPING_VALUES)
        for mid in _edges(list(middles)):
            if mid.start in forward and mid.end in backward and mid.start != mid.end:
                paths.extend([a, mid, b] for a in forward[mid.start] for b in backward[mid.end])

    found: dict[int, dict[int, tuple[str, int | None, list[Edge]]]] = defaultdict(dict)
    for path in paths:
        relationship = relations.compose_path([edge.relationship for edge in path])
        if relationship is None:
            continue
        start, end = path[0].start, path[-1].end
        strength = _weakest([edge.strength for edge in path])
        best = found[start].get(end)
        # Keep one path per pair: the shortest, then the strongest.
        key = (len(path), -(strength or 0))
        if best is None or key < (len(best[2]), -(best[1] or 0)):
            found[start][end] = (relationship, strength, path)
    public_ids = Provision.objects.public_ids(
        {edge.end for ends in found.values() for _, _, path in ends.values() for edge in path[:-1]}
    )
    return {
        start: [
            (end, rel, strength, [public_ids[edge.end] for edge in path[:-1]])
            for end, (rel, strength, path) in sorted(ends.items())
        ]
        for start, ends in found.items()
    }


def coverage_build(
    *, source: Instrument, target: Instrument, mappings: Any, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """Counts per relationship (read from the source's side) and per status, and the unmapped
    provisions of each side."""
    sources = _provisions(source, as_of)
    targets = _provisions(target, as_of)
    source_ids, target_ids = {p.pk for p in sources}, {p.pk for p in targets}
    edges = _edges(list(mappings.live().between(source.pk, target.pk).values(*EDGE_VALUES)))
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    mapped_sources: set[int] = set()
    mapped_targets: set[int] = set()
    for edge in edges:
        if edge.start in source_ids and edge.end in target_ids:
            counts[edge.relationship] += 1
            statuses[edge.status] += 1
            if relations.covers(edge.relationship):
                mapped_sources.add(edge.start)
                mapped_targets.add(edge.end)

    def side(instrument: Instrument, rows: list[Provision], mapped: set[int]) -> dict[str, Any]:
        return {
            "instrument": instrument.slug,
            "provisions": len(rows),
            "mapped": len(mapped),
            "share_mapped": round(len(mapped) / len(rows), 4) if rows else 0.0,
            "unmapped": [_brief(p) for p in rows if p.pk not in mapped],
        }

    return {
        "source": side(source, sources, mapped_sources),
        "target": side(target, targets, mapped_targets),
        "as_of": as_of.isoformat() if as_of else None,
        "by_relationship": dict(sorted(counts.items())),
        # Unpublished mappings are counted (and named here) only for readers who see drafts.
        "by_status": dict(sorted(statuses.items())),
        "mappings": sum(counts.values()),
    }
