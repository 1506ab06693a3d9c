"""Backups with pg_dump and restores with pg_restore, using the client that matches the server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.db import connections

# Where PostgreSQL client programs live, besides PG_BIN_DIR and PATH: Debian's per-version
# folders, and the embedded server's own binaries (pgserver, PostgreSQL 18).
DEBIAN_BIN = "/usr/lib/postgresql/{major}/bin"


class BackupError(Exception):
    pass


def server_major(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _candidates(program: str, major: int) -> list[Path]:
    folders = []
    if os.environ.get("PG_BIN_DIR"):
        folders.append(Path(os.environ["PG_BIN_DIR"]))
    folders.append(Path(DEBIAN_BIN.format(major=major)))
    try:
        from config.embedded_db import _pgserver

        folders.append(Path(_pgserver()._commands.POSTGRES_BIN_PATH))
    except ImportError:  # pragma: no cover - pgserver is a dependency
        pass
    found = [folder / program for folder in folders]
    on_path = shutil.which(program)
    if on_path:
        found.append(Path(on_path))
    return [path for path in found if path.is_file() and os.access(path, os.X_OK)]


def _major_of(program: Path) -> int | None:
    done = subprocess.run([str(program), "--version"], capture_output=True, text=True)
    match = re.search(r"\) (\d+)", done.stdout)
    return int(match.group(1)) if match else None


def pg_program(program: str, major: int) -> Path:
    """pg_dump or pg_restore of the server's major version: an older client cannot read a newer
    server, and a newer client's archives may not restore with the server's own tools."""
    for path in _candidates(program, major):
        if _major_of(path) == major:
            return path
    raise BackupError(
        f"no {program} for PostgreSQL {major} found (looked in PG_BIN_DIR, "
        f"{DEBIAN_BIN.format(major=major)}, the embedded server's binaries and PATH); "
        f"set PG_BIN_DIR to the folder that holds it"
    )


def _libpq_env(alias: str) -> dict[str, str]:
    """The connection as libpq variables: the password stays out of the process list."""
    settings = connections[alias].settings_dict
    options = settings.get("OPTIONS", {})
    env = dict(os.environ)
    values = {
        "PGHOST": settings.get("HOST") or options.get("host", ""),
        "PGPORT": str(settings.get("PORT") or options.get("port", "")),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
    }
    env.update({name: value for name, value in values.items() if value})
    return env


def database_backup(*, output: Path, alias: str = "default") -> Path:
    """Write the whole database (schema, corpus, curation, history) as a pg_dump custom archive."""
    pg_dump = pg_program("pg_dump", server_major(alias))
    done = subprocess.run(
        [str(pg_dump), "--format=custom", "--no-owner", "--no-privileges", "--file", str(output)],
        env=_libpq_env(alias),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return output


def database_restore(*, archive: Path, alias: str = "default") -> None:
    """Restore an archive into an empty database, all or nothing (one transaction)."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        if cursor.fetchone()[0]:
            raise BackupError(
                "the database is not empty: restore into a new database (createdb), then point "
                "DATABASE_URL at it"
            )
    pg_restore = pg_program("pg_restore", server_major(alias))
    connections[alias].close()  # pg_restore --single-transaction works alone
    done = subprocess.run(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            connections[alias].settings_dict["NAME"],
            str(archive),
        ],
        env=_libpq_env(alias),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
