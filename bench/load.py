"""A bounded load on loopback: clients sending a mix of provision lists, details, searches and
crosswalks to gunicorn as docker/entrypoint.sh runs it, while two clients download the mappings
CSV at 1 MB/s each; throughput, p50/p95/p99 and errors per kind go into BENCHMARKS.md.

Usage: python bench/load.py [--seconds 60] [--clients 32] [--workers 2] [--quick] [--no-write]
Runs on the synthetic namespace (bench/generate_synthetic.py); stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time

from common import django_setup, write_section

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django_setup()

from django.db import connection  # noqa: E402
from loopback import (  # noqa: E402
    Connection,
    Incomplete,
    Tally,
    gunicorn,
    median,
    percentile,
    slow_downloads,
)
from workload import api_key, list_path, q_path, search_mix, synthetic_slugs  # noqa: E402

EXPORT = "/api/v1/exports/mappings.csv"
# (kind, weight): what the clients ask, in what proportion.
MIX = [("list", 35), ("detail", 35), ("search", 25), ("crosswalk", 5)]


def load_note() -> str:
    with open("/proc/loadavg") as handle:
        return "load average " + " / ".join(handle.read().split()[:3])


async def run(port: int, headers: dict[str, str], options: argparse.Namespace) -> dict:
    rng = random.Random(15)
    slugs = synthetic_slugs()
    queries = [q for _, q in search_mix(random.Random(14))]
    paths = {
        "list": lambda: list_path(rng.choice(slugs), rng.randint(1, 10)),
        "detail": lambda: f"/api/v1/provisions/{rng.choice(slugs)}:art_{rng.randint(1, 1000)}/",
        "search": lambda: q_path(rng.choice(queries)),
        "crosswalk": lambda: "/api/v1/crosswalk/?source={}&target={}&derived=true".format(
            *rng.sample(slugs, 2)
        ),
    }
    kinds = [kind for kind, _ in MIX]
    weights = [weight for _, weight in MIX]
    tallies = {kind: Tally() for kind in kinds}
    deadline = time.perf_counter() + options.seconds

    async def client() -> None:
        connection = Connection(port, headers)
        while time.perf_counter() < deadline:
            kind = rng.choices(kinds, weights)[0]
            try:
                reply = await connection.get(paths[kind]())
            except (Incomplete, OSError, asyncio.IncompleteReadError):
                tallies[kind].add(None, False)
                continue
            tallies[kind].add(reply, reply.status == 200)
        await connection.close()

    async with slow_downloads(port, EXPORT, count=2, rate=1e6, headers=headers) as downloads:
        start = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(options.clients)))
        took = time.perf_counter() - start
        # Still streaming when the clients stop: a download cut meanwhile is in `downloads`.
    return {"tallies": tallies, "seconds": took, "downloads": downloads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="10 s, 8 clients; prints only")
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()
    if options.quick:
        options.seconds, options.clients = 10, 8
    headers = {"Authorization": f"Api-Key {api_key()}"}
    before = load_note()
    with gunicorn(workers=options.workers) as server:
        connection.close()
        result = asyncio.run(run(server.port, headers, options))
    after = load_note()
    seconds = result["seconds"]
    lines = [
        "| kind | share | requests | throughput | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    total = 0
    for kind, weight in MIX:
        tally = result["tallies"][kind]
        count = len(tally.latencies)
        total += count
        lines.append(
            f"| {kind} | {weight}% | {count:,} | {count / seconds:.1f} req/s | "
            f"{median(tally.latencies):.1f} | {percentile(tally.latencies, 95):.1f} | "
            f"{percentile(tally.latencies, 99):.1f} | {tally.errors} |"
        )
    errors = sum(t.errors for t in result["tallies"].values())
    lines.append(f"| **all** | | {total:,} | **{total / seconds:.1f} req/s** | | | | {errors} |")
    cut = [d for d in result["downloads"] if not d["complete"]]
    cut_note = f" ({'; '.join(d['error'] for d in cut)})" if cut else ""
    body = f"""
## Mixed load with two slow exports

`bench/load.py`: {options.clients} clients on loopback for {seconds:.0f} s, each sending requests
drawn from the mix below (lists 100 a page at random pages, details of random provisions, the
search mix of `bench/workload.py`, crosswalks of random pairs of synthetic instruments with derived
mappings at depth 2), against gunicorn as `docker/entrypoint.sh` runs it
(`WEB_CONCURRENCY={options.workers}`), while two more clients download
`/api/v1/exports/mappings.csv` at 1 MB/s each for the whole run. Machine: {before} before,
{after} after (other people share the 2 cores).

{chr(10).join(lines)}

Slow exports: 2 downloads streaming at 1 MB/s throughout, {len(cut)} cut{cut_note}.
"""
    if options.no_write or options.quick:
        print(body)
    else:
        write_section("load", body)


if __name__ == "__main__":
    main()
