#!/bin/sh
# Container start: wait for PostgreSQL, migrate, load the corpus, then exec gunicorn.
#
# Static files: admin CSS/JS are collected into /app/staticfiles at image build time, but with
# DEBUG off neither Django nor gunicorn serves /static/. Put a reverse proxy in front that serves
# /app/staticfiles at /static/ if the admin needs its styling. The JSON API and /healthz need none.
set -eu
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?DATABASE_URL must be set (postgres://user:password@host:5432/name)}"

echo "entrypoint: waiting for the database (up to ${DB_WAIT_TIMEOUT:-60}s)"
python - <<'PY'
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection
from django.db.utils import OperationalError

deadline = time.monotonic() + float(os.environ.get("DB_WAIT_TIMEOUT", "60"))
while True:
    try:
        connection.ensure_connection()
    except OperationalError as exc:
        connection.close()
        if time.monotonic() >= deadline:
            print(f"entrypoint: database not reachable: {exc}", file=sys.stderr)
            sys.exit(1)
        time.sleep(1)
    else:
        connection.close()
        break
PY

python manage.py migrate --no-input
python manage.py load_corpus

exec gunicorn config.wsgi:application \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-3}" \
    --access-logfile -
