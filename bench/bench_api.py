"""API benchmarks on the synthetic namespace (run `bench/generate_synthetic.py` first).

1. Provision list, 100 a page, against a hand-written psycopg query returning the same JSON.
2. `q` full-text search over all provisions: p95.
3. Crosswalk of two 1,000-provision instruments with derived mappings.

Usage: .venv/bin/python bench/bench_api.py [--quick]
"""

from __future__ import annotations

import json
import random
import sys

from common import django_setup, summary, timed, write_section

django_setup()

from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402
from synthetic import SLUG_PREFIX, WORDS  # noqa: E402

from crosswalk.models import Organisation, PartnerAPIKey, Provision  # noqa: E402
from crosswalk.status import status_sql  # noqa: E402

QUICK = "--quick" in sys.argv
REPEAT = 10 if QUICK else 60

# The same fields, in the same shape, as ProvisionSerializer without a date: built by PostgreSQL.
HAND_WRITTEN = (
    """
SELECT json_build_object(
  'count', (SELECT count(*) FROM crosswalk_provision p JOIN crosswalk_instrument i
            ON i.id = p.instrument_id WHERE i.slug = %(slug)s),
  'results', coalesce(json_agg(row ORDER BY row_position), '[]'::json))::text
FROM (
  SELECT p.position AS row_position, json_build_object(
    'id', p.id, 'public_id', p.public_id, 'instrument', i.slug, 'citation', p.citation,
    'eid', p.eid, 'kind', p.kind, 'label', p.label, 'label_original', p.label_original,
    'heading', p.heading, 'text', p.text, 'heading_original', p.heading_original,
    'text_original', p.text_original, 'original_language', p.original_language,
    'parent', parent.public_id, 'position', p.position,
    'status', """
    + status_sql("p", "current_date")
    + """,
    'in_force_from', p.in_force_from, 'in_force_until', p.in_force_until,
    'end_reason', p.end_reason, 'ended_by', ended.public_id, 'end_note', p.end_note,
    'applies_from', p.applies_from, 'applies_until', p.applies_until,
    'application_dates', p.application_dates, 'application_note', p.application_note,
    'updated_at', p.updated_at, 'texts', NULL) AS row
  FROM crosswalk_provision p
  JOIN crosswalk_instrument i ON i.id = p.instrument_id
  LEFT JOIN crosswalk_provision parent ON parent.id = p.parent_id
  LEFT JOIN crosswalk_provision ended ON ended.id = p.ended_by_id
  WHERE i.slug = %(slug)s
  ORDER BY p.position
  LIMIT 100 OFFSET %(offset)s
) page
"""
)


def client() -> APIClient:
    organisation, _ = Organisation.objects.get_or_create(name="Benchmark client")
    _, key = PartnerAPIKey.objects.create_key(name="bench", organisation=organisation)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


def main() -> None:
    total = Provision.objects.filter(instrument__slug__startswith=SLUG_PREFIX).count()
    if total < 100_000 and not QUICK:
        sys.exit(f"only {total} synthetic provisions: run bench/generate_synthetic.py first")
    api = client()
    rng = random.Random(5)
    slugs = [f"{SLUG_PREFIX}{n:03d}" for n in range(max(1, total // 1000))]

    def api_page() -> None:
        slug, page = rng.choice(slugs), rng.randint(1, 10)
        response = api.get(
            "/api/v1/provisions/", {"instrument": slug, "page_size": 100, "page": page}
        )
        assert response.status_code == 200 and len(response.json()["results"]) == 100

    def sql_page() -> None:
        slug, page = rng.choice(slugs), rng.randint(1, 10)
        with connection.cursor() as cursor:
            cursor.execute(HAND_WRITTEN, {"slug": slug, "offset": (page - 1) * 100})
            body = cursor.fetchone()[0].encode()
        assert len(json.loads(body)["results"]) == 100

    api_list = summary(timed(api_page, REPEAT))
    sql_list = summary(timed(sql_page, REPEAT))
    ratio = api_list["median"] / sql_list["median"]

    queries = [" ".join(rng.sample(WORDS, 2)) for _ in range(REPEAT)] + [
        "incident reporting", "watermark disclosure", "human oversight", "conformity assessment",
    ]  # fmt: skip
    matches = {
        q: api.get("/api/v1/provisions/", {"q": q, "page_size": 1}).json()["count"] for q in queries
    }
    broad = {q for q, n in matches.items() if n > total * 0.05}
    timings: dict[str, list[float]] = {"all": [], "narrow": [], "broad": []}
    for q in queries * 2:
        samples = timed(lambda q=q: api.get("/api/v1/provisions/", {"q": q, "page_size": 20}), 1, 0)
        timings["all"] += samples
        timings["broad" if q in broad else "narrow"] += samples
    search_stats = summary(timings["all"])
    narrow_stats = summary(timings["narrow"])
    broad_stats = summary(timings["broad"]) if timings["broad"] else {"median": 0, "p95": 0, "n": 0}
    narrow_matches = sorted(n for q, n in matches.items() if q not in broad)
    broad_matches = sorted(n for q, n in matches.items() if q in broad)

    def crosswalk() -> None:
        response = api.get(
            "/api/v1/crosswalk/",
            {"source": slugs[0], "target": slugs[1], "derived": "true", "max_depth": 2},
        )
        assert response.status_code == 200

    crosswalk_stats = summary(timed(crosswalk, max(5, REPEAT // 4)))
    probe = api.get(
        "/api/v1/crosswalk/", {"source": slugs[0], "target": slugs[1], "derived": "true"}
    ).json()["summary"]

    body = f"""
## API on {total:,} synthetic provisions

Server time measured in-process (Django test client, no network), {REPEAT} requests each.

| measure | median ms | p95 ms | target |
|---|---|---|---|
| `GET /api/v1/provisions/?instrument=…&page_size=100` (API key, ETag) | {api_list["median"]:.1f} | {api_list["p95"]:.1f} | ≤ 3× the hand-written query |
| hand-written psycopg query returning the same JSON | {sql_list["median"]:.1f} | {sql_list["p95"]:.1f} | — |
| **ratio API / hand-written** | **{ratio:.2f}×** | | ≤ 3× |
| `q` full-text search, 20 a page, all {search_stats["n"]} queries | {search_stats["median"]:.1f} | **{search_stats["p95"]:.1f}** | p95 < 50 ms |
| … queries matching ≤ 5% of provisions ({narrow_stats["n"]}; {narrow_matches[0] if narrow_matches else 0}–{narrow_matches[-1] if narrow_matches else 0} matches) | {narrow_stats["median"]:.1f} | {narrow_stats["p95"]:.1f} | |
| … queries matching > 5% ({broad_stats["n"]}; {broad_matches[0] if broad_matches else 0}–{broad_matches[-1] if broad_matches else 0} matches, e.g. one term left after stop words) | {broad_stats["median"]:.1f} | {broad_stats["p95"]:.1f} | |
| crosswalk of two 1,000-provision instruments, `derived=true`, depth 2 | {crosswalk_stats["median"]:.1f} | **{crosswalk_stats["p95"]:.1f}** | < 500 ms |

The crosswalk measured had {probe["by_relationship"]} direct mappings and {probe["derived"]} derived.
"""
    write_section("api", body)


if __name__ == "__main__":
    main()
