"""A live Crosswalk on loopback for fault and load tests: a private embedded PostgreSQL (never the
test database) and gunicorn as docker/entrypoint.sh runs it, in the production configuration."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
# A fixed, strong key for these throw-away servers only (settings refuse a weak one).
SECRET_KEY = "live-harness-" + "k7Qz9pX2vR4mT8wN6yB3cF5hJ1dL0sGa" * 2
ADMIN_USER = "operator"
ADMIN_PASSWORD = "live-harness-operator-pass-1"
# Variables of the calling shell that would change what the server under test does.
CLEARED = (
    "DEBUG",
    "DATABASE_URL",
    "DATABASE_REPLICA_URLS",
    "REDIS_URL",
    "CACHE_KEY_PREFIX",
    "EMBEDDED_PGDATA",
    "THROTTLE_PARTNER_RATE",
    "THROTTLE_PUBLIC_RATE",
    "PUBLIC_READ",
    "DJANGO_SETTINGS_MODULE",
)


class PrivatePostgres:
    """An embedded PostgreSQL (pgserver) in its own folder, started and stopped at will."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.url = ""

    def _command(self, *args: str) -> str:
        env = {**os.environ, "EMBEDDED_PGDATA": str(self.data_dir)}
        done = subprocess.run(
            [PYTHON, "-m", "config.embedded_db", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.stdout.strip()

    def start(self, timeout: float = 60) -> str:
        # pgserver refuses a server it finds still starting (crash recovery) or stopping: ask
        # again until it is ready.
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.url = self._command("url")
                return self.url
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self, *, immediate: bool = False) -> None:
        """`immediate`: as a crash (no shutdown checkpoint; recovery at the next start)."""
        self._command("stop", *(["--immediate"] if immediate else []))

    def kill(self, timeout: float = 20) -> float:
        """SIGKILL the postmaster, as the kernel's OOM killer would; return the seconds until
        the process was gone. pgserver takes a killed but unreaped (zombie) postmaster for a
        running one, so wait for it to be reaped; where nothing reaps orphans, remove its
        lock file, as an operator would after checking the process is dead."""
        lock_file = self.data_dir / "postmaster.pid"
        pid = int(lock_file.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return time.monotonic() - started
            time.sleep(0.1)
        lock_file.unlink(missing_ok=True)
        return time.monotonic() - started


def production_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production server (DEBUG unset) on plain HTTP on loopback."""
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies sent without TLS.
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout.strip()


def prepare_database(env: dict[str, str]) -> str:
    """Migrate, create the cache table and an operator; return a new partner API key."""
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        "createsuperuser",
        "--no-input",
        "--username",
        ADMIN_USER,
        "--email",
        "operator@example.org",
    )
    return manage(env, "create_api_key", "Live harness agency").splitlines()[-1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with config/gunicorn.conf.py, as the container runs it, on 127.0.0.1."""

    def __init__(self, env: dict[str, str], log_path: Path, *, workers: int = 2) -> None:
        self.port = free_port()
        self.env = {
            **env,
            "BIND_ADDRESS": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
        }
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "config.wsgi:application", "-c", "config/gunicorn.conf.py"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()[-4000:]}")
            try:
                requests.get(self.base + "/healthz", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def request_log(self) -> list[dict]:
        """The JSON lines of the request log written so far."""
        lines = []
        for line in self.log_path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and entry.get("logger") == "crosswalk.requests":
                    lines.append(entry)
        return lines


@contextlib.contextmanager
def gunicorn(env: dict[str, str], log_path: Path, *, workers: int = 2) -> Iterator[Gunicorn]:
    server = Gunicorn(env, log_path, workers=workers)
    try:
        server.start()  # a server that fails to come up is stopped too
        yield server
    finally:
        server.stop()


def admin_session(base: str) -> requests.Session:
    """A logged-in admin session (the login form, with its CSRF token)."""
    session = requests.Session()
    session.get(base + "/admin/login/", timeout=10)
    response = session.post(
        base + "/admin/login/?next=/admin/",
        data={
            "username": ADMIN_USER,
            "password": ADMIN_PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"admin login failed: {response.status_code}")
    return session


class Probe:
    """The three kinds of page an outage touches: /healthz, an API list, an admin page."""

    def __init__(self, base: str, key: str, admin: requests.Session) -> None:
        self.base = base
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Api-Key {key}"
        self.admin = admin

    def healthz(self) -> requests.Response:
        return requests.get(self.base + "/healthz", timeout=15)

    def api_list(self) -> requests.Response:
        return self.api.get(self.base + "/api/v1/jurisdictions/", timeout=15)

    def admin_page(self) -> requests.Response:
        return self.admin.get(self.base + "/admin/", timeout=15)

    def all(self) -> list[tuple[str, requests.Response]]:
        return [
            ("healthz", self.healthz()),
            ("api", self.api_list()),
            ("admin", self.admin_page()),
        ]


def outage_answer_problems(kind: str, response: requests.Response) -> list[str]:
    """What is wrong with an answer given while the database is down (empty: as wanted)."""
    problems = []
    if response.status_code != 503:
        problems.append(f"{kind}: status {response.status_code}, not 503")
    if not response.headers.get("Retry-After", "").isdigit():
        problems.append(f"{kind}: no Retry-After")
    if kind == "healthz":
        if response.json() != {"status": "error", "database": "unavailable"}:
            problems.append(f"healthz: body {response.text[:200]!r}")
    elif kind == "api":
        body = (
            response.json()
            if response.headers.get("Content-Type", "").startswith("application/json")
            else None
        )
        if body is None or set(body) != {"error"}:
            problems.append(f"api: not the error shape: {response.text[:200]!r}")
        elif body["error"]["code"] != "database_unavailable" or body["error"]["status"] != 503:
            problems.append(f"api: {body}")
    elif kind == "admin" and not response.headers.get("Content-Type", "").startswith("text/plain"):
        problems.append(f"admin: {response.headers.get('Content-Type')}")
    return problems
