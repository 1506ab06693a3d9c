"""Behaviour that keeps the service fast under real use (issue 14): capped search ranking with an
honest count, the crosswalk's max_results guard, exports streamed in ranges, filter sets that do
not share state between requests, and gunicorn's threaded workers with a client timeout."""

from __future__ import annotations

import asyncio
import io
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import QueryDict

from crosswalk import exports
from crosswalk.exports import copy_csv, copy_mappings_csv, mapping_export_sql
from crosswalk.filters import ProvisionFilter
from crosswalk.models import Mapping, Provision

ROOT = Path(__file__).resolve().parent.parent


# Search --------------------------------------------------------------------------------------


def test_search_ranks_every_match_up_to_the_cap_with_an_exact_count(api, settings):
    settings.SEARCH_RANKED = 100
    response = api.get("/api/v1/provisions/", {"q": "AI literacy", "instrument": "eu-ai-act"})
    body = response.json()
    exact = Provision.objects.filter(instrument__slug="eu-ai-act").search("AI literacy").count()
    assert 0 < exact <= 100
    assert body["count"] == exact
    assert "X-Count-Estimated" not in response


def test_search_beyond_the_cap_ranks_the_first_matches_and_estimates_the_count(api, settings):
    settings.SEARCH_RANKED = 100
    matches = Provision.objects.search("risk").count()
    assert matches > 150  # a common word in the corpus
    first = api.get("/api/v1/provisions/", {"q": "risk", "page_size": 50})
    assert first.status_code == 200
    assert first["X-Count-Estimated"] == "true"
    body = first.json()
    assert body["count"] > 100  # PostgreSQL's estimate of all matches, never below what was seen
    ranked = [row["public_id"] for row in body["results"]]
    second = api.get("/api/v1/provisions/", {"q": "risk", "page_size": 50, "page": 2}).json()
    assert second["next"] is None  # the cap's last page
    ranked += [row["public_id"] for row in second["results"]]
    assert len(ranked) == len(set(ranked)) == 100
    assert api.get(
        "/api/v1/provisions/", {"q": "risk", "page_size": 50, "page": 3}
    ).status_code == (404)
    # The served rows are matches, best first among those ranked.
    ranks = dict(Provision.objects.search("risk").values_list("public_id", "rank"))
    assert [ranks[pid] for pid in ranked] == sorted((ranks[pid] for pid in ranked), reverse=True)


def test_japanese_and_korean_search_keeps_its_ranking(api):
    body = api.get("/api/v1/provisions/", {"q": "고영향", "page_size": 5}).json()
    assert body["count"] > 5
    top = body["results"][0]
    assert "고영향" in top["heading_original"]  # a heading that names the term comes first


# Crosswalk -----------------------------------------------------------------------------------


def test_crosswalk_larger_than_max_results_is_a_400_naming_it(api):
    call_command("load_seed_mappings", stdout=io.StringIO())
    params = {"source": "kr-ai-framework-act", "target": "oecd-ai-recommendation"}
    whole = api.get("/api/v1/crosswalk/", {**params, "derived": "true"}).json()["summary"]
    held = sum(whole["by_relationship"].values()) + whole["derived"]
    assert held > 2
    fits = api.get("/api/v1/crosswalk/", {**params, "derived": "true", "max_results": held + 5})
    assert fits.status_code == 200
    refused = api.get("/api/v1/crosswalk/", {**params, "derived": "true", "max_results": 2})
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {
        "max_results": [
            "This crosswalk would hold more than 2 mappings (direct and derived). Narrow it "
            "(max_depth=2, as_of) or raise max_results (at most 100000)."
        ]
    }
    direct = sum(whole["by_relationship"].values())
    between = api.get(
        "/api/v1/crosswalk/", {**params, "derived": "true", "max_results": direct + 1}
    )
    assert between.status_code == 400  # room for the direct mappings, not for the derived
    assert f"more than {direct + 1} mappings" in between.json()["error"]["fields"]["max_results"][0]
    too_large = api.get("/api/v1/crosswalk/", {**params, "max_results": 100_001})
    assert too_large.status_code == 400
    assert "max_results" in too_large.json()["error"]["fields"]


# Exports -------------------------------------------------------------------------------------


def test_mappings_stream_in_ranges_exactly_as_one_copy(db, monkeypatch):
    call_command("load_seed_mappings", stdout=io.StringIO())
    published = Mapping.objects.published()
    assert published.count() > 250
    monkeypatch.setattr(exports, "FIRST_RANGE", 7)  # ranges of 7, 70, 700 rows
    ranged = b"".join(copy_mappings_csv(published, bom=True))
    whole = b"".join(copy_csv(*mapping_export_sql(published), bom=True))
    assert ranged == whole
    assert ranged.count(b"source_public_id") == 1  # one header row


