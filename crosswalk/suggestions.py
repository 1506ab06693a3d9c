"""Candidate targets for a provision, ranked by text similarity in PostgreSQL.

One SQL query scores every provision of the target instrument in force today with BM25 over the
full-text lexemes (`search_vector`, stemmed English):

- Each provision is represented by its own lexemes plus the heading of its nearest ancestor that
  has one: paragraphs and points usually carry no heading, and their article's heading ("AI
  literacy", "Reducing the Risks Posed by Synthetic Content") is often the best clue to what they
  are about. The query provision is represented the same way.
- Term frequencies saturate (k1) and lengths are normalised towards the average (b), so that a
  long article no longer wins by repeating every word of its paragraphs, while the boost a very
  short point gets from one shared rare word stays bounded (the first ranking divided by the
  square root of the length, which let three-word points crowd the top).
- A lexeme's weight blends its rarity in the target instrument with its rarity in the source
  instrument: the boilerplate of the query's own instrument ("national government", "Member
  States") is down-weighted even where the target instrument rarely says it.
- Containers (provisions with children in force, whose text repeats their children's) lose a
  fixed amount: curated mappings mostly point at the most specific provision.
- Optionally, the trigram similarity (pg_trgm) of the two headings (own or inherited) is added.

Weights are tuned on half of the seed curation and measured on the other half
(bench/bench_suggestions.py, results in BENCHMARKS.md).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from crosswalk import embeddings
from crosswalk.models import Instrument, Provision

DEFAULT_K1 = 3.0
DEFAULT_B = 0.9
DEFAULT_SOURCE_IDF = 0.75
DEFAULT_CONTAINER = 0.1
DEFAULT_HEADING = 0.0

SQL = """
WITH RECURSIVE scope AS (
    -- The target instrument (candidates: in force today, with words) and the source instrument,
    -- whose document frequencies count all its provisions whatever their status.
    SELECT p.id, p.parent_id, p.position, p.heading, p.text, p.search_vector,
           p.instrument_id = %(target)s AND p.in_force AS target_side,
           p.instrument_id = %(target)s AND p.in_force
             AND length(p.search_vector) > 0 AS candidate,
           p.instrument_id = %(source_instrument)s AS source_side
    FROM (
        SELECT *, in_force_from <= %(day)s
                  AND (in_force_until IS NULL OR in_force_until >= %(day)s) AS in_force
        FROM crosswalk_provision
        WHERE instrument_id IN (%(target)s, %(source_instrument)s)
    ) p
),
lineage (id, ancestor) AS (
    -- Walks up from each provision until the first ancestor with a heading.
    SELECT id, parent_id FROM scope WHERE parent_id IS NOT NULL
    UNION ALL
    SELECT l.id, a.parent_id
    FROM lineage l JOIN scope a ON a.id = l.ancestor
    WHERE a.heading = '' AND a.parent_id IS NOT NULL
),
context AS (
    SELECT l.id, a.heading, ts_filter(a.search_vector, '{a}') AS vector
    FROM lineage l JOIN scope a ON a.id = l.ancestor
    WHERE a.heading <> '' AND %(context)s
),
documents AS (
    -- Own lexemes plus the inherited heading's (weight A of the ancestor's search_vector).
    SELECT s.id, s.position, s.candidate, s.source_side, s.target_side,
           s.search_vector || coalesce(c.vector, '') AS document,
           coalesce(nullif(s.heading, ''), c.heading, left(s.text, 120)) AS label
    FROM scope s LEFT JOIN context c USING (id)
    WHERE s.candidate OR s.source_side
),
query AS (
    SELECT u.lexeme, 1 + ln(cardinality(u.positions)) AS tf
    FROM documents d, unnest(d.document) u
    WHERE d.id = %(source)s
),
terms AS (
    -- Each document's entries for the query's lexemes only: deleting from the document all
    -- lexemes that are not the query's is much cheaper than unnesting every document.
    SELECT d.id, d.candidate, d.source_side, u.lexeme, cardinality(u.positions) AS tf
    FROM documents d
    CROSS JOIN (SELECT array_agg(lexeme) AS lexemes FROM query) q
    CROSS JOIN unnest(ts_delete(d.document, tsvector_to_array(ts_delete(d.document, q.lexemes)))) u
),
lengths AS (
    SELECT d.id, (SELECT sum(cardinality(u.positions)) FROM unnest(d.document) u)::float8 AS length
    FROM documents d WHERE d.candidate
),
collection AS (
    SELECT count(*) FILTER (WHERE candidate)::float8 AS targets,
           greatest(count(*) FILTER (WHERE source_side AND length(document) > 0), 1)::float8
             AS sources,
           (SELECT avg(length) FROM lengths) AS average
    FROM documents
),
weights AS (
    -- BM25 idf of each query lexeme, blended between the target and the source instrument.
    SELECT q.lexeme, q.tf * (
             (1 - %(source_idf)s) * ln(1 + (c.targets - f.targets + 0.5) / (f.targets + 0.5))
             + %(source_idf)s * ln(1 + (c.sources - f.sources + 0.5) / (f.sources + 0.5))
           ) AS weight
    FROM query q
    JOIN (
        SELECT lexeme, count(*) FILTER (WHERE candidate)::float8 AS targets,
               count(*) FILTER (WHERE source_side)::float8 AS sources
        FROM terms GROUP BY lexeme
    ) f USING (lexeme)
    CROSS JOIN collection c
    WHERE f.targets > 0
),
contributions AS (
    SELECT t.id, t.lexeme,
           w.weight * t.tf * (%(k1)s + 1) / (t.tf + %(k1)s * (
               1 - %(b)s + %(b)s * l.length / c.average)) AS score
    FROM terms t
    JOIN weights w USING (lexeme)
    JOIN lengths l USING (id)
    CROSS JOIN collection c
    WHERE t.candidate
),
bm25 AS (
    SELECT id, sum(score) AS score, (array_agg(lexeme ORDER BY score DESC))[1:%(terms)s] AS shared
    FROM contributions GROUP BY id
),
containers AS (
    SELECT DISTINCT parent_id AS id FROM scope WHERE target_side AND parent_id IS NOT NULL
)
SELECT d.id,
       -- Normalised by the query's total weight, so the fixed penalty means the same everywhere.
       coalesce(b.score, 0) / greatest((SELECT sum(weight) FROM weights), 1e-9)
       - CASE WHEN d.id IN (SELECT id FROM containers) THEN %(container)s ELSE 0 END
       + CASE WHEN %(heading)s > 0
              THEN %(heading)s * similarity(d.label, (
                  SELECT label FROM documents WHERE id = %(source)s))
              ELSE 0 END AS score,
       coalesce(b.shared, '{}') AS shared
