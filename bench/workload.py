"""What the HTTP benchmarks ask: paths over the synthetic namespace, the search mix (published
in BENCHMARKS.md), an API key, and the hand-written references measured beside the API."""

from __future__ import annotations

import random
import urllib.parse
from typing import Any

import orjson
from django.db import connection
from synthetic import SLUG_PREFIX, WORDS

from crosswalk.models import Organisation, PartnerAPIKey, Provision
from crosswalk.status import status_sql

PAGE_SIZE = 100


def api_key() -> str:
    organisation, _ = Organisation.objects.get_or_create(name="Benchmark client")
    return PartnerAPIKey.objects.create_key(name="bench-http", organisation=organisation)[1]


def synthetic_slugs() -> list[str]:
    total = Provision.objects.filter(instrument__slug__startswith=SLUG_PREFIX).count()
    return [f"{SLUG_PREFIX}{n:03d}" for n in range(total // 1000)]


def filler_words(rng: random.Random) -> tuple[list[str], list[str]]:
    """Pseudo-words of the synthetic texts: (frequent, rare), by their share of provisions."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat($$SELECT p.search_vector FROM crosswalk_provision p "
            "TABLESAMPLE SYSTEM (10) REPEATABLE (14) JOIN crosswalk_instrument i ON i.id = p.instrument_id "
            f"WHERE i.slug LIKE '{SLUG_PREFIX}%'$$) WHERE length(word) > 4 ORDER BY ndoc DESC, word"
        )
        stats = cursor.fetchall()
    policy = {w.lower() for w in WORDS}
    filler = [(word, ndoc) for word, ndoc in stats if word not in policy and word.isalpha()]
    frequent = [word for word, _ in filler[:40]]
    rare = [word for word, ndoc in filler if ndoc == 1][:400]
    return frequent, rng.sample(rare, min(len(rare), 60))


def search_mix(rng: random.Random) -> list[tuple[str, str]]:
    """100 queries: (category, q). Single common terms, two and three terms, rare terms,
    quoted phrases, exclusions, Japanese and Korean terms."""
    frequent, rare = filler_words(rng)
    common = ["shall", "system", "data", "risk", "provider", "ensure", "measure", "safety"]
    mix: list[tuple[str, str]] = []
    mix += [("single common term", word) for word in common]
    mix += [("single frequent filler term", word) for word in frequent[:6]]
    mix += [("two terms", " ".join(rng.sample(WORDS, 2))) for _ in range(32)]
    mix += [("three terms", " ".join(rng.sample(WORDS, 3))) for _ in range(8)]
    mix += [("rare term", word) for word in rare[:14]]
    mix += [("rare and common", f"{word} {rng.choice(WORDS)}") for word in rare[14:20]]
    mix += [("phrase", f'"{" ".join(rng.sample(WORDS, 2))}"') for _ in range(6)]
    mix += [("exclusion", f"{rng.choice(WORDS)} -{rng.choice(WORDS)}") for _ in range(4)]
    cjk = [
        ("Japanese", "透明性"), ("Japanese", "人工知能"), ("Japanese", "安全性"),
        ("Japanese", "事業者"), ("Japanese", "リスク"), ("Japanese", "国際"),
        ("Japanese", "人工知能関連技術"), ("Japanese", "透明性 説明"),
        ("Korean", "고영향"), ("Korean", "인공지능"), ("Korean", "고영향 인공지능"),
        ("Korean", "사업자"), ("Korean", "투명성"), ("Korean", "안전성"),
        ("Korean", "생성형"), ("Korean", "과학기술정보통신부"),
    ]  # fmt: skip
    mix += cjk
    assert len(mix) == 100, len(mix)
    return mix


def q_path(query: str, **extra: Any) -> str:
    return "/api/v1/provisions/?" + urllib.parse.urlencode({"q": query, "page_size": 20, **extra})


def list_path(slug: str, page: int) -> str:
    return f"/api/v1/provisions/?instrument={slug}&page_size={PAGE_SIZE}&page={page}"


# The list's reference: the same fields, in the same shape, read by psycopg and written by
# orjson, without Django (what a hand-written endpoint would do).
REFERENCE_COUNT = """
SELECT count(*) FROM crosswalk_provision p JOIN crosswalk_instrument i ON i.id = p.instrument_id
WHERE i.slug = %(slug)s
"""
REFERENCE_PAGE = (
    """
SELECT p.id, p.public_id, i.slug AS instrument, p.citation, p.eid, p.kind, p.label,
  p.label_original, p.heading, p.text, p.heading_original, p.text_original, p.original_language,
  p.translation_note, p.footnotes, parent.public_id AS parent, p.position, """
    + status_sql("p", "current_date")
    + """ AS status,
  p.in_force_from, p.in_force_until, p.end_reason, ended.public_id AS ended_by, p.end_note,
  p.applies_from, p.applies_until, p.application_dates, p.application_note, p.updated_at,
  NULL AS texts, NULL AS "references", NULL AS referenced_by
FROM crosswalk_provision p
JOIN crosswalk_instrument i ON i.id = p.instrument_id
LEFT JOIN crosswalk_provision parent ON parent.id = p.parent_id
LEFT JOIN crosswalk_provision ended ON ended.id = p.ended_by_id
WHERE i.slug = %(slug)s
ORDER BY p.position
LIMIT %(limit)s OFFSET %(offset)s
"""
)


def reference_list(slug: str, page: int) -> bytes:
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, without Django's wrapper
        params = {"slug": slug, "limit": PAGE_SIZE, "offset": (page - 1) * PAGE_SIZE}
        raw.execute(REFERENCE_COUNT, params)
        count = raw.fetchone()[0]
        raw.execute(REFERENCE_PAGE, params)
        names = [column.name for column in raw.description]
        rows = [dict(zip(names, row, strict=True)) for row in raw.fetchall()]
    body = orjson.dumps({"count": count, "next": None, "previous": None, "results": rows})
    assert len(rows) == PAGE_SIZE
    return body


def replay(queries: list[str]) -> None:
    """Run captured SQL as it was sent (the bare SQL of a request)."""
    with connection.cursor() as cursor:
        for sql in queries:
            cursor.cursor.execute(sql)
            if cursor.cursor.description is not None:
                cursor.cursor.fetchall()


def captured_sql(client: Any, path: str) -> list[str]:
    """The SQL a request runs (without the API key's own look-up), captured in-process."""
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # the key's last use is written once a minute: not part of the request
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, (path, response.content[:300])
    return [
        query["sql"]
        for query in context.captured_queries
        if "crosswalk_partnerapikey" not in query["sql"]
    ]
