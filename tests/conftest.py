"""Shared fixtures: the real corpus, loaded once into the test database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from rest_framework.test import APIClient

from crosswalk.models import Organisation, PartnerAPIKey

SOURCES = Path(settings.SHARED_SOURCES_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load fixtures/corpus and the topic map once; each test runs in a transaction rolled back
    afterwards."""
    with django_db_blocker.unblock():
        call_command("load_corpus", verbosity=0, stdout=io.StringIO())
        call_command("load_topics", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def partner_key(db) -> str:
    organisation = Organisation.objects.create(name="Test partner agency")
    _, key = PartnerAPIKey.objects.create_key(name="tests", organisation=organisation)
    return key


@pytest.fixture
def api(partner_key) -> APIClient:
    """A partner agency's client: reads published data with its API key."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def staff_api(db) -> APIClient:
    """A curator's or reviewer's session: staff holding the permission to see drafts."""
    client = APIClient()
    user = get_user_model().objects.create_user("staffer", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="crosswalk", codename="view_draft_mapping")
    )
    client.force_authenticate(user)
    return client


@pytest.fixture
def groupless_staff_api(db) -> APIClient:
    """Staff status and nothing else: no group, no permission to see drafts."""
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("bare-staff", is_staff=True))
    return client


@pytest.fixture
def sources() -> Path:
    if not (SOURCES / "SOURCES.md").exists():
        pytest.skip(f"instrument sources not found at {SOURCES} (../shared/sources)")
    return SOURCES
