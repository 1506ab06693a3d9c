"""The first read API, the health check and the admin pages, through HTTP."""

from __future__ import annotations

import io
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import OperationalError

from crosswalk.models import Provision


def test_instruments_list_has_the_whole_corpus(api):
    response = api.get("/api/v1/instruments/", {"page_size": 50})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 21
    slugs = {row["slug"] for row in body["results"]}
    assert {"eu-ai-act", "jp-ai-promotion-act", "kr-ai-framework-act", "us-eo-14434"} <= slugs
    assert "kr-ai-framework-act-decree" in slugs


def test_instrument_filters(api):
    body = api.get("/api/v1/instruments/", {"jurisdiction": "US", "type": "executive_order"}).json()
    assert body["count"] == 12
    assert api.get("/api/v1/instruments/", {"status": "revoked"}).json()["results"][0]["slug"] == (
        "us-eo-14110"
    )


def test_provision_by_instrument_and_citation_whole_object(api):
    body = api.get(
        "/api/v1/provisions/", {"instrument": "jp-ai-promotion-act", "citation": "Article 1"}
    ).json()
    assert body["count"] == 1
    row = body["results"][0]
    db_row = Provision.objects.get(public_id="jp-ai-promotion-act:art_1")
    assert row == {
        "id": db_row.pk,
        "public_id": "jp-ai-promotion-act:art_1",
        "instrument": "jp-ai-promotion-act",
        "citation": "Article 1",
        "eid": "art_1",
        "kind": "article",
        "label": "Article 1",
        "label_original": "第一条",
        "heading": "(Purpose)",
        "text": db_row.text,
        "heading_original": "（目的）",
        "text_original": db_row.text_original,
        "original_language": "ja",
        "translation_note": "",
        "footnotes": [],
        "parent": "jp-ai-promotion-act:chp_1",
        "position": 2,
        "status": "in_force",
        "in_force_from": "2025-06-04",
        "in_force_until": None,
        "end_reason": "",
        "ended_by": None,
        "end_note": "",
        "applies_from": "2025-06-04",
        "applies_until": None,
        "application_dates": [],
        "application_note": "",
        "updated_at": db_row.updated_at.isoformat().replace("+00:00", "Z"),
        "texts": None,
        "references": None,
        "referenced_by": None,
        "topics": None,
        "procedural": False,
    }
    assert row["text"].startswith("The purpose of this Act is")
    assert row["text_original"].startswith("この法律は")


def test_provision_detail_by_public_id(api):
    response = api.get("/api/v1/provisions/eu-ai-act:art_5__para_1__point_a/")
    assert response.status_code == 200
    assert response.json()["citation"] == "Article 5(1)(a)"
    assert api.get("/api/v1/provisions/eu-ai-act:art_999/").status_code == 404


def test_unknown_parameter_is_a_400_naming_the_allowed_ones(api):
    response = api.get("/api/v1/provisions/", {"instrumnet": "eu-ai-act"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert "instrumnet" in error["fields"]
    assert "as_of" in error["fields"]["instrumnet"][0]


DATE_PARAMETERS = [
    ("/api/v1/provisions/", {}, "as_of"),
    ("/api/v1/provisions/", {}, "in_force_on"),
    ("/api/v1/provisions/eu-ai-act:art_4/", {}, "as_of"),
    ("/api/v1/mappings/", {}, "as_of"),
    ("/api/v1/crosswalk/", {"source": "eu-ai-act", "target": "jp-ai-promotion-act"}, "as_of"),
    ("/api/v1/coverage/", {"source": "eu-ai-act", "target": "jp-ai-promotion-act"}, "as_of"),
    (
        "/api/v1/exports/mappings.oscal.json",
        {"source": "eu-ai-act", "target": "jp-ai-promotion-act"},
        "as_of",
    ),
    ("/api/v1/exports/provisions.csv", {}, "in_force_on"),
    ("/api/v1/exports/mappings.csv", {}, "as_of"),
]


@pytest.mark.parametrize(("path", "params", "param"), DATE_PARAMETERS)
def test_dates_are_iso_yyyy_mm_dd_only(api, path, params, param):
    """Item 14: `01/06/2025` is not 6 January, and "1 June 2025" is not a date here."""
    for value in ("2026-02-30", "01/06/2025", "1 June 2025", "20250601", "2025-W22-1", "2025-6-1"):
        response = api.get(path, {**params, param: value})
        assert response.status_code == 400, (value, response.content)
        assert response.json() == {
            "error": {
                "status": 400,
                "code": "invalid",
                "detail": "Invalid input.",
                "fields": {param: ["Enter a valid date as YYYY-MM-DD."]},
            }
        }, value
    assert api.get(path, {**params, param: "2026-06-01"}).status_code in (200, 404)


def test_export_command_dates_are_iso_only(db):
    with pytest.raises(CommandError, match="as_of: Enter a valid date as YYYY-MM-DD"):
        call_command("export_csv", "provisions", "as_of=01/06/2025", stdout=io.StringIO())


def test_bad_include_is_a_400(api):
    response = api.get("/api/v1/provisions/", {"include": "everything"})
    assert response.status_code == 400
    assert "include" in response.json()["error"]["fields"]


def test_list_query_count_does_not_grow_with_page_size(api, django_assert_max_num_queries):
    for size in (10, 100):
        with django_assert_max_num_queries(6):
            response = api.get(
                "/api/v1/provisions/", {"as_of": "2026-09-01", "page_size": size, "page": 2}
            )
        assert response.status_code == 200


def test_healthz_ok(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_does_not_answer(api):
    with mock.patch("crosswalk.views.connection.cursor", side_effect=OperationalError("down")):
        response = api.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/crosswalk/instrument/",
        "/admin/crosswalk/provision/",
        "/admin/crosswalk/provision/?q=literacy",
        "/admin/crosswalk/mapping/",
        "/admin/crosswalk/topic/",
        "/admin/crosswalk/jurisdiction/",
    ],
)
def test_admin_pages_for_every_model(client, db, path):
    admin = get_user_model().objects.create_superuser("boss", password="x")
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 200


def test_admin_provision_page_shows_dated_texts(client, db):
    client.force_login(get_user_model().objects.create_superuser("boss", password="x"))
    art_4 = Provision.objects.get(public_id="eu-ai-act:art_4")
    response = client.get(f"/admin/crosswalk/provision/{art_4.pk}/change/")
    assert response.status_code == 200
    assert b"support the development of AI literacy" in response.content
    assert b"2026/1744" in response.content


def test_migrations_are_complete(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
