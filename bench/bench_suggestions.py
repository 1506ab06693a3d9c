"""Suggestion quality on the seed curation: recall@10 and MRR, weights tuned on one half of the
seed mappings and reported on the other (held-out) half. Both directions of each mapping count.

The weights are chosen on the tuning half only (best MRR over GRID); the held-out half is then
measured for that choice and for a ladder of ablations (the first ranking, then each ingredient
of the current one added in turn), so the section shows what each ingredient brings.

Usage: .venv/bin/python bench/bench_suggestions.py   (after load_corpus and load_seed_mappings)
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import time
from collections.abc import Callable
from datetime import date

from common import django_setup, summary, write_section

django_setup()

from legacy_suggestions import legacy_ranking  # noqa: E402

from crosswalk.models import Instrument, Mapping, Provision  # noqa: E402
from crosswalk.suggestions import suggestions_for  # noqa: E402

DEPTH = 50
Case = tuple[Provision, Instrument, int]
Ranker = Callable[[Provision, Instrument, int], list[int]]

# Tuning grid over the current ranking; every other weight stays at its default.
GRID: list[dict[str, float]] = [
    {"k1": k1, "b": b, "source_idf": source_idf, "container": 0.1, "heading": 0.0}
    for k1, b, source_idf in itertools.product([1.2, 3.0], [0.75, 0.9], [0.5, 0.75])
] + [
    {"k1": 3.0, "b": 0.9, "source_idf": 0.75, "container": 0.0, "heading": 0.0},
    {"k1": 3.0, "b": 0.9, "source_idf": 0.75, "container": 0.2, "heading": 0.0},
    {"k1": 3.0, "b": 0.9, "source_idf": 0.75, "container": 0.1, "heading": 0.25},
]


def held_out(mapping: Mapping) -> bool:
    key = f"{mapping.source.public_id}|{mapping.target.public_id}".encode()
    return hashlib.sha256(key).digest()[0] % 2 == 1


def cases(mappings: list[Mapping]) -> list[Case]:
    """(query provision, target instrument, expected provision id), both directions."""
    out = []
    for m in mappings:
        if m.relationship == "not_related":
            continue
        out.append((m.source, m.target.instrument, m.target_id))
        out.append((m.target, m.source.instrument, m.source_id))
    return out


def current(**weights: float) -> Ranker:
    def rank(query: Provision, instrument: Instrument, limit: int) -> list[int]:
        found = suggestions_for(query, instrument, limit=limit, **weights)
        return [s.provision.pk for s in found]

    return rank


def legacy(query: Provision, instrument: Instrument, limit: int) -> list[int]:
    return legacy_ranking(query, instrument, limit=limit)


def evaluate(items: list[Case], rank: Ranker) -> dict[str, float]:
    """recall@10, MRR within the top DEPTH, and milliseconds per ranking."""
    hits, reciprocal = 0, 0.0
    start = time.perf_counter()
    for query, instrument, expected in items:
        ranked = rank(query, instrument, DEPTH)
        if expected in ranked:
            position = ranked.index(expected) + 1
            hits += position <= 10
            reciprocal += 1 / position
    elapsed = (time.perf_counter() - start) / len(items) * 1000
    return {"recall@10": hits / len(items), "mrr": reciprocal / len(items), "ms": elapsed}


def describe(weights: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:g}" for name, value in weights.items())


def module_defaults() -> dict[str, float]:
    parameters = inspect.signature(suggestions_for).parameters
    return {name: parameters[name].default for name in GRID[0]}


def unreachable(items: list[Case]) -> tuple[int, set[str]]:
    """Cases whose expected provision is no longer in force (no ranking can offer it), and why."""
    ended = {
        p.pk: f"{p.instrument.slug} ({p.end_reason or 'ended'})"
        for p in Provision.objects.filter(
            pk__in=[expected for _, _, expected in items], in_force_until__lt=date.today()
        ).select_related("instrument")
    }
    return sum(expected in ended for _, _, expected in items), set(ended.values())


def largest_pair(seeds: list[Mapping]) -> tuple[str, dict[str, float]]:
    """Milliseconds per ranking between the two largest instruments the seeds touch."""
    touched = {m.source.instrument for m in seeds} | {m.target.instrument for m in seeds}
    target, source = sorted(touched, key=lambda i: -i.provisions.count())[:2]
    queries = list(source.provisions.order_by("position")[::10][:30])
    samples = []
    for query in queries:
        start = time.perf_counter()
        suggestions_for(query, target, limit=10)
        samples.append((time.perf_counter() - start) * 1000)
    return f"{source.slug} → {target.slug}", summary(samples)


def main() -> None:
    seeds = list(
        Mapping.objects.filter(provenance="seed", status="published").select_related(
            "source__instrument", "target__instrument"
        )
    )
    tune = cases([m for m in seeds if not held_out(m)])
    test = cases([m for m in seeds if held_out(m)])
    (ended_tune, why_tune), (ended_test, why_test) = unreachable(tune), unreachable(test)

    tuned = [(evaluate(tune, current(**weights)), weights) for weights in GRID]
    best, chosen = max(tuned, key=lambda pair: (pair[0]["mrr"], pair[0]["recall@10"]))
    grid_rows = "\n".join(
        f"| {describe(w)} | {r['recall@10']:.3f} | {r['mrr']:.3f} |"
        + (" **chosen** |" if w is chosen else " |")
        for r, w in tuned
    )
    defaults = module_defaults()
    note = (
        "These are the defaults of `suggestions_for`."
        if defaults == chosen
        else f"**Warning: the module defaults ({describe(defaults)}) differ from this choice.**"
    )

    own = {**chosen, "source_idf": 0.0, "container": 0.0, "heading": 0.0}
    ladder: list[tuple[str, Ranker]] = [
        ("before: TF-IDF overlap + heading trigram (weights 1.0, 2.0)", legacy),
        ("BM25 of the provision's own lexemes", current(**own, context=False)),
        ("+ nearest ancestor's heading in both representations", current(**own)),
        (
            f"+ container penalty {chosen['container']:g}",
            current(**{**own, "container": chosen["container"]}),
        ),
        (
            f"+ idf blended with the source instrument ({chosen['source_idf']:g})",
            current(**{**chosen, "heading": 0.0}),
        ),
    ]
    if chosen["heading"]:
        ladder.append((f"+ heading trigram {chosen['heading']:g}", current(**chosen)))
    measured = [(label, evaluate(tune, rank), evaluate(test, rank)) for label, rank in ladder]
    ladder_rows = "\n".join(
        f"| {label} | {t['recall@10']:.3f} | {t['mrr']:.3f} | {h['recall@10']:.3f} "
        f"| {h['mrr']:.3f} | {h['ms']:.0f} |"
        for label, t, h in measured
    )
    before, after = measured[0][2], measured[-1][2]
    pair, timing = largest_pair(seeds)
    body = f"""
