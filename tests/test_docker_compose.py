"""Static checks on docker-compose.yml, the Dockerfile and the container entrypoint."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def _services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def _healthcheck_command(service: dict) -> str:
    test = service["healthcheck"]["test"]
    return " ".join(test) if isinstance(test, list) else test


def test_compose_defines_db_and_web():
    services = _services()
    assert "db" in services
    assert "web" in services


def test_db_is_postgres_with_healthcheck():
    db = _services()["db"]
    assert db["image"].startswith("postgres")
    assert "pg_isready" in _healthcheck_command(db)


def test_web_builds_here_and_waits_for_healthy_db():
    web = _services()["web"]
    assert web["build"] == "."
    assert web["depends_on"]["db"]["condition"] == "service_healthy"


def test_web_database_url_points_at_db_service():
    database_url = _services()["web"]["environment"]["DATABASE_URL"]
    assert database_url.startswith("postgres://")
    assert "@db:" in database_url


def test_web_healthcheck_hits_healthz_and_exposes_port_8000():
    web = _services()["web"]
    assert "/healthz" in _healthcheck_command(web)
    assert any(str(port).split(":")[-1] == "8000" for port in web["ports"])


def test_dockerfile_uses_entrypoint_script():
    assert DOCKERFILE.is_file()
    assert "docker/entrypoint.sh" in DOCKERFILE.read_text(encoding="utf-8")


def test_entrypoint_migrates_loads_corpus_and_runs_gunicorn():
    script = ENTRYPOINT.read_text(encoding="utf-8")
    assert "manage.py migrate" in script
    assert "manage.py load_corpus" in script
    assert script.index("manage.py load_corpus") < script.index("manage.py load_topics")
    assert "exec gunicorn config.wsgi:application" in script
    assert os.access(ENTRYPOINT, os.X_OK)


def test_redis_is_wired_for_the_shared_rate_limit_counters():
    services = _services()
    assert services["redis"]["image"].startswith("redis")
    assert "ping" in _healthcheck_command(services["redis"])
    web = services["web"]
    assert web["environment"]["REDIS_URL"].startswith("redis://redis:")
    assert web["depends_on"]["redis"]["condition"] == "service_healthy"


def test_entrypoint_creates_the_cache_table_and_uses_the_gunicorn_config():
    script = ENTRYPOINT.read_text(encoding="utf-8")
    assert "manage.py createcachetable" in script
    assert "--config config/gunicorn.conf.py" in script


# Every variable the service reads, found in its code, and documented in .env.example.
READS = [
    re.compile(r'env_\w+\(\s*"([A-Z][A-Z0-9_]+)"'),
    re.compile(r"environ(?:\.get)?[(\[]\s*[\"']([A-Z][A-Z0-9_]+)[\"']"),
    re.compile(r"\$\{([A-Z][A-Z0-9_]+)"),
]
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE", "DJANGO_SUPERUSER_PASSWORD"}


def test_env_example_documents_every_variable_read():
    sources = [*ROOT.glob("config/*.py"), *ROOT.glob("crosswalk/**/*.py"), ENTRYPOINT]
    read = {
        name
        for path in sources
        for pattern in READS
        for name in pattern.findall(path.read_text(encoding="utf-8"))
    } - NOT_CONFIGURATION
    documented = set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY"} <= read
    assert read - documented == set()
