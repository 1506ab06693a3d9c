"""Embedded PostgreSQL for machines without a database server (used when DATABASE_URL is unset)."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("EMBEDDED_PGDATA", BASE_DIR / ".pgdata"))


def _pgserver():  # imported late: settings with DATABASE_URL set never need it
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, containers); harmless here.
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def embedded_database_url() -> str:
    """Start (or reuse) the embedded server and return its URL.

    The server outlives this process (cleanup_mode=None) so that `make run`, `manage.py` and the
    test suite share one data folder; `python -m config.embedded_db stop` stops it cleanly.
    """
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = _pgserver().get_server(DATA_DIR, cleanup_mode=None)
    return server.get_uri()


def stop(mode: str = "fast") -> None:
    """Stop the embedded server if it runs: pg_ctl stop, `fast` (clean) or `immediate` (as in a
    crash: no shutdown checkpoint, recovery at the next start)."""
    import subprocess

    if not (DATA_DIR / "postmaster.pid").exists():
        return
    user = ["runuser", "-u", "pgserver", "--"] if os.geteuid() == 0 else []
    subprocess.run(
        [
            *user,
            str(_pgserver()._commands.POSTGRES_BIN_PATH / "pg_ctl"),
            "-D",
            str(DATA_DIR),
            "-m",
            mode,
            "-w",
            "stop",
        ],
        check=False,
        capture_output=True,
    )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(embedded_database_url())
    elif command == "stop":
        stop("immediate" if "--immediate" in sys.argv[2:] else "fast")
    else:
        sys.exit(f"usage: python -m config.embedded_db [url|stop [--immediate]], not {command!r}")
