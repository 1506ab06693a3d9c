"""Backup and restore: a pg_dump archive restored into a new database is the same database."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from crosswalk.backup import pg_program, server_major

ROOT = Path(__file__).resolve().parent.parent


def database_url(name: str) -> str:
    """A URL for database `name` on the test database's server."""
    settings = connection.settings_dict
    user, password = settings["USER"] or "", settings["PASSWORD"] or ""
    host = settings["HOST"] or settings["OPTIONS"].get("host", "")
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@/{name}?host={host}"
    return f"postgresql://{user}:{password}@{host}:{settings['PORT'] or 5432}/{name}"


def server(sql: str, database: str | None = None) -> list[tuple]:
    """Run SQL outside the test's transaction (CREATE/DROP DATABASE cannot run inside one)."""
    url = database_url(database or connection.settings_dict["NAME"])
    with psycopg.connect(url.replace("postgresql://", "postgres://"), autocommit=True) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else []


def manage(database: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": database_url(database)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def fingerprint(database: str) -> dict[str, tuple]:
    """Row count and a digest of every row, ordered by key, of the curated tables."""
    tables = {
        "mappings": ("crosswalk_mapping", "id"),
        "history": ("crosswalk_historicalmapping", "history_id"),
        "provisions": ("crosswalk_provision", "id"),
    }
    return {
        label: server(
            f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY {key}), '')) "
            f"FROM {table} t",
            database,
        )[0]
        for label, (table, key) in tables.items()
    }


def test_pg_dump_matches_the_server(db):
    major = server_major()
    for program in ("pg_dump", "pg_restore"):
        done = subprocess.run([str(pg_program(program, major)), "--version"], capture_output=True)
        assert f") {major}." in done.stdout.decode()


def test_backup_restored_into_a_new_database_keeps_corpus_mappings_and_history(db, tmp_path):
    suffix = uuid.uuid4().hex[:8]
    source, copy = f"backup_src_{suffix}", f"backup_copy_{suffix}"
    seed_archive, archive = tmp_path / "corpus.dump", tmp_path / "curated.dump"
    call_command("backup_db", str(seed_archive))  # the test database: the corpus, committed
    try:
        # A curated database: the corpus restored from that archive, then the seed curation
        # (published mappings, each with its draft → review → published history).
        server(f"CREATE DATABASE {source}")
        assert manage(source, "restore_db", str(seed_archive)).returncode == 0
        loaded = manage(source, "load_seed_mappings")
        assert loaded.returncode == 0, loaded.stderr
        assert manage(source, "backup_db", str(archive)).returncode == 0

        server(f"CREATE DATABASE {copy}")
        restored = manage(copy, "restore_db", str(archive))
        assert restored.returncode == 0, restored.stderr
        assert manage(copy, "migrate", "--check").returncode == 0  # nothing left to apply
        verified = manage(copy, "verify_corpus")
        assert verified.returncode == 0, verified.stderr

        original = fingerprint(source)
        assert original["mappings"][0] > 0
        assert original["history"][0] > original["mappings"][0]
        assert fingerprint(copy) == original
    finally:
        for name in (source, copy):
            server(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_restore_refuses_a_database_that_is_not_empty(db, tmp_path):
    archive = tmp_path / "any.dump"
    archive.write_bytes(b"PGDMP")
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore_db", str(archive))
