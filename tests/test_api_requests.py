"""What a partner's engineer sends that the API must refuse or limit: conflicting days, unknown
slugs, the wrong paging parameter, expired keys and spoofed client addresses."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crosswalk.api.throttling import PublicReadThrottle
from crosswalk.models import Organisation, PartnerAPIKey
from tests.factories import mapping


def error(response) -> dict:
    assert response["Content-Type"] == "application/json", response.content
    return response.json()["error"]


# Item 10: as_of and in_force_on together ----------------------------------------------------

BOTH_DAYS = {"as_of": "2025-06-01", "in_force_on": "2025-06-01"}
CONFLICT = "Give as_of or in_force_on, not both: each chooses the day's provisions."


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/provisions/",
        "/api/v1/provisions/eu-ai-act:art_4/",
        "/api/v1/exports/provisions.csv",
    ],
)
def test_as_of_with_in_force_on_is_a_400_naming_the_conflict(api, path):
    response = api.get(path, {"instrument": "eu-ai-act", **BOTH_DAYS})
    assert response.status_code == 400
    assert error(response) == {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "fields": {"as_of": [CONFLICT], "in_force_on": [CONFLICT]},
    }


def test_missing_provision_detail_is_a_404_with_the_not_found_code(api):
    response = api.get("/api/v1/provisions/eu-ai-act:art_4/", {"as_of": "2024-01-01"})
    assert response.status_code == 404
    assert error(response) == {
        "status": 404,
        "code": "not_found",
        "detail": "Not found.",
        "fields": {},
    }


# Item 15: unknown slugs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field", "message"),
    [
        (
            "/api/v1/provisions/",
            {"instrument": "no-such-act"},
            "instrument",
            "instrument",
        ),
        ("/api/v1/provisions/", {"jurisdiction": "XX"}, "jurisdiction", "jurisdiction"),
        ("/api/v1/provisions/", {"topic": "no-such-topic"}, "topic", "topic"),
        ("/api/v1/provisions/", {"parent": "eu-ai-act:art_999"}, "parent", "provision"),
        ("/api/v1/instruments/", {"jurisdiction": "XX"}, "jurisdiction", "jurisdiction"),
        ("/api/v1/mappings/", {"instrument": "no-such-act"}, "instrument", "instrument"),
        ("/api/v1/mappings/", {"source_instrument": "nope"}, "source_instrument", "instrument"),
        ("/api/v1/mappings/", {"target_instrument": "nope"}, "target_instrument", "instrument"),
        ("/api/v1/mappings/", {"provision": "eu-ai-act:art_999"}, "provision", "provision"),
        ("/api/v1/mappings/", {"topic": "no-such-topic"}, "topic", "topic"),
        ("/api/v1/crosswalk/", {"source": "nope", "target": "eu-ai-act"}, "source", "instrument"),
        ("/api/v1/coverage/", {"source": "eu-ai-act", "target": "nope"}, "target", "instrument"),
        (
            "/api/v1/exports/mappings.oscal.json",
            {"source": "nope", "target": "eu-ai-act"},
            "source",
            "instrument",
        ),
        ("/api/v1/exports/provisions.csv", {"instrument": "nope"}, "instrument", "instrument"),
        ("/api/v1/exports/mappings.csv", {"instrument": "nope"}, "instrument", "instrument"),
    ],
)
def test_unknown_slug_is_a_400_naming_the_parameter_everywhere(api, path, params, field, message):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    body = error(response)
    assert body["code"] == "invalid"
    value = params[field]
    key = {"jurisdiction": "code", "provision": "public id"}.get(message, "slug")
    assert body["fields"] == {field: [f"No {message} has the {key} “{value}”."]}


def test_known_slugs_still_filter(api):
    mapping("jp-ai-promotion-act:art_1", "eu-ai-act:art_1")
    rows = api.get("/api/v1/provisions/", {"parent": "eu-ai-act:art_5", "page_size": 100})
    assert rows.status_code == 200
    assert {row["parent"] for row in rows.json()["results"]} == {"eu-ai-act:art_5"}
    assert api.get("/api/v1/provisions/", {"jurisdiction": "KR"}).json()["count"] > 300
    both = api.get("/api/v1/mappings/", {"provision": "eu-ai-act:art_1"}).json()["results"]
    assert [m["source"]["public_id"] for m in both] == ["jp-ai-promotion-act:art_1"]


# Item 16: the wrong paging parameter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field", "message"),
    [
        (
            "/api/v1/mappings/",
            {"page": "2"},
            "page",
            "This list pages by cursor: follow the `next` link; `page_size` sets the size.",
        ),
        (
            "/api/v1/provisions/",
            {"cursor": "abc"},
            "cursor",
            "This list pages by number: use `page` and `page_size`.",
        ),
        (
            "/api/v1/instruments/",
            {"cursor": "abc"},
            "cursor",
            "This list pages by number: use `page` and `page_size`.",
        ),
        (
            "/api/v1/exports/mappings.csv",
            {"page_size": "10"},
            "page_size",
            "Not paged: the response holds every matching row.",
        ),
    ],
)
def test_wrong_paging_parameter_is_a_400(api, path, params, field, message):
    response = api.get(path, params)
    assert response.status_code == 400
    assert error(response)["fields"] == {field: [message]}


def test_next_link_carries_only_the_cursor(api):
    for target in ("eu-ai-act:art_1", "eu-ai-act:art_2", "eu-ai-act:art_3"):
        mapping("jp-ai-promotion-act:art_1", target)
    body = api.get("/api/v1/mappings/", {"page_size": 2}).json()
    assert "cursor=" in body["next"] and "page=" not in body["next"]


# Item 11: expired keys -----------------------------------------------------------------------


def test_expired_key_is_a_401(anonymous):
    organisation = Organisation.objects.create(name="Agency with an old key")
    _, expired = PartnerAPIKey.objects.create_key(
        name="old",
        organisation=organisation,
        expiry_date=timezone.now() - datetime.timedelta(days=30),
    )
    _, current = PartnerAPIKey.objects.create_key(
        name="current",
        organisation=organisation,
        expiry_date=timezone.now() + datetime.timedelta(days=30),
    )
    anonymous.credentials(HTTP_AUTHORIZATION=f"Api-Key {expired}")
    response = anonymous.get("/api/v1/instruments/")
    assert response.status_code == 401
    assert error(response)["code"] == "authentication_failed"
    assert PartnerAPIKey.objects.get_from_key(expired).last_used_at is None
    anonymous.credentials(HTTP_AUTHORIZATION=f"Api-Key {current}")
    assert anonymous.get("/api/v1/instruments/").status_code == 200


# Item 12: the anonymous limit and X-Forwarded-For --------------------------------------------


@pytest.fixture
def public_limit(db, settings, monkeypatch):
    """Public read on, two anonymous requests a minute, fresh counters."""
    settings.PUBLIC_READ = True
    monkeypatch.setattr(PublicReadThrottle, "THROTTLE_RATES", {"public": "2/minute"})
    PublicReadThrottle.cache.clear()
    yield settings
    PublicReadThrottle.cache.clear()


def proxies(settings, count: int) -> None:
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}


def test_spoofed_forwarded_for_does_not_reset_the_anonymous_limit(public_limit):
    """With the default configuration (NUM_PROXIES unset in the environment: no proxy)."""
    assert public_limit.REST_FRAMEWORK["NUM_PROXIES"] == 0
    client = APIClient()
    statuses = [
        client.get("/api/v1/jurisdictions/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 429, 429]


def test_behind_one_proxy_the_client_is_the_address_the_proxy_saw(public_limit):
    proxies(public_limit, 1)
    client = APIClient()

    def get(forwarded: str) -> int:
        return client.get("/api/v1/jurisdictions/", HTTP_X_FORWARDED_FOR=forwarded).status_code

    # Whatever a client writes in front, the proxy appends the address it saw.
    assert [get(f"198.51.100.{n}, 203.0.113.7") for n in range(3)] == [200, 200, 429]
    assert get("203.0.113.8") == 200  # another client, its own budget
