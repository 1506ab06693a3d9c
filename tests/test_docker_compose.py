"""Static checks on docker-compose.yml, the Dockerfile and the container entrypoint."""

from __future__ import annotations

import os
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
