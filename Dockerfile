# Crosswalk web image: gunicorn serving the Django app; PostgreSQL is external (DATABASE_URL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false

WORKDIR /app

COPY . .

# DEBUG and DATABASE_URL here are for this build step only: settings.py needs a database URL at
# import time (collectstatic never connects) and refuses to start in production without a
# strong SECRET_KEY, which the image must not hold. The real values come at run time.
RUN pip install . \
    && chmod 0755 docker/entrypoint.sh \
    && DEBUG=true DATABASE_URL=postgres://x@localhost/x \
       python manage.py collectstatic --no-input

# Code and collected static files stay root-owned and read-only to the app user.
RUN useradd --system --no-create-home --home-dir /app --shell /usr/sbin/nologin crosswalk
USER crosswalk

EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