## Suggestion quality (seed curation)

{len(seeds)} published seed mappings (`not_related` ones excluded), each asked both ways (source →
target instrument and back): {len(tune)} tuning cases, {len(test)} held-out cases, split by a hash
of the pair. A case scores when the curated counterpart is among the top 10 (recall@10); MRR
averages 1/rank within the top {DEPTH}. {ended_tune} tuning and {ended_test} held-out cases expect a
provision no longer in force ({", ".join(sorted(why_tune | why_test))}), which no ranking offers:
they count as misses, so recall@10 cannot exceed {1 - ended_test / len(test):.3f} on the held-out
half.

Weights chosen on the tuning half (best MRR); BM25 with the nearest ancestor's heading in both
representations throughout:

| weights | recall@10 | MRR | |
|---|---|---|---|
{grid_rows}

{note} What each ingredient brings, with the chosen weights (tuning half, then held-out half;
ms per ranking on the held-out half, including loading the provisions):

| ranking | tuning recall@10 | tuning MRR | held-out recall@10 | held-out MRR | ms |
|---|---|---|---|---|---|
{ladder_rows}

**Held-out half: recall@10 {before["recall@10"]:.3f} → {after["recall@10"]:.3f}, MRR
{before["mrr"]:.3f} → {after["mrr"]:.3f}** (n = {len(test)}), about {after["ms"]:.0f} ms per
ranking ({before["ms"]:.0f} ms before). Between the two largest instruments ({pair}, top 10 for
{timing["n"]} provisions): median {timing["median"]:.0f} ms, p95 {timing["p95"]:.0f} ms.
"""
    write_section("suggestions", body)


if __name__ == "__main__":
    main()