def test_mappings_csv_over_http_is_the_ranged_stream(api, monkeypatch):
    call_command("load_seed_mappings", stdout=io.StringIO())
    monkeypatch.setattr(exports, "FIRST_RANGE", 10)
    response = api.get("/api/v1/exports/mappings.csv", {"relationship": "intersects_with"})
    data = b"".join(response.streaming_content)
    expected = Mapping.objects.published().filter(relationship="intersects_with")
    ids = [int(line.split(b",")[0]) for line in data.splitlines()[1:] if line[:1].isdigit()]
    assert ids == sorted(expected.values_list("pk", flat=True))


# Filter sets ---------------------------------------------------------------------------------


def test_filter_sets_share_no_filter_between_requests(db):
    first = ProvisionFilter(QueryDict("as_of=2025-06-01"), queryset=Provision.objects.all())
    second = ProvisionFilter(QueryDict("in_force_on=2026-08-02"), queryset=Provision.objects.all())
    for name in first.filters:
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].parent is first and second.filters[name].parent is second
    assert first.qs.count() != second.qs.count()
    assert first.day.isoformat() == "2025-06-01" and second.day.isoformat() == "2026-08-02"
    assert type(first.form) is type(second.form)  # one form class per filter set class


# gunicorn as configured for production -------------------------------------------------------

STREAMING_APP = """
import time

def app(environ, start_response):
    if environ["PATH_INFO"] == "/quick":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    seconds = float(environ["QUERY_STRING"] or "3")

    def body():
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            yield b"x" * 65536
            time.sleep(0.05)

    start_response("200 OK", [("Content-Type", "text/csv")])
    return body()
"""


@pytest.fixture
def live_gunicorn(tmp_path):
    """gunicorn with config/gunicorn.conf.py (one worker, a 2 s worker timeout, a 2 s client
    timeout) serving a small app that streams for as long as asked."""
    (tmp_path / "streaming_app.py").write_text(STREAMING_APP)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "BIND_ADDRESS": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "GUNICORN_TIMEOUT": "2",
        "CLIENT_TIMEOUT": "2",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "streaming_app:app", "--config",
         str(ROOT / "config" / "gunicorn.conf.py")],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(timeout=30)


def read_chunked(port: int, path: str, *, stall: float = 0) -> tuple[int, bool]:
    """Bytes of body read and whether the chunked body ended with its last chunk; `stall`
    seconds without reading after the first chunk."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    stream = sock.makefile("rb")
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        head += stream.read(1)
    assert b"transfer-encoding: chunked" in head.lower()
    size = 0
    try:
        while True:
            line = stream.readline()
            if not line:
                return size, False
            length = int(line.split(b";")[0], 16)
            if length == 0:
                return size, stream.readline() == b"\r\n"
            data = stream.read(length + 2)
            size += len(data) - 2
            if len(data) < length + 2:
                return size, False
            if stall:
                time.sleep(stall)
                stall = 0
    finally:
        sock.close()


def test_streams_outlive_the_worker_timeout_and_end_with_their_last_chunk(live_gunicorn):
    size, complete = read_chunked(live_gunicorn, "/stream?4")  # twice GUNICORN_TIMEOUT
    assert complete and size > 65536 * 20


def test_a_stalled_client_is_cut_and_can_tell(live_gunicorn):
    size, complete = read_chunked(live_gunicorn, "/stream?20", stall=6)  # 3 × CLIENT_TIMEOUT
    assert not complete
    assert size < 65536 * 300


def test_a_slow_download_holds_a_thread_not_the_worker(live_gunicorn):
    done = threading.Event()
    threading.Thread(
        target=lambda: (read_chunked(live_gunicorn, "/stream?4"), done.set()), daemon=True
    ).start()
    time.sleep(0.5)

    async def quick() -> float:
        start = time.perf_counter()
        reader, writer = await asyncio.open_connection("127.0.0.1", live_gunicorn)
        writer.write(b"GET /quick HTTP/1.1\r\nHost: x\r\n\r\n")
        head = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        assert head.startswith(b"HTTP/1.1 200")
        return time.perf_counter() - start

    assert asyncio.run(quick()) < 1.0
    assert not done.is_set()  # the download was still streaming meanwhile


def test_japanese_search_finds_the_guidelines_transparency_principle(api):
    body = api.get("/api/v1/provisions/", {"q": "透明性", "page_size": 5}).json()
    top = [row["public_id"] for row in body["results"]]
    assert "jp-ai-guidelines-for-business:part_2__sec_c__principle_6" in top
