"""The OpenAPI document tells the truth and is complete: summaries, described parameters (the
exports' filters too), the bounds the server checks, computed responses exactly as documented,
and documentation pages that need nothing from another host."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from rest_framework import serializers

from crosswalk.api.serializers import LeanSerializer
from tests.factories import mapping

JP_ART_1 = "jp-ai-promotion-act:art_1"
G7_ACTION_1 = "g7-hiroshima-code-of-conduct:action_1"


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict[str, Any]:
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get(
            "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
        )
    assert response.status_code == 200
    return response.json()


NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"  # no whitespace-only value, no NUL


def operations(schema: dict[str, Any]):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def parameters(schema: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in schema["paths"][path]["get"].get("parameters", [])}


# Item 17 -------------------------------------------------------------------------------------


def test_every_operation_has_a_summary_and_every_parameter_a_description(schema):
    missing = []
    for name, operation in operations(schema):
        if not operation.get("summary"):
            missing.append(f"{name}: summary")
        for parameter in operation.get("parameters", []):
            if not (parameter.get("description") or "").strip():
                missing.append(f"{name}: {parameter['name']}")
    assert missing == []


@pytest.mark.parametrize(
    ("path", "names"),
    [
        (
            "/api/v1/crosswalk/",
            {"source", "target", "as_of", "derived", "max_depth", "max_results"},
        ),
        ("/api/v1/coverage/", {"source", "target", "as_of"}),
        ("/api/v1/exports/mappings.oscal.json", {"source", "target", "as_of", "mapping_set"}),
        ("/api/v1/exports/coverage.csv", {"source", "target", "as_of"}),
    ],
)
def test_pair_endpoints_describe_their_parameters(schema, path, names):
    documented = parameters(schema, path)
    assert set(documented) == names
    operation = schema["paths"][path]["get"]
    assert operation["description"].strip()
    assert "as_of" in documented and "YYYY-MM-DD" in documented["as_of"]["description"]


@pytest.mark.parametrize(
    ("export", "listing", "paging"),
    [
        ("/api/v1/exports/provisions.csv", "/api/v1/provisions/", {"page", "page_size", "include"}),
        ("/api/v1/exports/mappings.csv", "/api/v1/mappings/", {"cursor", "page_size"}),
    ],
)
def test_csv_exports_document_every_filter_of_their_list(schema, export, listing, paging):
    exported, listed = parameters(schema, export), parameters(schema, listing)
    assert set(exported) == set(listed) - paging | {"bom"}
    assert len(exported) >= 14
    for name in set(exported) - {"bom"}:
        assert exported[name]["description"] == listed[name]["description"]
        assert exported[name]["schema"] == listed[name]["schema"]


def test_oscal_description_says_what_is_lossy_and_when_it_is_a_404(schema):
    description = schema["paths"]["/api/v1/exports/mappings.oscal.json"]["get"]["description"]
    for words in ("no_published_mappings", "stable public URI", "`strength` prop", "as_of"):
        assert words in description


# Issue 15, item 7: bounds and shapes ---------------------------------------------------------


def test_paging_parameters_state_their_bounds(schema):
    provisions = parameters(schema, "/api/v1/provisions/")
    assert provisions["page"]["schema"] == {"type": "integer", "minimum": 1}
    assert provisions["page_size"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
        "default": 50,
    }
    mappings = parameters(schema, "/api/v1/mappings/")
    assert "page" not in mappings
    assert mappings["cursor"]["schema"] == {"type": "string", "minLength": 1, "pattern": NOT_BLANK}
    assert mappings["page_size"]["schema"]["maximum"] == 500


def test_filters_state_their_bounds(schema):
    mappings = parameters(schema, "/api/v1/mappings/")
    for name in ("strength_min", "strength_max"):
        assert mappings[name]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10}
    provisions = parameters(schema, "/api/v1/provisions/")
    assert provisions["q"]["schema"] == {
        "type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK
    }  # fmt: skip
    assert provisions["ordering"]["schema"]["minItems"] == 1
    free_text = [
        (name, operation_name)
        for operation_name, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        for name, schema_ in [(parameter["name"], parameter["schema"])]
        if schema_.get("type") == "string" and "enum" not in schema_ and "format" not in schema_
        and schema_.get("minLength") != 1
    ]  # fmt: skip
    assert free_text == []


def test_empty_filter_values_are_refused_as_the_schema_says(api):
    for name in ("instrument", "citation", "kind", "q", "topic"):
        assert api.get("/api/v1/provisions/", {name: ""}).status_code == 400


def test_suggestions_are_documented_and_served_as_a_bare_array(schema, staff_api):
    path = "/api/v1/provisions/{key}/suggestions/"
    operation = schema["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert body == {"type": "array", "items": {"$ref": "#/components/schemas/Suggestion"}}
    assert not {"page", "page_size", "cursor"} & set(parameters(schema, path))
    response = staff_api.get(
        "/api/v1/provisions/eu-ai-act:art_4/suggestions/",
        {"target_instrument": "jp-ai-promotion-act", "limit": 3},
    )
    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) == 3


# Crosswalk and coverage: one serializer, the response and its schema -------------------------


def strict(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema that also refuses undocumented properties."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    elif node.get("type") == "object" and "properties" in node:
        node.setdefault("additionalProperties", False)
    return node


def validator(schema: dict[str, Any], component: str) -> jsonschema.Draft7Validator:
    document = {"components": strict(copy.deepcopy(schema["components"]))}
    document["$ref"] = f"#/components/schemas/{component}"
    return jsonschema.Draft7Validator(document)


@pytest.mark.parametrize(
    ("path", "params", "component"),
    [
        ("/api/v1/crosswalk/", {}, "Crosswalk"),
        ("/api/v1/crosswalk/", {"derived": "true", "max_depth": 3}, "Crosswalk"),
        ("/api/v1/crosswalk/", {"as_of": "2026-06-01"}, "Crosswalk"),
        ("/api/v1/coverage/", {}, "Coverage"),
    ],
)
def test_computed_responses_are_exactly_what_the_schema_says(schema, api, path, params, component):
    mapping(JP_ART_1, G7_ACTION_1, "equal", strength=9)
    mapping(G7_ACTION_1, "eu-ai-act:art_9", "subset_of", strength=4)
    mapping("eu-ai-act:art_4", "jp-ai-promotion-act:art_15", "superset_of", strength=None)
    response = api.get(path, {"source": "jp-ai-promotion-act", "target": "eu-ai-act", **params})
    assert response.status_code == 200
    validator(schema, component).validate(response.json())


def test_lean_serializer_writes_declared_keys_and_refuses_missing_ones():
    class Inner(LeanSerializer):
        name = serializers.CharField()

    class Outer(LeanSerializer):
        inner = Inner()
        rows = Inner(many=True)
        note = serializers.CharField(required=False)

    data = {"inner": {"name": "a", "extra": 1}, "rows": [{"name": "b"}], "secret": "x"}
    assert Outer(data).data == {"inner": {"name": "a"}, "rows": [{"name": "b"}]}
    assert Outer({**data, "note": "n"}).data["note"] == "n"
    with pytest.raises(KeyError):
        Outer({"inner": {"name": "a"}}).data  # noqa: B018 - rows is required


# Item 18 -------------------------------------------------------------------------------------


def test_redoc_page_names_nothing_on_another_host(anonymous):
    response = anonymous.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    for host in (
        "fonts.googleapis",
        "fonts.gstatic",
        "cdn.redoc.ly",
        "cdn.",
        "http://",
        "https://",
    ):
        assert host not in html
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    # The bundle itself asks cdn.redoc.ly for a logo: the policy keeps it on this host.
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["font-src"] == "'self' data:"
    assert policy["connect-src"] == "'self'"
