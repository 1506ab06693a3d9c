"""Where a request's time goes in a gunicorn worker: py-spy samples the worker while a client on
loopback sends one kind of request (bounded in time), and the folded stacks are summed by
function (self and total), printed as the two top-N tables.

Usage: python bench/profile_http.py PATH [--seconds 10] [--clients 8] [--top 25] [--gil]
       [--write NAME]   (the tables into BENCHMARKS.md, section profile-NAME)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import subprocess
import sys
import threading
from pathlib import Path

from common import django_setup, write_section

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
django_setup()

from loopback import gunicorn, load  # noqa: E402
from workload import api_key  # noqa: E402


def fold(path: str, top: int) -> str:
    own: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    samples = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        frames = [
            frame.split(" (")[0] + " " + frame.split("/")[-1].rstrip(")")
            for frame in stack.split(";")
        ]
        n = int(count)
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    lines = [f"{samples} samples", "", "self:"]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    # Inclusive shares, without the frames nearly every sample passes through (threads,
    # gunicorn, middleware): what is left says which part of the request the time goes to.
    inner = [(frame, n) for frame, n in total.most_common() if n < 0.75 * samples]
    lines += ["", "total (inclusive, below the frames in 75% of the samples):"]
    lines += [f"  {100 * n / samples:5.1f}%  {frame}" for frame, n in inner[:top]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", default="/tmp/crosswalk-profile.txt")
    parser.add_argument("--gil", action="store_true", help="only the thread holding the GIL")
    parser.add_argument("--write", metavar="NAME", help="section profile-NAME of BENCHMARKS.md")
    options = parser.parse_args()
    headers = {"Authorization": f"Api-Key {api_key()}"}
    with gunicorn(workers=1) as server:
        (worker,) = server.workers
        done = threading.Event()
        rate = [""]

        def client() -> None:
            tally, took = asyncio.run(
                load(server.port, lambda: options.path, clients=options.clients,
                     seconds=options.seconds + 2, headers=headers)
            )  # fmt: skip
            rate[0] = f"{len(tally.latencies) / took:.0f} req/s, {tally.errors} errors"
            print(rate[0], f"statuses {tally.statuses}")
            done.set()

        thread = threading.Thread(target=client)
        thread.start()
        subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "py-spy"), "record", "--pid", str(worker),
             "--duration", str(int(options.seconds)), "--format", "raw", "--rate", "200",
             "--output", options.out, "--nonblocking", *(["--gil"] if options.gil else [])],
            check=True, capture_output=True,
        )  # fmt: skip
        thread.join()
    table = fold(options.out, options.top)
    print(table)
    if options.write:
        what = "the thread holding the GIL: CPU in Python" if options.gil else "every thread"
        write_section(
            f"profile-{options.write}",
            f"""
### Profile: `{options.path}`

`bench/profile_http.py`: py-spy sampling one gunicorn worker ({what}) for
{options.seconds:.0f} s while {options.clients} client(s) on loopback ask for this path
({rate[0]}). Share of samples per function, own time first, then inclusive.

```
{table}
```
""",
        )


if __name__ == "__main__":
    main()
