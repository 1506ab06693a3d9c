"""Crosswalk and coverage of two instruments: direct mappings read from the source's side, and
mappings derived by composing published ones (crosswalk.relations), computed on request."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from crosswalk import relations
from crosswalk.models import Instrument, Provision

MAX_DEPTH = 3
# Paths composed per result allowed, at most: a bound on work before any path is composed.
PATHS_PER_RESULT = 50


@dataclass(frozen=True)
class Edge:
    """A mapping seen from `start`: start <relationship> end."""

    start: int
    end: int
    relationship: str
    strength: int | None
    mapping_id: int
    stored: bool  # False when read against the stored direction (inverse relationship)


def _edges(mappings: list[dict[str, Any]]) -> list[Edge]:
    edges = []
    for m in mappings:
        rel, strength = m["relationship"], m["strength"]
        edges.append(Edge(m["source_id"], m["target_id"], rel, strength, m["id"], True))
        edges.append(
            Edge(m["target_id"], m["source_id"], relations.inverse(rel), strength, m["id"], False)
        )
    return edges


MAPPING_VALUES = ("id", "source_id", "target_id", "relationship", "strength")


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
    max_results: int = 20_000,
) -> dict[str, Any]:
    """Every source provision with its mapped targets; `mappings`: the visible Mapping rows.
    TooManyResults when the response would hold more than `max_results` mappings (direct and
    derived)."""
    sources = _provisions(source, as_of)
    targets = {p.pk: p for p in _provisions(target, as_of)}
    source_ids = {p.pk for p in sources}
    direct = _edges(
        list(
            mappings.between(source.pk, target.pk)
            .filter(Q(source_id__in=source_ids) | Q(target_id__in=source_ids))
            .values(*MAPPING_VALUES)
        )
    )
    by_start: dict[int, list[Edge]] = defaultdict(list)
    for edge in direct:
        if edge.start in source_ids and edge.end in targets:
            by_start[edge.start].append(edge)
    direct_count = sum(len(edges) for edges in by_start.values())
    if direct_count > max_results:
        raise TooManyResults(max_results)
    derived_by_start = (
        _derived(
            source_ids,
            set(targets),
            mappings.published(),
            max_depth,
            source,
            target,
            max_results - direct_count,
        )
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
    # A not_related mapping records a check, not coverage.
    mapped_sources = sum(
        1
        for row in rows
        if any(m["relationship"] != relations.NOT_RELATED for m in row["mappings"])
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


# What A is to C, given A r1 B and B r2 C: COMPOSE_FROM[r1][r2] (None: nothing proven).
COMPOSE_FROM = {a: {b: relations.compose(a, b) for b in relations.ALL} for a in relations.ALL}


class TooManyResults(Exception):
    """The crosswalk asked for would hold more mappings than `max_results` allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _derived(
    source_ids: set[int],
    target_ids: set[int],
    published: Any,
    max_depth: int,
    source: Instrument,
    target: Instrument,
    max_results: int,
) -> dict[int, list[tuple[int, str, int | None, list[str]]]]:
    """Paths of 2..max_depth published mappings from a source to a target provision, through
    provisions of other instruments, composed by set algebra (meet in the middle).

    Compact: edges are tuples in two adjacency maps (middle -> edges from a source, middle ->
    edges into a target), and only the best path of each (source, target) pair is kept, so
    memory follows the result, not the number of paths. Work is bounded too: beyond
    PATHS_PER_RESULT paths per allowed result, TooManyResults before any is composed."""
    pair = [source.pk, target.pk]
    inverse = relations.inverse
    # One query for every mapping with one end in either instrument and the other outside both:
    # two index-only scans (Mapping's *_edges indexes), one per side.
    columns = ("source_id", "target_id", "relationship", "strength")
    leaving = published.filter(source_instrument_id__in=pair).exclude(target_instrument_id__in=pair)
    arriving = published.filter(target_instrument_id__in=pair).exclude(
        source_instrument_id__in=pair
    )
    touching = (
        leaving.order_by()
        .values_list(*columns)
        .union(arriving.order_by().values_list(*columns), all=True)
    )
    # middle -> [(source provision, relationship source->middle, strength)]
    forward: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    # middle -> [(target provision, relationship middle->target, strength)]
    backward: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for start, end, rel, strength in touching:
        if start in source_ids:
            forward[end].append((start, rel, strength))
        elif end in source_ids:
            forward[start].append((end, inverse(rel), strength))
        if end in target_ids:
            backward[start].append((end, rel, strength))
        elif start in target_ids:
            backward[end].append((start, inverse(rel), strength))

    mids: list[tuple[int, int, str, int | None]] = []
    if max_depth >= 3 and forward and backward:
        rows = published.linking(list(forward), list(backward)).order_by()
        for start, end, rel, strength in rows.values_list(
            "source_id", "target_id", "relationship", "strength"
        ):
            for a, b, r in ((start, end, rel), (end, start, inverse(rel))):
                if a in forward and b in backward and a != b:
                    mids.append((a, b, r, strength))
    middles = forward.keys() & backward.keys()
    paths = sum(len(forward[m]) * len(backward[m]) for m in middles) + sum(
        len(forward[a]) * len(backward[b]) for a, b, _, _ in mids
    )
    if paths > max_results * PATHS_PER_RESULT:
        raise TooManyResults(max_results)

    # (start, end) -> ((length, -strength, middle provisions), relationship, strength). One path
    # per pair: the shortest, then the strongest, then the one through the lowest keys (so the
    # choice never depends on the order rows come in).
    found: dict[tuple[int, int], tuple[tuple, str, int | None]] = {}
    for middle in middles:
        into = backward[middle]
        for start, r1, w1 in forward[middle]:
            after = COMPOSE_FROM[r1]
            for end, r2, w2 in into:
                rel = after[r2]
                if rel is None:
                    continue
                weakest = w1 if w2 is None else w2 if w1 is None else min(w1, w2)
                key = (2, -(weakest or 0), (middle,))
                best = found.get((start, end))
                if best is None or key < best[0]:
                    found[(start, end)] = (key, rel, weakest)
    for a, b, r2, w2 in mids:
        into = backward[b]
        for start, r1, w1 in forward[a]:
            first = COMPOSE_FROM[r1][r2]
            if first is None:
                continue
            after = COMPOSE_FROM[first]
            w12 = w1 if w2 is None else w2 if w1 is None else min(w1, w2)
            for end, r3, w3 in into:
                rel = after[r3]
                if rel is None:
                    continue
                weakest = w12 if w3 is None else w3 if w12 is None else min(w12, w3)
                key = (3, -(weakest or 0), (a, b))
                best = found.get((start, end))
                if best is None or key < best[0]:
                    found[(start, end)] = (key, rel, weakest)
    if len(found) > max_results:
        raise TooManyResults(max_results)
    public_ids = Provision.objects.public_ids(
        {m for (_, _, via), _, _ in found.values() for m in via}
    )
    by_start: dict[int, list[tuple[int, str, int | None, list[str]]]] = defaultdict(list)
    for (start, end), ((_, _, via), rel, strength) in sorted(found.items()):
        by_start[start].append((end, rel, strength, [public_ids[m] for m in via]))
    return by_start


def coverage_build(
    *, source: Instrument, target: Instrument, mappings: Any, as_of: datetime.date | None = None
) -> dict[str, Any]:
    """Counts per relationship (read from the source's side) and the unmapped provisions of each."""
    sources = _provisions(source, as_of)
    targets = _provisions(target, as_of)
    source_ids, target_ids = {p.pk for p in sources}, {p.pk for p in targets}
    edges = _edges(list(mappings.between(source.pk, target.pk).values(*MAPPING_VALUES)))
    counts: Counter[str] = Counter()
    mapped_sources: set[int] = set()
    mapped_targets: set[int] = set()
    for edge in edges:
        if edge.start in source_ids and edge.end in target_ids:
            counts[edge.relationship] += 1
            if edge.relationship != relations.NOT_RELATED:
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
        "mappings": sum(counts.values()),
    }
