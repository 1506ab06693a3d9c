"""Fault injection at length: a private embedded PostgreSQL stopped, crashed and killed under
gunicorn (production configuration, 3 workers) while API, admin and health requests go on.

    python bench/faults.py [--rounds 12] [--workers 3]

Prints the counts: faults injected and recovered without a restart of the web server, requests
sent, 5xx answers (503 expected only while the database is down; 500 never), and requests that
failed after the database was back. Exits non-zero if any count that should be zero is not.
Loopback only, bounded in rounds and time.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live import (  # noqa: E402
    PrivatePostgres,
    Probe,
    admin_session,
    gunicorn,
    outage_answer_problems,
    prepare_database,
    production_env,
)

MODES = ("stop-idle", "crash-idle", "kill-idle", "stop-busy", "crash-busy", "kill-busy")


class Traffic(threading.Thread):
    """API reads in a loop from a second thread, counted by status, phase by phase."""

    def __init__(self, probe: Probe) -> None:
        super().__init__(daemon=True)
        self.probe = probe
        self.phase = "up"
        self.counts: collections.Counter = collections.Counter()
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                status = self.probe.api_list().status_code
            except Exception:  # noqa: BLE001 - a refused connection counts as a failure too
                status = 0
            self.counts[(self.phase, status)] += 1
            time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--workers", type=int, default=3)
    options = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="crosswalk-faults-"))
    postgres = PrivatePostgres(folder / "pgdata")
    postgres.start()
    key = prepare_database(production_env(postgres.url))
    problems: list[str] = []
    recovered = 0
    outage_answers = 0
    started = time.monotonic()
    try:
        env = production_env(postgres.url)
        with gunicorn(env, folder / "gunicorn.log", workers=options.workers) as server:
            probe = Probe(server.base, key, admin_session(server.base))
            traffic = Traffic(Probe(server.base, key, admin_session(server.base)))
            traffic.start()
            for number, mode in zip(range(options.rounds), itertools.cycle(MODES), strict=False):
                kind, load = mode.split("-")
                time.sleep(0.5)  # every worker holds a connection by now
                traffic.phase = "down"
                if kind == "stop":
                    postgres.stop()
                elif kind == "crash":
                    postgres.stop(immediate=True)
                else:
                    postgres.kill()
                if load == "busy":
                    for _ in range(3):
                        for page, response in probe.all():
                            outage_answers += 1
                            problems += [
                                f"round {number} ({mode}): {p}"
                                for p in outage_answer_problems(page, response)
                            ]
                postgres.start()
                traffic.phase = "up"
                after = [(page, r.status_code) for _ in range(3) for page, r in probe.all()]
                failed = [item for item in after if item[1] != 200]
                if failed:
                    problems.append(f"round {number} ({mode}): after restart {failed}")
                else:
                    recovered += 1
                print(f"round {number + 1:2}: {mode:11} recovered={not failed}", flush=True)
            traffic.running = False
            traffic.join()
        log = server.request_log()
    finally:
        postgres.stop()

    statuses = collections.Counter(entry["status"] for entry in log)
    traffic_after = {s: n for (phase, s), n in traffic.counts.items() if phase == "up"}
    traffic_down = {s: n for (phase, s), n in traffic.counts.items() if phase == "down"}
    five_hundreds = statuses.get(500, 0)
    failed_up = sum(n for s, n in traffic_after.items() if s not in (200,))
    print()
    print(f"faults injected           {options.rounds} ({', '.join(MODES)} in turn)")
    print(f"recovered, no web restart {recovered}")
    print(f"requests answered         {sum(statuses.values())} (server log)")
    print(
        f"5xx answers               {sum(n for s, n in statuses.items() if s >= 500)}"
        f" (503: {statuses.get(503, 0)}, 500: {five_hundreds})"
    )
    print(f"outage answers checked    {outage_answers}, wrong: {len(problems)}")
    print(f"background traffic        up: {traffic_after}  database down: {traffic_down}")
    print(f"elapsed                   {time.monotonic() - started:.0f} s")
    for problem in problems[:20]:
        print("PROBLEM", problem)
    bad = problems or five_hundreds or recovered != options.rounds
    # Background reads that raced a restart may see a 503 while the server comes back; one that
    # started after the restart finished and failed would be in `failed_up`.
    print(f"background reads not 200 while up: {failed_up}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
