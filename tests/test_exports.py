"""CSV and OSCAL exports through HTTP and the command line."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from crosswalk import oscal
from crosswalk.models import Instrument, Provision
from tests.factories import mapping

SCHEMA = Path(__file__).parent / "standards" / "oscal_mapping_schema-1.2.0.json"
JP_ART_1 = "jp-ai-promotion-act:art_1"
EU_ART_1 = "eu-ai-act:art_1"


def body(response) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")
    return b"".join(response.streaming_content)


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_mappings_csv_one_row_each_with_both_sides(api):
    made = mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=5)
    mapping(JP_ART_1, "eu-ai-act:art_4", status="draft")
    response = api.get("/api/v1/exports/mappings.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="crosswalk-mappings-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    [row] = rows(body(response))  # key holders: published only
    assert row == {
        "id": str(made.pk),
        "source_public_id": JP_ART_1,
        "source_citation": "Article 1",
        "source_instrument": "jp-ai-promotion-act",
        "source_heading": "(Purpose)",
        "target_public_id": EU_ART_1,
        "target_citation": "Article 1",
        "target_instrument": "eu-ai-act",
        "target_heading": "Subject matter'",
        "relationship": "intersects_with",
        "strength": "5",
        "rationale_type": "semantic",
        "rationale": "Test mapping.",
        "status": "published",
        "provenance": "curated",
        "published_at": made.published_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updated_at": made.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def test_staff_export_includes_drafts(staff_api):
    mapping(JP_ART_1, EU_ART_1)
    mapping(JP_ART_1, "eu-ai-act:art_4", status="draft")
    assert len(rows(body(staff_api.get("/api/v1/exports/mappings.csv")))) == 2


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_guard_for_each_dangerous_first_character(api, start):
    payload = f'{start}HYPERLINK("http://x")'
    mapping(JP_ART_1, EU_ART_1, rationale=payload)
    [row] = rows(body(api.get("/api/v1/exports/mappings.csv")))
    assert row["rationale"] == "'" + payload


def test_quotes_commas_newlines_and_japanese_round_trip_through_csv(api):
    tricky = 'He said "yes", then\nleft; 人工知能, 인공지능'
    mapping(JP_ART_1, EU_ART_1, rationale=tricky)
    raw = body(api.get("/api/v1/exports/mappings.csv", {"bom": "true"}))
    assert raw.startswith(b"\xef\xbb\xbf")
    assert '"He said ""yes"", then\nleft; 人工知能, 인공지능"'.encode() in raw
    [row] = rows(raw)
    assert row["rationale"] == tricky


def test_provisions_csv_with_original_text_and_day_text(api):
    response = api.get(
        "/api/v1/exports/provisions.csv", {"instrument": "jp-ai-promotion-act", "kind": "article"}
    )
    table = rows(body(response))
    assert len(table) == 30
    first = table[0]
    assert first["public_id"] == JP_ART_1
    assert first["text_original"].startswith("この法律は")
    assert first["original_language"] == "ja"
    assert first["parent"] == "jp-ai-promotion-act:chp_1"
    old = rows(
        body(
            api.get(
                "/api/v1/exports/provisions.csv",
                {"instrument": "eu-ai-act", "citation": "Article 4", "as_of": "2025-06-01"},
            )
        )
    )
    assert "to their best extent" in old[0]["text"]
    assert old[0]["status"] == "in_force"


def test_export_filters_are_the_api_filters_with_the_same_400s(api):
    for path, params, field in [
        ("/api/v1/exports/mappings.csv", {"relationship": "same"}, "relationship"),
        ("/api/v1/exports/mappings.csv", {"page": "2"}, "page"),
        ("/api/v1/exports/provisions.csv", {"as_of": "2026-02-30"}, "as_of"),
        ("/api/v1/exports/provisions.csv", {"bom": "maybe"}, "bom"),
    ]:
        response = api.get(path, params)
        assert response.status_code == 400
        assert field in response.json()["error"]["fields"]


def test_exports_need_a_key(anonymous):
    assert anonymous.get("/api/v1/exports/mappings.csv").status_code == 401


def test_export_etag_304(api):
    mapping(JP_ART_1, EU_ART_1)
    first = api.get("/api/v1/exports/mappings.csv")
    body(first)
    assert (
        api.get("/api/v1/exports/mappings.csv", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    )


def test_oscal_collection_validates_against_the_published_schema(api):
    mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=4)
    mapping("eu-ai-act:art_4", "jp-ai-promotion-act:art_15", "superset_of", strength=6)
    mapping("jp-ai-promotion-act:art_2", "eu-ai-act:art_99", "not_related", strength=None)
    response = api.get(
        "/api/v1/exports/mappings.oscal.json",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act"},
    )
    assert response.status_code == 200
    document = response.json()
    schema = json.loads(SCHEMA.read_text())
    # Python's re cannot compile \p{L}/\p{N}; the schema file itself stays as published.
    text = json.dumps(schema).replace("\\\\p{L}", "[^\\\\W\\\\d_]").replace("\\\\p{N}", "\\\\d")
    jsonschema.Draft7Validator(json.loads(text)).validate(document)
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    relationships = {m["sources"][0]["id-ref"]: m["relationship"] for m in maps}
    assert relationships == {
        JP_ART_1: "intersects-with",
        "jp-ai-promotion-act:art_15": "subset-of",  # stored the other way round
        "jp-ai-promotion-act:art_2": "no-relationship",
    }
    allowed = {
        "equal-to",
        "equivalent-to",
        "subset-of",
        "superset-of",
        "intersects-with",
        "no-relationship",
    }
    assert {m["relationship"] for m in maps} <= allowed


def test_export_csv_command(db, tmp_path, capsysbinary):
    mapping(JP_ART_1, EU_ART_1, rationale="=SUM(A1)")
    target = tmp_path / "out.csv"
    call_command(
        "export_csv", "mappings", "source_instrument=jp-ai-promotion-act", "-o", str(target)
    )
    [row] = rows(target.read_bytes())
    assert row["rationale"] == "'=SUM(A1)"
    capsysbinary.readouterr()
    call_command("export_csv", "provisions", "instrument=g7-hiroshima-code-of-conduct")
    exported = rows(capsysbinary.readouterr().out)
    # The command writes the file to stdout; every row is a provision of that instrument.
    assert [r["public_id"] for r in exported] == list(
        Provision.objects.filter(instrument__slug="g7-hiroshima-code-of-conduct")
        .order_by("position")
        .values_list("public_id", flat=True)
    )
    assert len(exported) == 12
    with pytest.raises(CommandError, match="relationship"):
        call_command("export_csv", "mappings", "relationship=same")


# OSCAL: items 19-21 --------------------------------------------------------------------------

OSCAL = "/api/v1/exports/mappings.oscal.json"
JP_EU = {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}


def validate_oscal(document: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    text = json.dumps(schema).replace("\\\\p{L}", "[^\\\\W\\\\d_]").replace("\\\\p{N}", "\\\\d")
    jsonschema.Draft7Validator(json.loads(text)).validate(document)


def test_oscal_pair_without_published_mappings_is_a_404_saying_why(api):
    mapping(JP_ART_1, EU_ART_1, status="draft")  # drafts are never exported
    response = api.get(OSCAL, JP_EU)
    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "status": 404,
            "code": "no_published_mappings",
            "detail": (
                "No published mappings between jp-ai-promotion-act and eu-ai-act: an OSCAL "
                "mapping collection needs at least one map, so there is nothing to export."
            ),
            "fields": {},
        }
    }


def test_oscal_as_of_keeps_mappings_of_provisions_applicable_that_day(api):
    kept = mapping(JP_ART_1, EU_ART_1, "intersects_with")
    mapping(JP_ART_1, "eu-ai-act:art_10__para_5", "intersects_with")  # deleted before applying

    def maps(**params) -> list[str]:
        response = api.get(OSCAL, {**JP_EU, **params})
        assert response.status_code == 200, response.content
        validate_oscal(response.json())
        return [
            m["props"][0]["value"]
            for m in response.json()["mapping-collection"]["mappings"][0]["maps"]
        ]

    assert len(maps()) == 2
    assert maps(as_of="2026-06-01") == [str(kept.pk)]
    document = api.get(OSCAL, {**JP_EU, "as_of": "2026-06-01"}).json()["mapping-collection"]
    assert document["metadata"]["props"] == [
        {"name": "as-of", "ns": oscal.NS, "value": "2026-06-01"}
    ]
    assert "as of 2026-06-01" in document["metadata"]["title"]
    # JP Article 1 was not yet in force: nothing to export that day.
    early = api.get(OSCAL, {**JP_EU, "as_of": "2025-01-01"})
    assert early.status_code == 404
    assert early.json()["error"]["detail"].startswith(
        "No published mappings between jp-ai-promotion-act and eu-ai-act on 2025-01-01:"
    )


def test_oscal_collection_uuid_changes_with_its_content_only(api):
    made = mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=4)

    def collection() -> dict:
        return api.get(OSCAL, JP_EU).json()["mapping-collection"]

    first, again = collection(), collection()
    assert first["uuid"] == again["uuid"]
    made.strength = 7
    made.save()
    changed = collection()
    assert changed["uuid"] != first["uuid"]
    # The subjects keep their identifiers across revisions.
    assert changed["mappings"][0]["uuid"] == first["mappings"][0]["uuid"]
    assert changed["mappings"][0]["maps"][0]["uuid"] == first["mappings"][0]["maps"][0]["uuid"]
    other_day = api.get(OSCAL, {**JP_EU, "as_of": "2026-06-01"}).json()["mapping-collection"]
    assert other_day["uuid"] != changed["uuid"]


def test_oscal_resources_are_stable_public_uris_of_the_instruments(api):
    mapping(JP_ART_1, EU_ART_1)
    mapping("us-nist-ai-rmf:sec_3", "us-eo-14110:sec_1")
    response = api.get(OSCAL, JP_EU)
    raw = response.content.decode()
    assert "crosswalk.invalid" not in raw and "/api/v1/" not in raw and "testserver" not in raw
    inner = response.json()["mapping-collection"]["mappings"][0]
    assert inner["source-resource"] == {
        "type": "catalog",
        "href": "https://laws.e-gov.go.jp/law/507AC0000000053",
        "props": [{"name": "crosswalk-instrument", "ns": oscal.NS, "value": "jp-ai-promotion-act"}],
        "remarks": Instrument.objects.get(slug="jp-ai-promotion-act").title,
    }
    assert inner["target-resource"]["href"] == "http://data.europa.eu/eli/reg/2024/1689/oj"
    assert oscal.NS == "urn:uuid:5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d11"
    us = api.get(OSCAL, {"source": "us-nist-ai-rmf", "target": "us-eo-14110"}).json()
    inner = us["mapping-collection"]["mappings"][0]
    assert inner["source-resource"]["href"] == "https://doi.org/10.6028/NIST.AI.100-1"
    assert inner["target-resource"]["href"] == "https://www.federalregister.gov/d/2023-24283"
    # Every instrument of the corpus has one.
    assert all(oscal.instrument_uri(i).startswith("http") for i in Instrument.objects.all())


def test_provisions_csv_status_is_read_on_the_requested_day(api):
    """The CSV's status column is the API's: the status on `in_force_on` / `as_of`, else today."""
    params = {"instrument": "us-eo-14110", "citation": "Sec. 4.1(a)"}
    [today] = rows(body(api.get("/api/v1/exports/provisions.csv", params)))
    [that_day] = rows(
        body(api.get("/api/v1/exports/provisions.csv", {**params, "in_force_on": "2025-01-19"}))
    )
    api_row = api.get("/api/v1/provisions/", {**params, "in_force_on": "2025-01-19"}).json()
    assert today["status"] == "revoked"
    assert that_day["status"] == api_row["results"][0]["status"] == "in_force"


def test_exports_and_the_command_need_nothing_from_the_api_views():
    """Cause "benchmark code in product code": the export views do not borrow helpers from the
    API's views, and the command line's filters are not DRF classes."""
    root = Path(__file__).resolve().parent.parent / "crosswalk"
    assert "crosswalk.api.views" not in (root / "api" / "exports.py").read_text()
    for module in ("filters.py", "exports.py", "management/commands/export_csv.py"):
        text = (root / module).read_text()
        assert "rest_framework" not in text and "crosswalk.api" not in text, module
