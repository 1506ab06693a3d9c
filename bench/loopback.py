"""Loopback HTTP for the benchmarks: gunicorn started as docker/entrypoint.sh starts it (its
config file, production settings), and a small asyncio HTTP/1.1 client with keep-alive.

Everything here talks to 127.0.0.1 only, and every loop is bounded in requests and seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
# A throw-away key for a server on loopback (production settings refuse weak ones).
SECRET_KEY = "loopback-bench-" + "Vb7Qk2Lm9Xc4Rt8Wz3Ny6Hp1Jd5Gs0Fa" * 2
LOG = Path(os.environ.get("BENCH_SERVER_LOG", "/tmp/crosswalk-bench-server.log"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    app: Path

    @property
    def workers(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout
        return [int(pid) for pid in out.split()]

    def rss_mb(self) -> dict[int, float]:
        """Current resident memory (VmRSS) of each worker."""
        sizes = {}
        for pid in self.workers:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes[pid] = int(line.split()[1]) / 1024
        return sizes


@contextlib.contextmanager
def gunicorn(
    *, workers: int = 2, app: Path = ROOT, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """gunicorn with the app's own config file (config/gunicorn.conf.py) when it has one, in
    the production configuration (DEBUG off), on a free loopback port."""
    port = free_port()
    environ = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": HOST,
        "BIND_ADDRESS": HOST,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        # Plain HTTP on loopback: no TLS in front to redirect to.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        # The benchmark is one client sending far more than a partner's hourly budget.
        "THROTTLE_PARTNER_RATE": "1000000/second",
        "PYTHONPATH": str(app),
        **(env or {}),
    }
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "createcachetable"], cwd=app, env=environ, check=True,
        capture_output=True,
    )  # fmt: skip
    config = app / "config" / "gunicorn.conf.py"
    command = [python, "-m", "gunicorn", "config.wsgi:application"]
    if config.exists():
        command += ["--config", str(config)]
    else:  # an older checkout: the flags its entrypoint passed
        command += ["--bind", f"{HOST}:{port}", "--workers", str(workers), "--access-logfile", "-"]
    log = open(LOG, "ab")  # noqa: SIM115 - open while the server runs
    process = subprocess.Popen(command, cwd=app, env=environ, stdout=log, stderr=log)
    server = Server(port, process, app)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection((HOST, port), timeout=1) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if b" 200 " in sock.recv(64).split(b"\r\n")[0] + b" ":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# Client ---------------------------------------------------------------------------------------


class Incomplete(Exception):
    """The response ended before its length or its last chunk: a partial body."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    first_byte: float = 0.0


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def get(
        self, path: str, *, sink: Callable[[bytes], None] | None = None, rate: float = 0
    ) -> Reply:
        """GET `path`; with `sink` the body goes there instead of into the reply; `rate` (bytes
        per second) reads it as a slow client would."""
        reused = self.writer is not None
        if not reused:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        lines = [f"GET {path} HTTP/1.1", f"Host: {HOST}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        start = time.perf_counter()
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        reader = self.reader
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            if reused and not getattr(exc, "partial", b""):
                # The server closed an idle keep-alive connection: ask again on a new one.
                return await self.get(path, sink=sink, rate=rate)
            raise
        first_byte = time.perf_counter() - start
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        parts: list[bytes] = []
        take = sink or parts.append
        throttle = _Throttle(rate)
        try:
            if headers.get("transfer-encoding") == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    if size == 0:
                        await reader.readuntil(b"\r\n")
                        break
                    remaining = size
                    while remaining:
                        data = await reader.read(min(remaining, 65536))
                        if not data:
                            raise Incomplete
                        remaining -= len(data)
                        take(data)
                        await throttle.wait(len(data))
                    await reader.readexactly(2)
            elif "content-length" in headers:
                remaining = int(headers["content-length"])
                while remaining:
                    data = await reader.read(min(remaining, 65536))
                    if not data:
                        raise Incomplete
                    remaining -= len(data)
                    take(data)
                    await throttle.wait(len(data))
            else:
                while data := await reader.read(65536):
                    take(data)
                await self.close()
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            await self.close()
            raise Incomplete from exc
        if headers.get("connection") == "close":
            await self.close()
        return Reply(status, headers, b"".join(parts), time.perf_counter() - start, first_byte)


class _Throttle:
    def __init__(self, rate: float) -> None:
        self.rate, self.sent, self.start = rate, 0, time.perf_counter()

    async def wait(self, size: int) -> None:
        if not self.rate:
            return
        self.sent += size
        ahead = self.sent / self.rate - (time.perf_counter() - self.start)
        if ahead > 0:
            await asyncio.sleep(ahead)


# Load -----------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies (ms) and errors of one kind of request."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, reply: Reply | None, ok: bool) -> None:
        if reply is not None:
            self.statuses[reply.status] = self.statuses.get(reply.status, 0) + 1
            self.latencies.append(reply.seconds * 1000)
        if not ok:
            self.errors += 1


def percentile(samples: list[float], p: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


async def load(
    port: int,
    paths: Callable[[], str],
    *,
    clients: int,
    seconds: float,
    headers: dict[str, str],
    max_requests: int = 100_000,
    check: Callable[[Reply], bool] = lambda reply: reply.status == 200,
) -> tuple[Tally, float]:
    """`clients` connections asking `paths()` in a loop for `seconds` (or `max_requests` in
    all); returns the tally and the seconds measured."""
    tally = Tally()
    deadline = time.perf_counter() + seconds
    count = 0

    async def client() -> None:
        nonlocal count
        connection = Connection(port, headers)
        while time.perf_counter() < deadline and count < max_requests:
            count += 1
            try:
                reply = await connection.get(paths())
            except (Incomplete, OSError, asyncio.IncompleteReadError):
                tally.add(None, False)
                continue
            tally.add(reply, check(reply))
        await connection.close()

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return tally, time.perf_counter() - start


@contextlib.asynccontextmanager
async def slow_downloads(
    port: int, path: str, *, count: int, rate: float, headers: dict[str, str]
) -> AsyncIterator[list[dict]]:
    """`count` clients downloading `path` at `rate` bytes/s, again and again, while the body of
    the `async with` runs; each finished or cut download is reported in the list yielded."""
    results: list[dict] = []
    stop = asyncio.Event()

    async def downloader() -> None:
        while not stop.is_set():
            connection = Connection(port, headers)
            size = 0

            def sink(data: bytes) -> None:
                nonlocal size
                size += len(data)

            start = time.perf_counter()
            task = asyncio.ensure_future(connection.get(path, sink=sink, rate=rate))
            stopper = asyncio.ensure_future(stop.wait())
            done, _ = await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                stopper.cancel()
                try:
                    reply = task.result()
                    results.append({"status": reply.status, "bytes": size, "complete": True,
                                    "seconds": time.perf_counter() - start})  # fmt: skip
                except Exception as exc:  # noqa: BLE001 - a cut download is a result here
                    results.append({"error": repr(exc), "bytes": size, "complete": False})
            else:
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            await connection.close()

    tasks = [asyncio.ensure_future(downloader()) for _ in range(count)]
    await asyncio.sleep(1.0)  # both downloads under way before the measurement starts
    try:
        yield results
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
