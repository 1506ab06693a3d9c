"""Candidate targets for a provision, ranked by text similarity in PostgreSQL.

The score adds two signals: a TF-IDF overlap of stemmed words (the full-text lexemes of both
provisions, each shared lexeme weighted by its rarity in the target instrument, normalised by
the candidate's length) and the trigram similarity of the two headings. Weights are tuned on
half of the seed curation and measured on the other half (bench/bench_suggestions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from crosswalk.models import Instrument, Provision

DEFAULT_LEXICAL = 1.0
DEFAULT_HEADING = 0.5

SQL = """
WITH source_lexemes AS (
    SELECT DISTINCT unnest(tsvector_to_array(search_vector)) AS lexeme
    FROM crosswalk_provision WHERE id = %(source)s
),
candidate_lexemes AS (
    SELECT p.id, unnest(tsvector_to_array(p.search_vector)) AS lexeme
    FROM crosswalk_provision p
    WHERE p.instrument_id = %(target)s
      AND (p.in_force_until IS NULL OR p.in_force_until >= current_date)
),
document_frequency AS (
    SELECT lexeme, count(*) AS documents FROM candidate_lexemes GROUP BY lexeme
),
sizes AS (
    SELECT id, count(*) AS lexemes FROM candidate_lexemes GROUP BY id
),
corpus AS (SELECT count(*) AS documents FROM sizes),
overlap AS (
    SELECT c.id, sum(ln((corpus.documents + 1.0) / df.documents)) AS weight
    FROM candidate_lexemes c
    JOIN source_lexemes s USING (lexeme)
    JOIN document_frequency df USING (lexeme)
    CROSS JOIN corpus
    GROUP BY c.id
)
SELECT p.id,
       %(lexical)s * coalesce(o.weight, 0) / sqrt(greatest(z.lexemes, 1))
         / greatest((SELECT count(*) FROM source_lexemes), 1) * 10
       + %(heading)s * similarity(
           coalesce(nullif(p.heading, ''), left(p.text, 120)),
           coalesce(nullif(%(source_heading)s, ''), left(%(source_text)s, 120))
       ) AS score
FROM crosswalk_provision p
JOIN sizes z ON z.id = p.id
LEFT JOIN overlap o ON o.id = p.id
ORDER BY score DESC, p.position
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
    lexical: float = DEFAULT_LEXICAL,
    heading: float = DEFAULT_HEADING,
) -> list[Suggestion]:
    """The `limit` provisions of `target` (in force today) most similar to `provision`."""
    with connection.cursor() as cursor:
        cursor.execute(
            SQL,
            {
                "source": provision.pk,
                "target": target.pk,
                "lexical": lexical,
                "heading": heading,
                "source_heading": provision.heading,
                "source_text": provision.text,
                "limit": limit,
            },
        )
        ranked = cursor.fetchall()
    rows = Provision.objects.in_bulk([pk for pk, _ in ranked])
    return [
        Suggestion(rank=index, score=round(float(score), 4), provision=rows[pk])
        for index, (pk, score) in enumerate(ranked, start=1)
    ]
