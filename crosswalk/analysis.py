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

from django.db import connection
from django.db.models import Value

from crosswalk import coverage, relations
from crosswalk.models import Gap, Instrument, Provision

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


def _provisions(instrument: Instrument, as_of: datetime.date | None) -> list[tuple[int, dict]]:
    """(key, brief) of each provision of `instrument` (on `as_of`), in document order."""
    queryset = Provision.objects.filter(instrument=instrument)
    if as_of is not None:
        queryset = queryset.as_of(as_of)
    rows = queryset.order_by("position").values_list("id", "public_id", "citation", "heading")
    return [
        (pk, {"public_id": public_id, "citation": citation, "heading": heading})
        for pk, public_id, citation, heading in rows
    ]


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
    mappings = mappings.live()
    sources = _provisions(source, as_of)
    targets = dict(_provisions(target, as_of))
    source_ids = {pk for pk, _ in sources}
    # Every mapping between the two instruments; those of provisions not listed (as_of) are
    # dropped below.
    direct = _edges(list(mappings.between(source.pk, target.pk).values(*EDGE_VALUES)))
    by_start: dict[int, list[Edge]] = defaultdict(list)
    for edge in direct:
        if edge.start in source_ids and edge.end in targets:
            by_start[edge.start].append(edge)
    direct_count = sum(len(edges) for edges in by_start.values())
    if direct_count > max_results:
        raise TooManyResults(max_results)
    derived_by_start = {}
    if derived:
        try:
            derived_by_start = _derived(
                source_ids,
                set(targets),
                mappings.published(),
                max_depth,
                source,
                target,
                max_results - direct_count,
            )
        except TooManyResults:
            raise TooManyResults(max_results) from None  # the caller's limit, not what was left
    counts: Counter[str] = Counter()
    rows = []
    for pk, brief in sources:
        mapped = []
        for edge in sorted(by_start.get(pk, []), key=lambda e: e.mapping_id):
            counts[edge.relationship] += 1
            mapped.append(
                {
                    "target": targets[edge.end],
                    "relationship": edge.relationship,
                    "strength": edge.strength,
                    "mapping_id": edge.mapping_id,
                    "direction": "stored" if edge.stored else "inverse",
                    "status": edge.status,
                }
            )
        direct_ends = {edge.end for edge in by_start.get(pk, [])}
        inferred = []
        for end, relationship, strength, path in derived_by_start.get(pk, []):
            if end in direct_ends:
                continue  # a curated mapping says more than an inference
            inferred.append(
                {
                    "target": targets[end],
                    "relationship": relationship,
                    "strength": strength,
                    "path": path,
                }
            )
        row: dict[str, Any] = {"provision": brief, "mappings": mapped}
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


INVERSE = {rel: relations.inverse(rel) for rel in relations.ALL}
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
    # One query for every mapping with one end in either instrument and the other outside both:
    # two index-only scans (Mapping's *_edges indexes), one per side, each row read from the
    # pair's side: (its instrument, its provision, the provision outside, relationship as
    # stored, strength, whether the row is read against the stored direction).
    leaving = published.filter(source_instrument_id__in=pair).exclude(target_instrument_id__in=pair)
    arriving = published.filter(target_instrument_id__in=pair).exclude(
        source_instrument_id__in=pair
    )
    touching = (
        leaving.order_by()
        .annotate(against=Value(False))
        .values_list(
            "source_instrument_id", "source_id", "target_id", "relationship", "strength", "against"
        )
        .union(
            arriving.order_by()
            .annotate(against=Value(True))
            .values_list(
                "target_instrument_id", "target_id", "source_id", "relationship", "strength",
                "against",
            ),
            all=True,
        )
    )  # fmt: skip
    inverse = INVERSE
    if max_depth == 2:
        return _through_one(touching, source_ids, target_ids, source, target, max_results)
    # middle -> [(source provision, relationship source->middle, strength)]
    forward: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    # middle -> [(target provision, relationship middle->target, strength)]
    backward: dict[int, list[tuple[int, str, int | None]]] = defaultdict(list)
    for instrument, end, middle, rel, strength, against in touching:
        # rel, read from `end`: end rel middle
        outward = inverse[rel] if against else rel
        if instrument == source.pk:
            if end in source_ids:
                forward[middle].append((end, outward, strength))
        elif end in target_ids:
            backward[middle].append((end, inverse[outward], strength))

    mids: list[tuple[int, int, str, int | None]] = []
    if max_depth >= 3 and forward and backward:
        rows = published.linking(list(forward), list(backward)).order_by()
        for start, end, rel, strength in rows.values_list(
            "source_id", "target_id", "relationship", "strength"
        ):
            for a, b, r in ((start, end, rel), (end, start, inverse[rel])):
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
    return _by_start(found, max_results)


