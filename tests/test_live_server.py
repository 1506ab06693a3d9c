"""gunicorn in the production configuration against a private embedded PostgreSQL: the database
stopped and crashed under it, rate limits across workers, request limits, read replicas.

Bounded: one private PostgreSQL for the module, one short-lived gunicorn per test (about a minute
in all). bench/faults.py runs the fault rounds at length."""

from __future__ import annotations

import concurrent.futures
import http.client
import uuid

import psycopg
import pytest
import redis
import requests

from bench.live import (
    PrivatePostgres,
    Probe,
    admin_session,
    gunicorn,
    outage_answer_problems,
    prepare_database,
    production_env,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def private_db(tmp_path_factory):
    """A PostgreSQL of this module's own (not the test database), migrated, with a key."""
    postgres = PrivatePostgres(tmp_path_factory.mktemp("live") / "pgdata")
    url = postgres.start()
    try:
        key = prepare_database(production_env(url))
        yield postgres, key
    finally:
        postgres.stop()


@pytest.fixture
def log_path(tmp_path):
    return tmp_path / "gunicorn.log"


def served_by_every_worker(server, probe: Probe, workers: int) -> None:
    """Send API reads until each worker has answered one (and so holds a database connection).
    Each on a new connection: a kept-alive one stays with the worker (thread) that accepted it."""
    for _ in range(60):
        requests.get(
            server.base + "/api/v1/jurisdictions/",
            headers={"Authorization": probe.api.headers["Authorization"], "Connection": "close"},
            timeout=15,
        )
        if len({entry["pid"] for entry in server.request_log()}) >= workers:
            return
    raise AssertionError("the requests did not reach every worker")


def test_database_outage_answers_503s_and_recovery_fails_no_request(private_db, log_path):
    postgres, key = private_db
    with gunicorn(production_env(postgres.url), log_path, workers=2) as server:
        probe = Probe(server.base, key, admin_session(server.base))
        served_by_every_worker(server, probe, workers=2)
        assert all(r.status_code == 200 for _, r in probe.all())

        # 1. Restarted while idle (cleanly, as in a crash, after SIGKILL): every worker still
        # holds a connection to the old server, and the first request after must not pay.
        for fault in (postgres.stop, lambda: postgres.stop(immediate=True), postgres.kill):
            fault()
            postgres.start()
            after = [(kind, r.status_code) for _ in range(4) for kind, r in probe.all()]
            assert after == [(kind, 200) for _ in range(4) for kind in ("healthz", "api", "admin")]

        # 2. Down while requests come: each kind answers its 503, nothing answers 500.
        postgres.stop()
        problems = []
        for _ in range(3):
            for kind, response in probe.all():
                problems += outage_answer_problems(kind, response)
        postgres.start()
        assert problems == []
        after = [r.status_code for _ in range(4) for _, r in probe.all()]
        assert after == [200] * 12

    statuses = [entry["status"] for entry in server.request_log()]
    assert 500 not in statuses
    assert statuses.count(503) == 9


def test_503_texts_name_no_host_port_or_driver(private_db, log_path):
    postgres, key = private_db
    with gunicorn(production_env(postgres.url), log_path, workers=1) as server:
        probe = Probe(server.base, key, admin_session(server.base))
        postgres.stop()
        try:
            answers = [r.text for _, r in probe.all()]
        finally:
            postgres.start()
    socket_dir = postgres.url.split("host=")[-1]
    for text in answers:
        assert socket_dir not in text
        assert "connection" not in text.lower()
        assert "psycopg" not in text.lower()
        assert "5432" not in text


def fire(url: str, key: str, count: int) -> list[int]:
    """`count` API reads at once from 8 threads; their statuses."""
    session_headers = {"Authorization": f"Api-Key {key}"}

    def one(_: int) -> int:
        import requests

        return requests.get(url, headers=session_headers, timeout=30).status_code

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(one, range(count)))


@pytest.mark.parametrize("cache", ["database", "redis"])
def test_rate_limit_holds_across_workers(private_db, log_path, cache):
    postgres, key = private_db
    extra = {"THROTTLE_PARTNER_RATE": "5/minute", "CACHE_KEY_PREFIX": f"live-{uuid.uuid4().hex}"}
    if cache == "redis":
        extra["REDIS_URL"] = "redis://127.0.0.1:6379/0"
        try:
            redis.Redis.from_url(extra["REDIS_URL"]).ping()
        except redis.exceptions.ConnectionError:
            pytest.fail("no Redis on 127.0.0.1:6379 (the machine and CI start one)")
    with gunicorn(production_env(postgres.url, **extra), log_path, workers=3) as server:
        statuses = fire(server.base + "/api/v1/jurisdictions/", key, 24)
    assert sorted(statuses) == [200] * 5 + [429] * 19
    log = [entry for entry in server.request_log() if entry["path"] == "/api/v1/jurisdictions/"]
    assert len({entry["pid"] for entry in log}) >= 2  # more than one worker answered
    assert {entry.get("key_id") for entry in log} == {key.split(".")[0]}


def raw_status(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


def test_request_limits_answered_in_json_up_to_gunicorns_own(private_db, log_path):
    postgres, _ = private_db
    with gunicorn(production_env(postgres.url), log_path, workers=1) as server:
        long_query = "/api/v1/jurisdictions/?q=" + "a" * 5000
        assert raw_status(server.port, long_query) == (414, "application/json")
        big_header = {"X-Padding": "b" * 10_000}
        assert raw_status(server.port, "/api/v1/jurisdictions/", big_header) == (
            431,
            "application/json",
        )
        many = {f"X-Field-{n}": "c" for n in range(150)}
        assert raw_status(server.port, "/api/v1/jurisdictions/", many)[0] == 431
        # Beyond gunicorn's limits gunicorn answers first, with its own plain 400 (DEPLOY.md).
        status, content_type = raw_status(server.port, "/api/v1/?q=" + "d" * 9000)
        assert status == 400
        assert not content_type.startswith("application/json")


def test_api_reads_use_the_replica_and_writes_the_primary(private_db, log_path):
    postgres, key = private_db
    replica_url = postgres.url + "&application_name=crosswalk-replica"
    env = production_env(postgres.url, DATABASE_REPLICA_URLS=replica_url)
    with gunicorn(env, log_path, workers=1) as server:
        probe = Probe(server.base, key, admin_session(server.base))
        assert probe.api_list().status_code == 200
        assert probe.admin_page().status_code == 200
        with psycopg.connect(postgres.url.replace("postgresql://", "postgres://")) as check:
            names = [
                row[0]
                for row in check.execute(
                    "SELECT application_name FROM pg_stat_activity WHERE datname = 'postgres'"
                )
            ]
    # The API read opened (and keeps, CONN_MAX_AGE) a connection through the replica alias.
    assert "crosswalk-replica" in names
