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

from dataclasses import dataclass

from django.db import connection

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
        SELECT *, in_force_until IS NULL OR in_force_until >= current_date AS in_force
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
bm25 AS (
    SELECT t.id,
           sum(w.weight * t.tf * (%(k1)s + 1) / (t.tf + %(k1)s * (
               1 - %(b)s + %(b)s * l.length / c.average))) AS score
    FROM terms t
    JOIN weights w USING (lexeme)
    JOIN lengths l USING (id)
    CROSS JOIN collection c
    WHERE t.candidate
    GROUP BY t.id
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
              ELSE 0 END AS score
FROM documents d
LEFT JOIN bm25 b USING (id)
WHERE d.candidate
ORDER BY score DESC, d.position
LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Suggestion:
    rank: int
    score: float
    provision: Provision


def suggestions_for(
    provision: Provision,
    target: Instrument,
    *,
    limit: int = 10,
    k1: float = DEFAULT_K1,
    b: float = DEFAULT_B,
    source_idf: float = DEFAULT_SOURCE_IDF,
    container: float = DEFAULT_CONTAINER,
    heading: float = DEFAULT_HEADING,
    context: bool = True,
) -> list[Suggestion]:
    """The `limit` provisions of `target` (in force today) most similar to `provision`.

    `k1` and `b` are the BM25 saturation and length normalisation, `source_idf` the share of
    a lexeme's weight taken from its rarity in the source instrument (0 = target only),
    `container` the penalty of provisions with children, `heading` the weight of the headings'
    trigram similarity; `context=False` leaves ancestors' headings out (for comparison).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            {
                "source": provision.pk,
                "source_instrument": provision.instrument_id,
                "target": target.pk,
                "k1": k1,
                "b": b,
                "source_idf": source_idf,
                "container": container,
                "heading": heading,
                "context": context,
                "limit": limit,
            },
        )
        ranked = cursor.fetchall()
    rows = Provision.objects.in_bulk([pk for pk, _ in ranked])
    return [
        Suggestion(rank=index, score=round(float(score), 4), provision=rows[pk])
        for index, (pk, score) in enumerate(ranked, start=1)
    ]
