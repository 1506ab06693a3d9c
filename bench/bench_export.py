"""Smoke check of the mappings CSV path, in-process, for the test suite (`tests/
test_synthetic_and_bench.py`): the export read to the end, and COPY of the same SELECT into a
null sink (the reference `bench/bench_http.py` measures beside the export over HTTP).

Usage: python bench/bench_export.py   (prints rows and rows/s of both)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from common import django_setup

django_setup()

from crosswalk.exports import copy_csv, mapping_export_sql  # noqa: E402
from crosswalk.models import Mapping, Organisation, PartnerAPIKey  # noqa: E402

PATH = "/api/v1/exports/mappings.csv"


@dataclass
class Run:
    rows: int
    bytes: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def api_key() -> str:
    organisation, _ = Organisation.objects.get_or_create(name="Benchmark client")
    return PartnerAPIKey.objects.create_key(name="bench-export", organisation=organisation)[1]


def copy_baseline() -> Run:
    """COPY of the export's own SELECT over every published mapping, read and thrown away."""
    sql, params = mapping_export_sql(Mapping.objects.published())
    start = time.perf_counter()
    rows = size = 0
    for chunk in copy_csv(sql, params):
        rows += chunk.count(b"\n")
        size += len(chunk)
    return Run(rows - 1, size, time.perf_counter() - start)


def small() -> Run:
    """The export through the test client, read to the end."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {api_key()}")
    start = time.perf_counter()
    response = client.get(PATH)
    rows = size = 0
    for chunk in response.streaming_content:
        rows += chunk.count(b"\n")
        size += len(chunk)
    return Run(rows - 1, size, time.perf_counter() - start)


if __name__ == "__main__":
    for name, run in (("export", small()), ("COPY", copy_baseline())):
        print(f"{name}: {run.rows:,} rows, {run.rows_per_second:,.0f} rows/s")
