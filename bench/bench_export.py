"""CSV export of every published mapping through HTTP, against COPY of the same SELECT.

A gunicorn worker serves the export; a client reads it to the end over loopback. In the same
run psycopg copies the same SELECT to a null sink. Reports rows/s, MB/s, the ratio, and the
serving worker's peak RSS (VmHWM). `--small` runs 10,000 rows in-process (used by the tests).

Usage: .venv/bin/python bench/bench_export.py [--small]
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common import ROOT, django_setup, write_section

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

    @property
    def mb_per_second(self) -> float:
        return self.bytes / self.seconds / 1e6


def api_key() -> str:
    organisation, _ = Organisation.objects.get_or_create(name="Benchmark client")
    return PartnerAPIKey.objects.create_key(name="bench-export", organisation=organisation)[1]


def copy_baseline(limit_queryset=None) -> Run:
    """COPY of the export's own SELECT, read by psycopg and thrown away."""
    queryset = limit_queryset if limit_queryset is not None else Mapping.objects.published()
    sql, params = mapping_export_sql(queryset)
    start = time.perf_counter()
    rows = size = 0
    for chunk in copy_csv(sql, params):
        rows += chunk.count(b"\n")
        size += len(chunk)
    return Run(rows - 1, size, time.perf_counter() - start)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def http_export(key: str) -> tuple[Run, float, float]:
    """Serve with one gunicorn worker; returns the run, the worker's peak RSS before and after."""
    port = free_port()
    from config.embedded_db import embedded_database_url

    url = os.environ.get("DATABASE_URL") or embedded_database_url()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    env.setdefault("SECRET_KEY", "benchmark-only")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "--workers", "1",
            "--bind", f"127.0.0.1:{port}", "--timeout", "600", "--log-level", "warning",
        ],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        worker = int(
            subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()[0]
        )
        warm = http.client.HTTPConnection("127.0.0.1", port)
        warm.request("GET", "/api/v1/instruments/", headers={"Authorization": f"Api-Key {key}"})
        warm.getresponse().read()
        before = peak_rss_mb(worker)
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        start = time.perf_counter()
        client.request("GET", PATH, headers={"Authorization": f"Api-Key {key}"})
        response = client.getresponse()
        assert response.status == 200, response.read()[:500]
        rows = size = 0
        while chunk := response.read(1 << 20):
            rows += chunk.count(b"\n")
            size += len(chunk)
        seconds = time.perf_counter() - start
        return Run(rows - 1, size, seconds), before, peak_rss_mb(worker)
    finally:
        server.terminate()
        server.wait(timeout=30)


def small() -> Run:
    """In-process run over the first 10,000 published mappings: keeps the code path exercised."""
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


def main() -> None:
    if "--small" in sys.argv:
        run = small()
        print(f"small mode: {run.rows} rows, {run.rows_per_second:,.0f} rows/s")
        return
    total = Mapping.objects.published().count()
    if total < 1_000_000:
        sys.exit(f"only {total} published mappings: run bench/generate_synthetic.py first")
    key = api_key()
    baseline = copy_baseline()
    served, rss_before, rss_peak = http_export(key)
    baseline_again = copy_baseline()
    best_copy = min((baseline, baseline_again), key=lambda r: r.seconds)
    ratio = served.rows_per_second / best_copy.rows_per_second
    body = f"""
## CSV export of {served.rows:,} mappings

`GET {PATH}` served by one gunicorn worker (sync), read to the end by a client on loopback,
against psycopg reading `COPY (<the same SELECT>) TO STDOUT` into a null sink in the same run
(the faster of two COPY runs, one before and one after).

| measure | rows/s | MB/s | seconds | size |
|---|---|---|---|---|
| HTTP export | {served.rows_per_second:,.0f} | {served.mb_per_second:.1f} | {served.seconds:.2f} | {served.bytes / 1e6:.0f} MB |
| COPY to null | {best_copy.rows_per_second:,.0f} | {best_copy.mb_per_second:.1f} | {best_copy.seconds:.2f} | {best_copy.bytes / 1e6:.0f} MB |
| **ratio HTTP / COPY** | **{ratio:.2f}×** | | | target ≥ 0.8× (floor 0.5×) |

Peak RSS of the serving worker (VmHWM): **{rss_peak:.0f} MB** after the export ({rss_before:.0f} MB
before it; target < 150 MB).
"""
    write_section("export", body)


if __name__ == "__main__":
    main()
