#!/bin/sh
# Container start: wait for PostgreSQL, migrate, load the corpus, the topic map and the seed
# curation, create the curator/reviewer groups, then exec gunicorn. Static files (collected
# into /app/staticfiles at build time) are served by WhiteNoise.
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
# The rate-limit counters live in this table when REDIS_URL is unset (no-op otherwise).
python manage.py createcachetable
python manage.py load_corpus
python manage.py load_topics
python manage.py load_seed_mappings
python manage.py setup_roles

# Bind address, workers (WEB_CONCURRENCY, default 3) and request limits: config/gunicorn.conf.py.
exec gunicorn config.wsgi:application --config config/gunicorn.conf.py
