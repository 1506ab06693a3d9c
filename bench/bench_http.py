"""The API over HTTP, against gunicorn as docker/entrypoint.sh runs it, on the synthetic namespace
(run `bench/generate_synthetic.py` first). Every figure is set against its reference measured in
the same run, interleaved with it:

1. provision list, 100 a page: latency against psycopg + orjson building the same JSON;
2. detail and list throughput against `/healthz` at 8, 32 and 64 clients;
3. `q` search, a published mix of 100 queries: latency against its bare SQL;
4. crosswalk of two 1,000-provision instruments with derived mappings, depth 2 and 3: latency
   against its bare SQL, and the workers' memory after 50 depth-3 requests;
5. CSV export of every mapping: throughput against COPY to a null sink, first byte; list
   throughput while two exports stream to slow clients (1 MB/s each); a slow download past
   gunicorn's timeout.

Usage: python bench/bench_http.py [--quick] [--app PATH] [--only list,throughput,…]
Everything runs on 127.0.0.1 and stops by itself (a few minutes; `--quick` under one).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import time
from pathlib import Path

from common import django_setup, write_section

# The references run synchronous queries inside the client's event loop, on purpose: nothing
# else runs while they are timed.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django_setup()

from django.db import connection  # noqa: E402
from loopback import (  # noqa: E402
    Connection,
    gunicorn,
    load,
    median,
    percentile,
    slow_downloads,
)
from rest_framework.test import APIClient  # noqa: E402
from workload import (  # noqa: E402
    api_key,
    captured_sql,
    list_path,
    q_path,
    reference_list,
    replay,
    search_mix,
    synthetic_slugs,
)

from crosswalk.exports import copy_csv, mapping_export_sql  # noqa: E402
from crosswalk.models import Mapping  # noqa: E402

EXPORT = "/api/v1/exports/mappings.csv"
SECTIONS = ("list", "throughput", "search", "crosswalk", "export")


def ms(value: float) -> str:
    return f"{value:.1f}"


def load_note() -> str:
    with open("/proc/loadavg") as handle:
        one, five, fifteen = handle.read().split()[:3]
    return f"load average {one} / {five} / {fifteen}"


class Bench:
    def __init__(self, options: argparse.Namespace) -> None:
        self.quick = options.quick
        self.rng = random.Random(14)
        self.key = api_key()
        self.headers = {"Authorization": f"Api-Key {self.key}"}
        self.slugs = synthetic_slugs()
        if len(self.slugs) < (5 if self.quick else 100):
            raise SystemExit("run bench/generate_synthetic.py first (100,000 provisions)")
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Api-Key {self.key}")
        self.loads: list[str] = [load_note()]
        self.rows: dict[str, list[str]] = {}

    async def get(self, conn: Connection, path: str) -> float:
        reply = await conn.get(path)
        assert reply.status == 200, (path, reply.status, reply.body[:300])
        return reply.seconds * 1000

    # 1. List latency ----------------------------------------------------------------------------

    async def lists(self, port: int) -> None:
        rounds = 20 if self.quick else 150
        conn = Connection(port, self.headers)
        api, ref = [], []
        for _ in range(5):
            await self.get(conn, list_path(self.slugs[0], 1))
            reference_list(self.slugs[0], 1)
        for _ in range(rounds):
            slug, page = self.rng.choice(self.slugs), self.rng.randint(1, 10)
            api.append(await self.get(conn, list_path(slug, page)))
            start = time.perf_counter()
            reference_list(slug, page)
            ref.append((time.perf_counter() - start) * 1000)
        await conn.close()
        ratio = median(api) / median(ref)
        self.rows["list"] = [
            f"| provision list, 100 a page, over HTTP ({rounds} pages, random instrument and page) | "
            f"{ms(median(api))} | {ms(percentile(api, 95))} | psycopg + orjson, same JSON, in the "
            f"client's process: {ms(median(ref))} (p95 {ms(percentile(ref, 95))}) | "
            f"**{ratio:.2f}×** | ≤ 1.5× |"
        ]
        self.loads.append(load_note())

    # 2. Throughput -------------------------------------------------------------------------------

    async def throughput(self, port: int) -> None:
        seconds = 2.0 if self.quick else 5.0
        rounds = 1 if self.quick else 3
        ids = [f"{slug}:art_{n}" for slug in self.slugs for n in (1, 250, 500, 999)]

        def detail() -> str:
            return f"/api/v1/provisions/{self.rng.choice(ids)}/"

        def page() -> str:
            return list_path(self.rng.choice(self.slugs), self.rng.randint(1, 10))

        runs: dict[str, list[tuple[float, float, int]]] = {}
        plan = [
            ("healthz@32", lambda: "/healthz", 32),
            ("detail@32", detail, 32),
            ("list@8", page, 8),
            ("list@32", page, 32),
            ("list@64", page, 64),
        ]
        for _ in range(rounds):
            for name, paths, clients in plan:
                tally, took = await load(
                    port, paths, clients=clients, seconds=seconds, headers=self.headers
                )
                runs.setdefault(name, []).append(
                    (len(tally.latencies) / took, percentile(tally.latencies, 99), tally.errors)
                )
        health = median([rate for rate, _, _ in runs["healthz@32"]])

        def row(name: str, label: str, target: str) -> str:
            rate = median([r for r, _, _ in runs[name]])
            p99 = median([p for _, p, _ in runs[name]])
            errors = sum(e for _, _, e in runs[name])
            return (
                f"| {label} | {rate:.0f} req/s, p99 {ms(p99)} ms, {errors} errors | "
                f"`/healthz` at 32 clients: {health:.0f} req/s | **{rate / health:.2f}×** | "
                f"{target} |"
            )

        self.rows["throughput"] = [
            row("detail@32", "provision detail throughput, 32 clients", "≥ 0.4×"),
            row("list@8", "list throughput (100 a page), 8 clients", ""),
            row("list@32", "list throughput (100 a page), 32 clients", "≥ 0.25×"),
            row("list@64", "list throughput (100 a page), 64 clients", ""),
        ]
        self.loads.append(load_note())

    # 3. Search -----------------------------------------------------------------------------------

    async def search(self, port: int) -> None:
        mix = search_mix(self.rng)
        self.mix = mix
        conn = Connection(port, self.headers)
        api: list[float] = []
        ref: list[float] = []
        by_category: dict[str, list[float]] = {}
        counts: dict[str, int] = {}
        repeats = 1 if self.quick else 3
        sql = {q: captured_sql(self.client, q_path(q)) for _, q in mix}
        for _, q in mix:
            counts[q] = self.client.get(q_path(q)).json()["count"]
        for _ in range(repeats):
            for category, q in mix:
                took = await self.get(conn, q_path(q))
                api.append(took)
                by_category.setdefault(category, []).append(took)
                start = time.perf_counter()
                replay(sql[q])
                ref.append((time.perf_counter() - start) * 1000)
        await conn.close()
        self.rows["search"] = [
            f"| `q` search, 20 a page, the 100-query mix ×{repeats} | p50 {ms(median(api))}, "
            f"**p95 {ms(percentile(api, 95))}**, p99 {ms(percentile(api, 99))} | its bare SQL "
            f"replayed: p50 {ms(median(ref))}, p95 {ms(percentile(ref, 95))} | "
            f"{percentile(api, 95) / percentile(ref, 95):.2f}× at p95 | p95 < 50 ms |"
        ]
        detail = [
            "| category | queries | matches (count) | p50 ms | p95 ms |",
            "|---|---|---|---|---|",
        ]
        for category in dict.fromkeys(c for c, _ in mix):
            queries = [q for c, q in mix if c == category]
            found = sorted(counts[q] for q in queries)
            times = by_category[category]
            detail.append(
                f"| {category} | {len(queries)} | {found[0]:,}–{found[-1]:,} | "
                f"{ms(median(times))} | {ms(percentile(times, 95))} |"
            )
        self.search_detail = detail
        self.loads.append(load_note())

    # 4. Crosswalk --------------------------------------------------------------------------------

    async def crosswalk(self, port: int, server) -> None:
        pairs = [(self.slugs[i], self.slugs[i + 1]) for i in range(0, 20, 2)]
        conn = Connection(port, self.headers)
        rows = []
        for depth in (2, 3):
            n = 10 if self.quick else 30
            paths = [
                f"/api/v1/crosswalk/?source={s}&target={t}&derived=true&max_depth={depth}"
                for s, t in pairs
            ]
            sql = {path: captured_sql(self.client, path) for path in paths[:3]}
            api, ref = [], []
            for i in range(n):
                api.append(await self.get(conn, paths[i % len(paths)]))
                start = time.perf_counter()
                replay(sql[paths[i % 3]])
                ref.append((time.perf_counter() - start) * 1000)
            body = self.client.get(paths[0]).json()["summary"]
            target = "p95 < 200 ms" if depth == 2 else "p95 < 1 s"
            rows.append(
                f"| crosswalk 1,000 × 1,000, `derived=true`, depth {depth} ({body['derived']:,} "
                f"derived, {sum(body['by_relationship'].values())} direct) | p50 {ms(median(api))}, "
                f"**p95 {ms(percentile(api, 95))}** | its bare SQL: p50 {ms(median(ref))}, p95 "
                f"{ms(percentile(ref, 95))} | {percentile(api, 95) / percentile(ref, 95):.1f}× at "
                f"p95 | {target} |"
            )
        before = server.rss_mb()
        for i in range(50):
            s, t = pairs[i % len(pairs)]
            await self.get(
                conn, f"/api/v1/crosswalk/?source={s}&target={t}&derived=true&max_depth=3"
            )
        after = server.rss_mb()
        growth = max(after[pid] - before.get(pid, after[pid]) for pid in after)
        rows.append(
            f"| worker memory after 50 depth-3 requests | RSS {', '.join(f'{before[p]:.0f} → {after[p]:.0f} MB' for p in after if p in before)} | "
            f"— | largest growth **{growth:+.0f} MB** | ≤ +20 MB |"
        )
        await conn.close()
        self.rows["crosswalk"] = rows
        self.loads.append(load_note())

    # 5. Exports ----------------------------------------------------------------------------------

    def copy_reference(self) -> tuple[float, int]:
        sql, params = mapping_export_sql(Mapping.objects.published())
        start = time.perf_counter()
        size = 0
        for chunk in copy_csv(sql, params):
            size += len(chunk)
        return time.perf_counter() - start, size

    async def export(self, port: int) -> None:
        rows = []
        total = Mapping.objects.published().count()
        # Throughput, interleaved with COPY.
        copies, https, sizes = [], [], set()
        for _ in range(1 if self.quick else 3):
            seconds, size = self.copy_reference()
            copies.append(seconds)
            conn = Connection(port, self.headers)
            got = 0

            def sink(data: bytes) -> None:
                nonlocal got
                got += len(data)

            reply = await conn.get(EXPORT, sink=sink)
            await conn.close()
            assert reply.status == 200
            https.append(reply.seconds)
            sizes |= {size, got}
        ratio = median(copies) / median(https)
        rows.append(
            f"| CSV export of {total:,} mappings ({max(sizes) / 1e6:.0f} MB), read at full speed "
            f"({len(https)} runs, medians) | {median(https):.2f} s "
            f"({max(sizes) / median(https) / 1e6:.0f} MB/s) | `COPY` of the same SELECT to a null "
            f"sink: {median(copies):.2f} s | **{ratio:.2f}×** | ≥ 0.9× |"
        )
        assert len(sizes) == 1, f"HTTP and COPY sizes differ: {sizes}"
        # First byte: the client reads the headers and the first chunk, then hangs up.
        firsts = []
        for _ in range(3 if self.quick else 7):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            start = time.perf_counter()
            writer.write(
                f"GET {EXPORT} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {self.headers['Authorization']}\r\n\r\n".encode()
            )
            await reader.readuntil(b"\r\n\r\n")
            await reader.readuntil(b"\r\n")  # the first chunk's size line
            firsts.append((time.perf_counter() - start) * 1000)
            writer.close()
            await asyncio.sleep(0.5)
        rows.append(
            f"| export: first byte (headers and first chunk) | median {ms(median(firsts))} ms, "
            f"max {ms(max(firsts))} ms | — | | < 500 ms |"
        )
        # List throughput while two exports stream to slow clients.
        seconds = 3.0 if self.quick else 8.0

        def page() -> str:
            return list_path(self.rng.choice(self.slugs), self.rng.randint(1, 10))

        alone, beside, cut = [], [], []
        for _ in range(1 if self.quick else 2):
            tally, took = await load(port, page, clients=32, seconds=seconds, headers=self.headers)
            alone.append(len(tally.latencies) / took)
            async with slow_downloads(
                port, EXPORT, count=2, rate=1e6, headers=self.headers
            ) as downloads:
                tally2, took2 = await load(
                    port, page, clients=32, seconds=seconds, headers=self.headers
                )
            beside.append(len(tally2.latencies) / took2)
            cut += [d for d in downloads if not d["complete"]]
        rows.append(
            f"| list throughput at 32 clients while 2 exports stream at 1 MB/s each | "
            f"{median(beside):.0f} req/s (p50 of the lists {ms(median(tally2.latencies))} ms) | "
            f"no export, same run: {median(alone):.0f} req/s | **{median(beside) / median(alone):.2f}×** | ≥ 0.8× |"
        )
        # A slow client past gunicorn's 30 s timeout: still streaming, never cut.
        slow_for = 10.0 if self.quick else 45.0
        got = 0
        conn = Connection(port, self.headers)

        def count(data: bytes) -> None:
            nonlocal got
            got += len(data)

        task = asyncio.ensure_future(conn.get(EXPORT, sink=count, rate=1e6))
        start = time.perf_counter()
        cut_early = None
        while time.perf_counter() - start < slow_for:
            await asyncio.sleep(0.5)
            if task.done():
                cut_early = task.exception() or "ended"
                break
        task.cancel()
        await conn.close()
        rows.append(
            f"| slow client (1 MB/s) for {slow_for:.0f} s, past the 30 s worker timeout | "
            f"{'**cut after ' + format(time.perf_counter() - start, '.0f') + ' s: ' + repr(cut_early) + '**' if cut_early else f'still streaming, {got / 1e6:.0f} MB received, not cut'} | — | | never truncated |"
        )
        self.rows["export"] = rows
        self.loads.append(load_note())

    async def run(self, port: int, server, only: set[str]) -> None:
        steps = {
            "list": lambda: self.lists(port),
            "throughput": lambda: self.throughput(port),
            "search": lambda: self.search(port),
            "crosswalk": lambda: self.crosswalk(port, server),
            "export": lambda: self.export(port),
        }
        for name in SECTIONS:
            if name in only:
                await steps[name]()
                print("\n".join(self.rows[name]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--app", type=Path, default=None, help="serve another checkout")
    parser.add_argument("--only", default=",".join(SECTIONS))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-write", action="store_true", help="print, do not edit BENCHMARKS")
    options = parser.parse_args()
    only = set(options.only.split(","))
    bench = Bench(options)
    kwargs = {"workers": options.workers}
    if options.app:
        kwargs["app"] = options.app.resolve()
    with gunicorn(**kwargs) as server:
        connection.close()
        asyncio.run(bench.run(server.port, server, only))
    rows = [row for section in SECTIONS if section in only for row in bench.rows.get(section, [])]
    app = options.app or Path(".")
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=app, capture_output=True, text=True
    ).stdout.strip()
    body = f"""
## The API over HTTP

`bench/bench_http.py`: gunicorn started as `docker/entrypoint.sh` starts it (`config/gunicorn.conf.py`,
production settings, `WEB_CONCURRENCY={options.workers}`; code at {revision}), a client on
loopback (asyncio, keep-alive, in the same 2 cores as the server and PostgreSQL), 100,000
synthetic provisions and {Mapping.objects.count():,} mappings. Each figure sits beside its
reference measured in the same run, interleaved with it; medians over the rounds. Machine load
during the run (other people share the 2 cores): {"; ".join(bench.loads)}.

| measure | API | reference, same run | ratio | target |
|---|---|---|---|---|
{chr(10).join(rows)}
"""
    if "search" in only:
        body += (
            "\nThe search mix (`bench/workload.py`, seed 14), by kind:\n\n"
            + "\n".join(bench.search_detail)
            + "\n\nQueries: "
            + ", ".join(f"`{q}`" for _, q in bench.mix)
            + "\n"
        )
    if options.no_write or options.quick or os.environ.get("BENCH_NO_WRITE"):
        print(body)
    else:
        write_section("http", body)


if __name__ == "__main__":
    main()
