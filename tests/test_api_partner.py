"""The partner API through HTTP: access, visibility, paging, caching, search, crosswalk, docs."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from crosswalk.api.throttling import PartnerKeyThrottle
from crosswalk.models import Mapping, Organisation, PartnerAPIKey, Provision
from tests.factories import mapping

JP_ART_1 = "jp-ai-promotion-act:art_1"
EU_ART_1 = "eu-ai-act:art_1"
EU_ART_4 = "eu-ai-act:art_4"
G7_ACTION_1 = "g7-hiroshima-code-of-conduct:action_1"
KR_ART_1 = "kr-ai-framework-act:art_1"


# Access --------------------------------------------------------------------------------------


def test_no_key_is_a_401_naming_the_scheme(anonymous):
    response = anonymous.get("/api/v1/instruments/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_wrong_and_revoked_keys_are_401(anonymous, partner_key):
    anonymous.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert anonymous.get("/api/v1/instruments/").status_code == 401
    key = PartnerAPIKey.objects.get_from_key(partner_key)
    key.revoked = True
    key.save()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key}")
    response = anonymous.get("/api/v1/instruments/")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["detail"]


def test_key_records_its_last_use(api, partner_key):
    assert PartnerAPIKey.objects.get_from_key(partner_key).last_used_at is None
    assert api.get("/api/v1/instruments/").status_code == 200
    assert PartnerAPIKey.objects.get_from_key(partner_key).last_used_at is not None


def test_public_read_only_when_enabled(anonymous, settings):
    mapping(JP_ART_1, EU_ART_1)
    mapping(JP_ART_1, EU_ART_4, status="draft")
    settings.PUBLIC_READ = True
    body = anonymous.get("/api/v1/mappings/").json()
    assert [m["status"] for m in body["results"]] == ["published"]
    assert anonymous.post("/api/v1/mappings/", {}).status_code == 405


def test_drafts_for_staff_only(api, staff_api):
    mapping(JP_ART_1, EU_ART_1)
    draft = mapping(JP_ART_1, EU_ART_4, status="draft")
    assert [m["id"] for m in api.get("/api/v1/mappings/").json()["results"]] != [draft.pk]
    assert len(api.get("/api/v1/mappings/").json()["results"]) == 1
    assert api.get(f"/api/v1/mappings/{draft.pk}/").status_code == 404
    assert len(staff_api.get("/api/v1/mappings/").json()["results"]) == 2
    assert staff_api.get(f"/api/v1/mappings/{draft.pk}/").status_code == 200


def test_throttled_per_key_with_retry_after(api, monkeypatch):
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner": "2/minute"})
    assert api.get("/api/v1/jurisdictions/").status_code == 200
    assert api.get("/api/v1/jurisdictions/").status_code == 200
    response = api.get("/api/v1/jurisdictions/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
    other = Organisation.objects.create(name="Other agency")
    _, key = PartnerAPIKey.objects.create_key(name="other", organisation=other)
    fresh = APIClient()
    fresh.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert fresh.get("/api/v1/jurisdictions/").status_code == 200  # its own budget


# Resources -----------------------------------------------------------------------------------


def test_mapping_whole_object(api):
    made = mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=5)
    body = api.get(f"/api/v1/mappings/{made.pk}/").json()
    assert body == {
        "id": made.pk,
        "source": {
            "public_id": JP_ART_1,
            "citation": "Article 1",
            "instrument": "jp-ai-promotion-act",
            "heading": "(Purpose)",
        },
        "target": {
            "public_id": EU_ART_1,
            "citation": "Article 1",
            "instrument": "eu-ai-act",
            "heading": "Subject matter'",
        },
        "relationship": "intersects_with",
        "strength": 5,
        "rationale_type": "semantic",
        "rationale": "Test mapping.",
        "status": "published",
        "provenance": "curated",
        "published_at": made.published_at.isoformat().replace("+00:00", "Z"),
        "updated_at": made.updated_at.isoformat().replace("+00:00", "Z"),
        "version": 1,
        "text_changed": False,
    }


def test_details_by_natural_key_and_numeric_id(api):
    provision = Provision.objects.get(public_id=EU_ART_4)
    assert api.get(f"/api/v1/provisions/{provision.pk}/").json()["public_id"] == EU_ART_4
    instrument_id = api.get("/api/v1/instruments/eu-ai-act/").json()["id"]
    assert api.get(f"/api/v1/instruments/{instrument_id}/").json()["slug"] == "eu-ai-act"
    assert api.get("/api/v1/jurisdictions/JP/").json() == {"code": "JP", "name": "Japan"}
    assert api.get("/api/v1/instruments/99999999999999999999999/").status_code == 404


def test_unknown_route_is_a_json_404(api):
    response = api.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# Filters -------------------------------------------------------------------------------------


def test_mapping_filters(api):
    mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=4)
    mapping(KR_ART_1, EU_ART_1, "subset_of", strength=8)
    mapping(G7_ACTION_1, EU_ART_4, "not_related", strength=2)

    def ids(**params):
        return sorted(
            (m["source"]["public_id"], m["target"]["public_id"])
            for m in api.get("/api/v1/mappings/", params).json()["results"]
        )

    assert ids(relationship="subset_of") == [(KR_ART_1, EU_ART_1)]
    assert ids(strength_min=4, strength_max=5) == [(JP_ART_1, EU_ART_1)]
    assert ids(source_instrument="g7-hiroshima-code-of-conduct") == [(G7_ACTION_1, EU_ART_4)]
    assert len(ids(target_instrument="eu-ai-act")) == 3
    assert ids(instrument="kr-ai-framework-act") == [(KR_ART_1, EU_ART_1)]
    assert len(ids(provision=EU_ART_1)) == 2
    assert ids(updated_since=timezone.now().isoformat()) == []


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/provisions/", {"as_of": "yesterday"}, "as_of"),
        ("/api/v1/provisions/", {"in_force_on": "2026-13-01"}, "in_force_on"),
        ("/api/v1/provisions/", {"updated_since": "soon"}, "updated_since"),
        ("/api/v1/provisions/", {"updated_since": "2026-01-01T00:00:00+17:00"}, "updated_since"),
        ("/api/v1/provisions/", {"type": "law"}, "type"),
        ("/api/v1/provisions/", {"legal_force": "strong"}, "legal_force"),
        ("/api/v1/provisions/", {"status": "alive"}, "status"),
        ("/api/v1/provisions/", {"ordering": "text"}, "ordering"),
        ("/api/v1/provisions/", {"q": ""}, "q"),
        ("/api/v1/provisions/", {"citation": "Article\x004"}, "citation"),
        ("/api/v1/provisions/", {"page": "zero"}, "page"),
        ("/api/v1/provisions/", {"page_size": "501"}, "page_size"),
        ("/api/v1/instruments/", {"status": "sleeping"}, "status"),
        ("/api/v1/instruments/", {"type": "poem"}, "type"),
        ("/api/v1/mappings/", {"relationship": "same"}, "relationship"),
        ("/api/v1/mappings/", {"strength_min": "0"}, "strength_min"),
        ("/api/v1/mappings/", {"strength_max": "eleven"}, "strength_max"),
        ("/api/v1/mappings/", {"rationale_type": "vibes"}, "rationale_type"),
        ("/api/v1/mappings/", {"status": "secret"}, "status"),
        ("/api/v1/mappings/", {"as_of": "2026-02-30"}, "as_of"),
        ("/api/v1/mappings/", {"cursor": "garbage"}, "cursor"),
        ("/api/v1/mappings/", {"colour": "red"}, "colour"),
        ("/api/v1/crosswalk/", {"source": "eu-ai-act"}, "target"),
        ("/api/v1/crosswalk/", {"source": "eu-ai-act", "target": "nope"}, "target"),
        ("/api/v1/crosswalk/", {"source": "eu-ai-act", "target": "eu-ai-act"}, "target"),
        (
            "/api/v1/crosswalk/",
            {"source": "eu-ai-act", "target": "jp-ai-promotion-act", "max_depth": "9"},
            "max_depth",
        ),  # noqa: E501
        (
            "/api/v1/coverage/",
            {"source": "eu-ai-act", "target": "kr-ai-framework-act", "as_of": "x"},
            "as_of",
        ),  # noqa: E501
    ],
)
def test_bad_values_are_400_with_field_messages(api, path, params, field):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["status"] == 400 and error["code"] == "invalid"
    assert field in error["fields"], error
    assert all(isinstance(message, str) for message in error["fields"][field])


# Search --------------------------------------------------------------------------------------


def test_q_ranks_english_full_text(api):
    body = api.get("/api/v1/provisions/", {"q": "AI literacy", "instrument": "eu-ai-act"}).json()
    top = [row["public_id"] for row in body["results"][:5]]
    assert EU_ART_4 in top


@pytest.mark.parametrize(
    ("query", "instruments"),
    [
        ("人工知能関連技術", {"jp-ai-promotion-act"}),
        ("고영향 인공지능", {"kr-ai-framework-act", "kr-ai-framework-act-decree"}),
    ],
)
def test_q_finds_japanese_and_korean_text(api, query, instruments):
    body = api.get("/api/v1/provisions/", {"q": query}).json()
    assert body["count"] > 0
    assert {row["instrument"] for row in body["results"]} == instruments
    assert all(
        query in row["text_original"] or query in row["heading_original"] for row in body["results"]
    )


# Paging and caching --------------------------------------------------------------------------


def test_page_number_paging_with_link_header(api):
    response = api.get("/api/v1/provisions/", {"instrument": "eu-ai-act", "page_size": 10})
    assert len(response.json()["results"]) == 10
    assert 'rel="next"' in response["Link"]
    assert "page=2" in response["Link"]


def test_cursor_paging_for_mappings(api):
    for target in ("eu-ai-act:art_1", "eu-ai-act:art_2", "eu-ai-act:art_3"):
        mapping(JP_ART_1, target)
    first = api.get("/api/v1/mappings/", {"page_size": 2})
    assert len(first.json()["results"]) == 2
    assert 'rel="next"' in first["Link"]
    second = api.get(first.json()["next"])
    assert len(second.json()["results"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/provisions/?instrument=oecd-ai-recommendation",
        "/api/v1/provisions/eu-ai-act:art_4/",
        "/api/v1/mappings/",
        "/api/v1/crosswalk/?source=jp-ai-promotion-act&target=eu-ai-act",
        "/api/v1/coverage/?source=jp-ai-promotion-act&target=eu-ai-act",
    ],
)
def test_etag_and_last_modified_answer_304_until_the_data_changes(api, path):
    mapping(JP_ART_1, EU_ART_1)
    first = api.get(path)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert api.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.get(path, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    Provision.objects.filter(public_id__in=[EU_ART_4, "oecd-ai-recommendation:preamble"]).update(
        updated_at=timezone.now()
    )
    Mapping.objects.update(strength=9, updated_at=timezone.now())
    changed = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


@pytest.mark.parametrize(
    ("path", "count"),
    [
        ("/api/v1/provisions/?as_of=2026-09-01&include=texts", 7),
        ("/api/v1/provisions/?q=risk", 6),
        ("/api/v1/instruments/", 5),
        ("/api/v1/mappings/", 5),
        ("/api/v1/jurisdictions/", 5),
        ("/api/v1/topics/", 5),
    ],
)
def test_list_queries_do_not_grow_with_page_size(api, django_assert_max_num_queries, path, count):
    for target in ("eu-ai-act:art_1", "eu-ai-act:art_2", "eu-ai-act:art_3", "eu-ai-act:art_4"):
        mapping(JP_ART_1, target)
    api.get(path)  # the key's last use is recorded once a minute: keep it out of the count
    for size in (10, 100):
        separator = "&" if "?" in path else "?"
        with django_assert_max_num_queries(count):
            assert api.get(f"{path}{separator}page_size={size}").status_code == 200


# Crosswalk and coverage ----------------------------------------------------------------------


def test_crosswalk_reads_from_the_source_side_with_inverse_relationships(api):
    stored = mapping(EU_ART_4, "jp-ai-promotion-act:art_15", "superset_of", strength=6)
    mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=5)
    body = api.get(
        "/api/v1/crosswalk/", {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}
    ).json()
    rows = {row["provision"]["public_id"]: row for row in body["results"]}
    assert len(rows) == 85
    assert rows["jp-ai-promotion-act:art_15"]["mappings"] == [
        {
            "target": {"public_id": EU_ART_4, "citation": "Article 4", "heading": "AI literacy"},
            "relationship": "subset_of",
            "strength": 6,
            "mapping_id": stored.pk,
            "direction": "inverse",
            "status": "published",
        }
    ]
    assert rows[JP_ART_1]["mappings"][0]["direction"] == "stored"
    assert body["summary"] == {
        "source_provisions": 85,
        "mapped": 2,
        "unmapped": 83,
        "share_mapped": round(2 / 85, 4),
        "by_relationship": {"intersects_with": 1, "subset_of": 1},
    }


def test_crosswalk_derives_mappings_with_path_and_weakest_strength(api):
    # JP Art 1 = G7 Action 1 (test fixture, not a claim), G7 Action 1 subset_of EU Art 9
    mapping(JP_ART_1, G7_ACTION_1, "equal", strength=9)
    mapping(G7_ACTION_1, "eu-ai-act:art_9", "subset_of", strength=4)
    mapping("eu-ai-act:art_15", G7_ACTION_1, "superset_of", strength=7)  # Action 1 ⊂ Art 15
    mapping(KR_ART_1, G7_ACTION_1, "intersects_with", strength=3)
    mapping(KR_ART_1, "eu-ai-act:art_10", "intersects_with", strength=2)
    body = api.get(
        "/api/v1/crosswalk/",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act", "derived": "true"},
    ).json()
    row = next(r for r in body["results"] if r["provision"]["public_id"] == JP_ART_1)
    derived = {d["target"]["public_id"]: d for d in row["derived"]}
    assert derived["eu-ai-act:art_9"] == {
        "target": {
            "public_id": "eu-ai-act:art_9",
            "citation": "Article 9",
            "heading": "Risk management system",
        },
        "relationship": "subset_of",
        "strength": 4,
        "path": [G7_ACTION_1],
    }
    assert derived["eu-ai-act:art_15"]["relationship"] == "subset_of"
    # equal∘intersects∘intersects proves nothing: Art 10 is reachable in 3 hops but not derived
    assert "eu-ai-act:art_10" not in derived
    assert body["summary"]["derived"] == 2
    deeper = api.get(
        "/api/v1/crosswalk/",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act", "derived": "true", "max_depth": 3},
    ).json()
    row = next(r for r in deeper["results"] if r["provision"]["public_id"] == JP_ART_1)
    assert "eu-ai-act:art_10" not in {d["target"]["public_id"] for d in row["derived"]}


def test_derived_ignores_drafts_and_curated_pairs_win(api, staff_api):
    mapping(JP_ART_1, G7_ACTION_1, "equal", strength=9)
    mapping(G7_ACTION_1, "eu-ai-act:art_9", "subset_of", strength=4, status="draft")
    body = staff_api.get(
        "/api/v1/crosswalk/",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act", "derived": "true"},
    ).json()
    row = next(r for r in body["results"] if r["provision"]["public_id"] == JP_ART_1)
    assert row["derived"] == []


def test_coverage_counts_and_gaps(api):
    mapping(JP_ART_1, EU_ART_1, "intersects_with")
    mapping(EU_ART_4, "jp-ai-promotion-act:art_15", "superset_of")
    mapping("jp-ai-promotion-act:art_2", "eu-ai-act:art_99", "not_related")
    body = api.get(
        "/api/v1/coverage/", {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}
    ).json()
    assert body["by_relationship"] == {"intersects_with": 1, "not_related": 1, "subset_of": 1}
    assert body["mappings"] == 3
    assert body["source"]["provisions"] == 85
    assert body["source"]["mapped"] == 2  # not_related records a check, not coverage
    unmapped = {p["public_id"] for p in body["source"]["unmapped"]}
    assert JP_ART_1 not in unmapped and "jp-ai-promotion-act:art_2" in unmapped
    assert body["target"]["mapped"] == 2
    assert len(body["target"]["unmapped"]) == 1658 - 2


def test_crosswalk_as_of_limits_provisions(api):
    body = api.get(
        "/api/v1/crosswalk/",
        {"source": "kr-ai-framework-act", "target": "eu-ai-act", "as_of": "2026-03-01"},
    ).json()
    assert body["summary"]["source_provisions"] < 429
    assert body["as_of"] == "2026-03-01"


# Documentation -------------------------------------------------------------------------------


def test_schema_and_docs_are_served_without_a_cdn(anonymous):
    schema = anonymous.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    body = schema.json()
    assert "PartnerAPIKey" in body["components"]["securitySchemes"]
    parameters = {p["name"] for p in body["paths"]["/api/v1/provisions/"]["get"]["parameters"]}
    assert {"as_of", "in_force_on", "q", "updated_since", "ordering", "topic"} <= parameters
    assert "400" in body["paths"]["/api/v1/crosswalk/"]["get"]["responses"]
    for page in ("/api/docs/", "/api/redoc/"):
        response = anonymous.get(page)
        assert response.status_code == 200
        html = response.content.decode()
        assert "cdn." not in html and "/static/drf_spectacular_sidecar/" in html


def test_create_api_key_command_prints_a_working_key(anonymous):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_key", "Ministry of Examples", stdout=out)
    key = out.getvalue().strip()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert anonymous.get("/api/v1/instruments/").status_code == 200
    stored = PartnerAPIKey.objects.get_from_key(key)
    assert stored.organisation.name == "Ministry of Examples"
    assert key not in stored.hashed_key


def test_throttle_counters_live_in_redis_when_configured(api, monkeypatch, settings):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url)
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    monkeypatch.setattr(PartnerKeyThrottle, "THROTTLE_RATES", {"partner": "1/minute"})
    assert api.get("/api/v1/jurisdictions/").status_code == 200
    assert api.get("/api/v1/jurisdictions/").status_code == 429
    assert list(client.scan_iter("*throttle_partner_*"))
    client.flushdb()


def test_admin_creates_a_key_for_an_organisation_shown_once(client, admin_user, anonymous):
    organisation = Organisation.objects.create(name="Agency in the admin")
    client.force_login(admin_user)
    response = client.post(
        "/admin/crosswalk/partnerapikey/add/",
        {"name": "production", "organisation": organisation.pk},
        follow=True,
    )
    message = " ".join(str(m) for m in response.context["messages"])
    key = message.split("The API key for production is: ")[1].split(". Please")[0]
    stored = PartnerAPIKey.objects.get(organisation=organisation)
    assert key not in stored.hashed_key
    anonymous.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert anonymous.get("/api/v1/instruments/").status_code == 200
    page = client.get(f"/admin/crosswalk/partnerapikey/{stored.pk}/change/").content.decode()
    assert key not in page  # shown once only