def _through_one(
    touching: Any,
    source_ids: set[int],
    target_ids: set[int],
    source: Instrument,
    target: Instrument,
    max_results: int,
) -> dict[int, list[tuple[int, str, int | None, list[str]]]]:
    """Depth 2, set-based: PostgreSQL joins the two sides' edges on the provision between them
    and returns only the paths (thousands), not the edges (tens of thousands)."""
    inner, params = touching.query.sql_with_params()
    limit = max_results * PATHS_PER_RESULT + 1
    sql = (
        f"WITH e (inst, near, far, rel, strength, against) AS ({inner}) "
        "SELECT f.near, f.rel, f.against, f.strength, f.far, b.near, b.rel, b.against, "
        "b.strength, m.public_id FROM e f JOIN e b ON b.far = f.far "
        "JOIN crosswalk_provision m ON m.id = f.far WHERE f.inst = %s AND b.inst = %s LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, source.pk, target.pk, limit])
        rows = cursor.fetchall()
    if len(rows) == limit:
        raise TooManyResults(max_results)
    inverse = INVERSE
    public_ids: dict[int, str] = {}
    found: dict[tuple[int, int], tuple[tuple, str, int | None]] = {}
    for start, r1, against1, w1, middle, end, r2, against2, w2, middle_public_id in rows:
        public_ids[middle] = middle_public_id
        if start not in source_ids or end not in target_ids:
            continue
        first = inverse[r1] if against1 else r1  # start -> middle
        second = r2 if against2 else inverse[r2]  # middle -> end
        rel = COMPOSE_FROM[first][second]
        if rel is None:
            continue
        weakest = w1 if w2 is None else w2 if w1 is None else min(w1, w2)
        key = (2, -(weakest or 0), (middle,))
        best = found.get((start, end))
        if best is None or key < best[0]:
            found[(start, end)] = (key, rel, weakest)
    return _by_start(found, max_results, public_ids)


def _by_start(
    found: dict[tuple[int, int], tuple[tuple, str, int | None]],
    max_results: int,
    public_ids: dict[int, str] | None = None,
) -> dict[int, list[tuple[int, str, int | None, list[str]]]]:
    """Each source provision's derived mappings, by target key, with the path's public ids
    (`public_ids`, else read here)."""
    if len(found) > max_results:
        raise TooManyResults(max_results)
    if public_ids is None:
        public_ids = Provision.objects.public_ids(
            {m for (_, _, via), _, _ in found.values() for m in via}
        )
    by_start: dict[int, list[tuple[int, str, int | None, list[str]]]] = defaultdict(list)
    for (start, end), ((_, _, via), rel, strength) in sorted(found.items()):
        by_start[start].append((end, rel, strength, [public_ids[m] for m in via]))
    return by_start


def coverage_build(
    *,
    source: Instrument,
    target: Instrument,
    mappings: Any,
    as_of: datetime.date | None = None,
    gaps: Any = None,
) -> dict[str, Any]:
    """Counts per relationship (read from the source's side) and per status, and per side the
    provisions in each coverage state (crosswalk.coverage: mapped, gap confirmed, not reviewed)."""
    sources = _provisions(source, as_of)
    targets = _provisions(target, as_of)
    source_ids, target_ids = {pk for pk, _ in sources}, {pk for pk, _ in targets}
    edges = _edges(list(mappings.live().between(source.pk, target.pk).values(*EDGE_VALUES)))
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    for edge in edges:
        if edge.start in source_ids and edge.end in target_ids:
            counts[edge.relationship] += 1
            statuses[edge.status] += 1
    states = coverage.pair_states(
        first_id=source.pk,
        second_id=target.pk,
        mappings=mappings,
        gaps=gaps if gaps is not None else Gap.objects.none(),
        provision_ids=source_ids | target_ids,
    )

    def side(instrument: Instrument, rows: list[tuple[int, dict]]) -> dict[str, Any]:
        tally = coverage.counts((pk for pk, _ in rows), states)
        mapped = tally[coverage.MAPPED]
        return {
            "instrument": instrument.slug,
            "provisions": len(rows),
            "mapped": mapped,
            "share_mapped": round(mapped / len(rows), 4) if rows else 0.0,
            "gap_confirmed": tally[coverage.GAP_CONFIRMED],
            "not_reviewed": tally[coverage.NOT_REVIEWED],
            "unmapped": [brief for pk, brief in rows if pk not in states.counterparts],
            "gaps": [
                {"provision": brief, "rationale": states.gaps[pk]["rationale"]}
                for pk, brief in rows
                if states.state(pk) == coverage.GAP_CONFIRMED
            ],
        }

    return {
        "source": side(source, sources),
        "target": side(target, targets),
        "as_of": as_of.isoformat() if as_of else None,
        "by_relationship": dict(sorted(counts.items())),
        # Unpublished mappings are counted (and named here) only for readers who see drafts.
        "by_status": dict(sorted(statuses.items())),
        "mappings": sum(counts.values()),
    }