FROM documents d
LEFT JOIN bm25 b USING (id)
WHERE d.candidate
"""


# The candidates in force on the day, and every vector of the dated texts they have that day;
# the last rows (id NULL) are the vectors of the query provision's text (that day's, else its
# latest).
CANDIDATES_SQL = """
SELECT p.id, p.parent_id, p.kind, p.position, e.language, e.vector
FROM crosswalk_provision p
LEFT JOIN crosswalk_provisiontext t
  ON t.provision_id = p.id AND t.valid_from <= %(day)s
 AND (t.valid_until IS NULL OR t.valid_until >= %(day)s)
LEFT JOIN crosswalk_textembedding e ON e.text_id = t.id AND e.model = %(model)s
WHERE p.instrument_id = %(target)s AND p.in_force_from <= %(day)s
  AND (p.in_force_until IS NULL OR p.in_force_until >= %(day)s)
UNION ALL
SELECT NULL, NULL, '', 0, e.language, e.vector
FROM crosswalk_textembedding e
WHERE e.model = %(model)s AND e.text_id = (
    SELECT t.id FROM crosswalk_provisiontext t WHERE t.provision_id = %(source)s
    ORDER BY t.valid_from <= %(day)s AND (t.valid_until IS NULL OR t.valid_until >= %(day)s)
             DESC, t.valid_from DESC
    LIMIT 1)
