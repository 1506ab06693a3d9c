"""Suggestion quality on the seed curation: recall@10 and MRR, weights tuned on one half of the
seed mappings and reported on the other (held-out) half. Both directions of each mapping count.

Usage: .venv/bin/python bench/bench_suggestions.py   (after load_corpus and load_seed_mappings)
"""

from __future__ import annotations

import hashlib
import time

from common import django_setup, write_section

django_setup()

from crosswalk.models import Mapping  # noqa: E402
from crosswalk.suggestions import suggestions_for  # noqa: E402

DEPTH = 50
GRID = [(1.0, 0.0), (0.0, 1.0), (1.0, 0.25), (1.0, 0.5), (1.0, 1.0), (1.0, 2.0)]


def held_out(mapping: Mapping) -> bool:
    key = f"{mapping.source.public_id}|{mapping.target.public_id}".encode()
    return hashlib.sha256(key).digest()[0] % 2 == 1


def cases(mappings: list[Mapping]) -> list[tuple]:
    """(query provision, target instrument, expected provision id), both directions."""
    out = []
    for m in mappings:
        if m.relationship == "not_related":
            continue
        out.append((m.source, m.target.instrument, m.target_id))
        out.append((m.target, m.source.instrument, m.source_id))
    return out


def evaluate(items: list[tuple], lexical: float, heading: float) -> dict[str, float]:
    hits, reciprocal = 0, 0.0
    for query, instrument, expected in items:
        ranked = [
            s.provision.pk
            for s in suggestions_for(
                query, instrument, limit=DEPTH, lexical=lexical, heading=heading
            )
        ]
        if expected in ranked:
            position = ranked.index(expected) + 1
            hits += position <= 10
            reciprocal += 1 / position
    return {"recall@10": hits / len(items), "mrr": reciprocal / len(items), "n": len(items)}


def main() -> None:
    seeds = list(
        Mapping.objects.filter(provenance="seed", status="published").select_related(
            "source__instrument", "target__instrument"
        )
    )
    tune = cases([m for m in seeds if not held_out(m)])
    test = cases([m for m in seeds if held_out(m)])
    results = []
    for lexical, heading in GRID:
        start = time.perf_counter()
        tuned = evaluate(tune, lexical, heading)
        elapsed = (time.perf_counter() - start) / len(tune) * 1000
        results.append((tuned["mrr"], lexical, heading, tuned, elapsed))
    best = max(results)
    _, lexical, heading, tuned, elapsed = best
    held = evaluate(test, lexical, heading)
    lexical_only = evaluate(test, 1.0, 0.0)
    heading_only = evaluate(test, 0.0, 1.0)
    rows = "\n".join(
        f"| {lx} | {hd} | {r['recall@10']:.3f} | {r['mrr']:.3f} |" for _, lx, hd, r, _ in results
    )
    body = f"""
## Suggestion quality (seed curation)

{len(seeds)} published seed mappings (`not_related` ones excluded), each asked both ways (source →
target instrument and back): {tune and len(tune)} tuning cases, {len(test)} held-out cases, split
by a hash of the pair. A case scores when the curated counterpart is among the top 10
(recall@10); MRR averages 1/rank within the top {DEPTH}.

Tuning half, by weights (lexical TF-IDF overlap, heading trigram similarity):

| lexical | heading | recall@10 | MRR |
|---|---|---|---|
{rows}

**Held-out half with the chosen weights ({lexical}, {heading}): recall@10 = {held["recall@10"]:.3f},
MRR = {held["mrr"]:.3f}** (n = {held["n"]}). Lexical only: {lexical_only["recall@10"]:.3f} / {lexical_only["mrr"]:.3f};
heading trigram only: {heading_only["recall@10"]:.3f} / {heading_only["mrr"]:.3f}. About {elapsed:.0f} ms per ranking.
"""
    write_section("suggestions", body)


if __name__ == "__main__":
    main()
