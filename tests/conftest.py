"""Shared fixtures: the real corpus, loaded once into the test database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

SOURCES = Path(settings.SHARED_SOURCES_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load fixtures/corpus once; each test runs in a transaction rolled back afterwards."""
    with django_db_blocker.unblock():
        call_command("load_corpus", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def api(db) -> APIClient:
    return APIClient()


@pytest.fixture
def sources() -> Path:
    if not (SOURCES / "SOURCES.md").exists():
        pytest.skip(f"instrument sources not found at {SOURCES} (../shared/sources)")
    return SOURCES
