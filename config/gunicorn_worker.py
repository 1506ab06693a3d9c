"""gunicorn's threaded worker with a timeout on each client socket (config/gunicorn.conf.py)."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.workers.gthread import ThreadWorker


class StreamingThreadWorker(ThreadWorker):
    """A client that neither sends its request nor accepts a chunk of the response within
    CLIENT_TIMEOUT seconds (default 60) loses its connection: gthread alone would wait for it
    forever, holding a thread and a database connection."""

    def init_process(self) -> None:
        raw = os.environ.get("CLIENT_TIMEOUT", "60")
        if not raw.isdigit() or int(raw) < 1:
            raise SystemExit(f"CLIENT_TIMEOUT must be a whole number of seconds ≥ 1, not {raw!r}")
        self.client_timeout = int(raw)
        super().init_process()

    def handle(self, conn: Any) -> Any:
        conn.sock.settimeout(self.client_timeout)
        return super().handle(conn)
