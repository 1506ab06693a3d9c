"""The first ranking of crosswalk.suggestions, kept only so the benchmark can show before/after.

A TF-IDF overlap of the distinct lexemes (each shared lexeme weighted by its rarity in the target
instrument, divided by the square root of the candidate's lexeme count) plus the trigram similarity
of the two headings (or the first 120 characters of text when a heading is empty).
"""

from __future__ import annotations

from django.db import connection

from crosswalk.models import Instrument, Provision

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


def legacy_ranking(
    provision: Provision,
    target: Instrument,
    *,
    limit: int = 10,
    lexical: float = 1.0,
    heading: float = 2.0,
) -> list[int]:
    """Ids of the `limit` best candidates under the first ranking (tuned weights 1.0, 2.0)."""
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
        return [pk for pk, _ in cursor.fetchall()]