"""

LEVELS = ("article", "principle", "leaf")
# Kinds that are an instrument's numbered operative unit (an article, a principle, an action, a
# NIST category): a provision with a child of one of these kinds (or of a grouping kind) only
# groups them.
UNIT_KINDS = {
    "article", "addenda_article", "principle", "recommendation", "action", "category",
    "characteristic",
}  # fmt: skip
GROUPING_KINDS = {"chapter", "part", "title", "addenda", "addenda_group", "function"}
# At principle level a NIST category gives way to its subcategories (GOVERN 1.1, …), the unit
# principle-level crosswalks cite; everywhere else the principle level is the article level.
PRINCIPLE_KINDS = {"subcategory"}
ALSO_LIMIT = 3
SHARED_TERMS = 6
LEXICAL_DEFAULTS = {
    "k1": DEFAULT_K1,
    "b": DEFAULT_B,
    "source_idf": DEFAULT_SOURCE_IDF,
    "container": DEFAULT_CONTAINER,
    "heading": DEFAULT_HEADING,
    "context": True,
}


@dataclass(frozen=True)
class Weights:
    """How the scores are fused; chosen on the tuning half (bench/bench_suggestions.py).

    `semantic` is the semantic share of the fused score (1 = embeddings only, 0 = BM25 only),
    both standardised over the candidates; `parent` the share of a provision's parent's
    semantic similarity blended into its own (a point is read with its paragraph);
    `container` what provisions with children in force lose (in standard deviations)."""

    semantic: float = 0.6
    parent: float = 0.2
    container: float = 0.6


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Related:
    provision: Provision
    relation: str
    score: float


@dataclass(frozen=True)
class Suggestion:
    rank: int
    score: float
    provision: Provision
    semantic: float | None = None
    lexical: float = 0.0
    shared_terms: tuple[str, ...] = ()
    semantic_texts: tuple[str, ...] = ()
    also: tuple[Related, ...] = ()


@dataclass
class _Candidate:
    id: int
    parent: int | None
    kind: str
    position: int
    has_vector: bool = False
    semantic: float = float("nan")
    texts: tuple[str, ...] = ()
    line: tuple[int, ...] | None = None


def _pair(vectors: dict[str, np.ndarray]) -> tuple[str, str]:
    """(English, original) languages of a text's vectors; the original is English where the
    text has no other."""
    english = "en" if "en" in vectors else next(iter(vectors))
    original = next((lang for lang in vectors if lang != "en"), english)
    return english, original


def _standard(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-12 else values * 0


def _lexical(
    provision: Provision, target: Instrument, day: datetime.date, params: dict[str, Any]
) -> dict[int, tuple[float, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            {
                "source": provision.pk,
                "source_instrument": provision.instrument_id,
                "target": target.pk,
                "day": day,
                "terms": SHARED_TERMS,
                **LEXICAL_DEFAULTS,
                **params,
            },
        )
        return {pk: (float(score), list(shared)) for pk, score, shared in cursor.fetchall()}


def candidate_vectors(
    provision: Provision, target: Instrument, day: datetime.date, model: str
) -> tuple[dict[int, _Candidate], dict[str, np.ndarray]]:
    """The candidates in force on `day`, each with its semantic similarity to `provision`: the
    mean of English against English and original against original, where a text with no other
    original stands for its own (so a Japanese query is read both in Japanese and in English)."""
    candidates: dict[int, _Candidate] = {}
    query: dict[str, np.ndarray] = {}
    english: list[tuple[int, bytes]] = []
    originals: list[tuple[int, str, bytes]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            CANDIDATES_SQL,
            {"source": provision.pk, "target": target.pk, "day": day, "model": model},
        )
        for pk, parent, kind, position, language, vector in cursor.fetchall():
            if pk is None:
                query[language] = embeddings.from_bytes(vector)
                continue
            if pk not in candidates:
                candidates[pk] = _Candidate(pk, parent, kind, position)
            if vector is None:
                continue
            candidates[pk].has_vector = True
            if language == "en":
                english.append((pk, bytes(vector)))
            else:
                originals.append((pk, language, bytes(vector)))
    if not query or not english:
        return candidates, query
    q_en, q_orig = _pair(query)
    matrix = np.frombuffer(b"".join(raw for _, raw in english), dtype="<f4").reshape(
        len(english), -1
    )
    with_english = 0.5 * (matrix @ query[q_en])
    as_original = dict(zip((pk for pk, _ in english), 0.5 * (matrix @ query[q_orig]), strict=True))
    own: dict[int, tuple[str, float]] = {}
    if originals:
        rest = np.frombuffer(b"".join(raw for _, _, raw in originals), dtype="<f4").reshape(
            len(originals), -1
        )
        for (pk, language, _), score in zip(originals, 0.5 * (rest @ query[q_orig]), strict=True):
            own[pk] = (language, float(score))
    for (pk, _), score in zip(english, with_english, strict=True):
        language, other = own.get(pk, ("en", float(as_original[pk])))
        candidates[pk].semantic = float(score) + other
        candidates[pk].texts = tuple(dict.fromkeys([f"{q_en}→en", f"{q_orig}→{language}"]))
    return candidates, query


@dataclass
class RankingInputs:
    """What one ranking needs from the database (two queries): every candidate in force on the
    day with its vectors, the query's vectors, and each candidate's BM25 score and terms."""

    candidates: dict[int, _Candidate]
    query: dict[str, np.ndarray]
    lexical: dict[int, tuple[float, list[str]]]
    children: dict[int, list[int]]
    prepared: bool = False
    units: dict[tuple[int, str], int | None] = field(default_factory=dict)


def ranking_inputs(
    provision: Provision,
    target: Instrument,
    *,
    day: datetime.date | None = None,
    model: str | None = None,
    **lexical: Any,
) -> RankingInputs:
    """`lexical` overrides the BM25 parameters (k1, b, source_idf, container, heading, context:
    see the module docstring); `model` the embedding model whose vectors are compared."""
    day = day or timezone.localdate()
    candidates, query = candidate_vectors(provision, target, day, model or embeddings.model_id())
    return RankingInputs(candidates, query, _lexical(provision, target, day, lexical), {})


def _line(c: _Candidate, candidates: dict[int, _Candidate]) -> tuple[int, ...]:
    """Ancestors in force, nearest first (computed once, for the candidates looked at)."""
    if c.line is None:
        line, parent = [], c.parent
        while parent in candidates:
            line.append(parent)
            parent = candidates[parent].parent
        c.line = tuple(line)
    return c.line


def _unit(pk: int, candidates: dict[int, _Candidate], level: str, children: dict) -> int | None:
    """The provision that stands for `pk` at `level` (None: a grouping, not a unit)."""
    chain = [pk]
    while candidates[chain[-1]].parent in candidates:
        chain.append(candidates[chain[-1]].parent)
    if level == "principle":
        fine = next((c for c in chain if candidates[c].kind in PRINCIPLE_KINDS), None)
        if fine is not None:
            return fine
    for c in reversed(chain):  # from the top: the first provision that is not a grouping
        kind = candidates[c].kind
        groups = kind in GROUPING_KINDS or any(
            candidates[k].kind in UNIT_KINDS | GROUPING_KINDS for k in children.get(c, ())
        )
        if not groups:
            if level == "principle" and any(
                candidates[k].kind in PRINCIPLE_KINDS for k in children.get(c, ())
            ):
                return None  # a category: its subcategories are the units
            return c
    return None


@dataclass(frozen=True)
class Ranked:
    """A ranking before its provisions are loaded: ids, scores and related ids."""

    id: int
    score: float
    semantic: float | None
    lexical: float
    shared_terms: tuple[str, ...]
    semantic_texts: tuple[str, ...]
    also: tuple[tuple[int, str, float], ...]


def rank(
    inputs: RankingInputs,
    *,
    limit: int = 10,
    level: str | None = None,
    include_recitals: bool = False,
    weights: Weights = DEFAULT_WEIGHTS,
    collapse: bool = True,
) -> list[Ranked]:
    """Fuse, filter and group the candidates (no database access). `collapse=False` drops the
    parent/child rule (only to measure what it does)."""
    candidates, lexical, children = inputs.candidates, inputs.lexical, inputs.children
    if not inputs.prepared:
        for c in candidates.values():
            if c.parent in candidates:
                children.setdefault(c.parent, []).append(c.id)
        inputs.prepared = True
    pool = [
        c
        for c in candidates.values()
        if (c.has_vector or c.id in lexical) and (include_recitals or c.kind != "recital")
    ]
    if not pool:
        return []
    index = {c.id: n for n, c in enumerate(pool)}
    lex = np.array([lexical.get(c.id, (0.0, []))[0] for c in pool])
    semantic = np.array([c.semantic for c in pool])
    if np.isnan(semantic).all() or weights.semantic == 0:
        fused = _standard(lex)
    else:
        sem = np.where(np.isnan(semantic), np.nanmin(semantic), semantic)
        parents = np.array([index.get(c.parent, n) for n, c in enumerate(pool)])
        sem = (1 - weights.parent) * sem + weights.parent * sem[parents]
        fused = weights.semantic * _standard(sem) + (1 - weights.semantic) * _standard(lex)
    fused = fused - weights.container * np.array([float(c.id in children) for c in pool])
    order = np.lexsort((np.array([c.position for c in pool]), -fused))

    groups: dict[int, list[int]] = {}  # shown provision -> the related ones it stands for
    if level in ("article", "principle"):
        for n in order:
            key = (pool[n].id, level)
            if key not in inputs.units:
                inputs.units[key] = _unit(pool[n].id, candidates, level, children)
            unit = inputs.units[key]
            if unit is not None and (unit in groups or len(groups) < limit):
                groups.setdefault(unit, []).append(pool[n].id)
    else:
        for n in order:
            if len(groups) >= limit:
                break
            c = pool[n]
            if level == "leaf" and c.id in children:
                continue
            line = _line(c, candidates)
            holder = (
                next(
                    (s for s in groups if s in line or c.id in _line(candidates[s], candidates)),
                    None,
                )
                if collapse
                else None
            )
            if holder is None:
                groups[c.id] = [c.id]
            else:
                groups[holder].append(c.id)

    def relation(unit: int, other: int) -> str:
        chain = _line(candidates[other], candidates)
        if unit in chain:
            return "child" if chain[0] == unit else "descendant"
        return "parent" if candidates[unit].parent == other else "ancestor"

    out = []
    for unit in sorted(groups, key=lambda unit: -fused[index[groups[unit][0]]])[:limit]:
        top = groups[unit][0]  # the unit's best part (itself unless a part scores better)
        n = index[top]
        out.append(
            Ranked(
                id=unit,
                score=round(float(fused[n]), 3),
                semantic=None if np.isnan(semantic[n]) else round(float(semantic[n]), 4),
                lexical=round(float(lex[n]), 4),
                shared_terms=tuple(lexical.get(top, (0.0, []))[1]),
                semantic_texts=candidates[top].texts,
                also=tuple(
                    (m, relation(unit, m), round(float(fused[index[m]]), 3))
                    for m in [m for m in groups[unit] if m != unit][:ALSO_LIMIT]
                ),
            )
        )
    return out


def suggestions_for(
    provision: Provision,
    target: Instrument,
    *,
    limit: int = 10,
    day: datetime.date | None = None,
    level: str | None = None,
    include_recitals: bool = False,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[Suggestion]:
    """The `limit` provisions of `target` in force on `day` (default today) that best match
    `provision`, by meaning (embeddings) and by shared words (BM25), fused by `weights`.

    Recitals are left out unless `include_recitals`. `level="article"` ranks articles (or an
    instrument's equivalent unit: a principle, an action, an executive order's section, a NIST
    category), `"principle"` the same but NIST subcategories rather than categories, `"leaf"`
    only the most specific provisions; a unit scores as its best part, and its best parts are in
    `also`. Without a level, a provision and its ancestor are never both shown: the better one
    is, and the other is in its `also`. Three queries whatever the limit."""
    inputs = ranking_inputs(provision, target, day=day)
    ranked = rank(
        inputs, limit=limit, level=level, include_recitals=include_recitals, weights=weights
    )
    rows = Provision.objects.in_bulk(
        {r.id for r in ranked} | {m for r in ranked for m, _, _ in r.also}
    )
    return [
        Suggestion(
            rank=position,
            score=r.score,
            provision=rows[r.id],
            semantic=r.semantic,
            lexical=r.lexical,
            shared_terms=r.shared_terms,
            semantic_texts=r.semantic_texts,
            also=tuple(Related(rows[m], relation, score) for m, relation, score in r.also),
        )
        for position, r in enumerate(ranked, start=1)
    ]
