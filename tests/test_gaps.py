"""Gaps (reviewed "no counterpart" statements), coverage in three states, and mapping sets:
through the services, the seed loader, the API, the coverage CSV and the OSCAL export."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from crosswalk import gaps
from crosswalk.models import Gap, Instrument, Mapping, MappingSet, Provision
from tests.factories import mapping

User = get_user_model()
JP_ART_1 = "jp-ai-promotion-act:art_1"
JP_ART_2 = "jp-ai-promotion-act:art_2"
JP_ART_3 = "jp-ai-promotion-act:art_3"
EU_ART_1 = "eu-ai-act:art_1"
RATIONALE = "The Act has no provision on this: it sets no comparable duty at all."
SCHEMA = Path(__file__).parent / "standards" / "oscal_mapping_schema-1.2.0.json"


def provision(public_id: str) -> Provision:
    return Provision.objects.get(public_id=public_id)


def instrument(slug: str) -> Instrument:
    return Instrument.objects.get(slug=slug)


@pytest.fixture
def people(db):
    call_command("setup_roles", stdout=io.StringIO())
    made = {}
    for name in ("curator", "reviewer", "reviewer2"):
        user = User.objects.create_user(name, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=name.rstrip("2")))
        made[name] = user
    return made


def gap_draft(author, source=JP_ART_2, target="eu-ai-act", **fields) -> Gap:
    values = {"rationale": RATIONALE, "method": "independent-reading"} | fields
    return gaps.gap_create(
        source=provision(source), target_instrument=instrument(target), author=author, **values
    )


def publish(gap: Gap, people) -> Gap:
    gap = gaps.gap_submit(gap=gap, user=people["curator"])
    return gaps.gap_publish(gap=gap, reviewer=people["reviewer"])


# Workflow ------------------------------------------------------------------------------------


def test_gap_draft_review_publish_retire_with_history(people):
    made = gap_draft(people["curator"])
    assert made.status == "draft" and made.mapping_set.slug == "crosswalk-curation"
    made = gaps.gap_submit(gap=made, user=people["curator"])
    with pytest.raises(ValidationError, match="someone else must publish"):
        gaps.gap_publish(gap=made, reviewer=people["curator"])
    made = gaps.gap_publish(gap=made, reviewer=people["reviewer"])
    assert made.status == "published" and made.published_at and made.source_text is not None
    made = gaps.gap_retire(gap=made, reviewer=people["reviewer"], comment="Counterpart found.")
    assert made.status == "retired"
    history = list(made.history.order_by("history_date").values_list("status", flat=True))
    assert history == ["draft", "in_review", "published", "retired"]
    assert made.history.earliest().history_user == people["curator"]


def test_gap_returned_needs_a_comment_and_goes_back_to_draft(people):
    made = gaps.gap_submit(gap=gap_draft(people["curator"]), user=people["curator"])
    with pytest.raises(ValidationError, match="Say what needs to change"):
        gaps.gap_return(gap=made, reviewer=people["reviewer"], comment=" ")
    made = gaps.gap_return(gap=made, reviewer=people["reviewer"], comment="Art. 50 covers it.")
    assert made.status == "draft" and made.review_comment == "Art. 50 covers it."


def test_gap_refused_for_own_instrument_twice_or_when_mapped(people):
    with pytest.raises(ValidationError, match="another instrument"):
        gap_draft(people["curator"], target="jp-ai-promotion-act")
    gap_draft(people["curator"])
    with pytest.raises(ValidationError, match="already has a gap"):
        gap_draft(people["curator"])
    mapping(JP_ART_1, EU_ART_1, "intersects_with")
    with pytest.raises(ValidationError, match="is mapped to eu-ai-act"):
        gap_draft(people["curator"], source=JP_ART_1)
    # A not_related mapping is an answer about two provisions, not a correspondence.
    mapping(JP_ART_3, EU_ART_1, "not_related", strength=None)
    assert gap_draft(people["curator"], source=JP_ART_3).status == "draft"


def test_database_holds_the_gap_invariants(people):
    made = gap_draft(people["curator"])
    twin = {
        "source": made.source,
        "source_instrument_id": made.source_instrument_id,
        "target_instrument_id": made.target_instrument_id,
        "rationale": RATIONALE,
        "mapping_set": made.mapping_set,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Gap.objects.create(**twin)  # a second live gap of the pair in the set
    with pytest.raises(IntegrityError), transaction.atomic():
        Gap.objects.create(**(twin | {"target_instrument_id": made.source_instrument_id}))
    with pytest.raises(IntegrityError), transaction.atomic():
        # The source instrument must be the provision's own (composite foreign key).
        Gap.objects.create(
            **(twin | {"source_instrument": instrument("oecd-ai-recommendation")}),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Gap.objects.filter(pk=made.pk).update(status="published")  # no reviewer, no date
    # Retired, the pair is free again; another set may say the same.
    Gap.objects.filter(pk=made.pk).update(status="retired")
    Gap.objects.create(**twin)
    other = MappingSet.objects.create(
        name="Partner", slug="partner", made_by="P", made_on="2026-01-01"
    )
    Gap.objects.create(**(twin | {"mapping_set": other}))


# Seed files ----------------------------------------------------------------------------------


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "target_instrument", "rationale", "method"])
        writer.writerows(rows)


def test_seed_gaps_load_published_once_per_file(db, tmp_path):
    folder = tmp_path / "gaps"
    folder.mkdir()
    rows = [
        [JP_ART_2, "eu-ai-act", RATIONALE, "independent-reading"],
        [JP_ART_3, "eu-ai-act", RATIONALE + " Also.", "suggestion-assisted"],
    ]
    write(folder / "jp-eu.csv", rows)
    empty = tmp_path / "none"
    empty.mkdir()
    out = io.StringIO()
    call_command(
        "load_seed_mappings", "--folder", str(empty), "--gaps-folder", str(folder), stdout=out
    )
    assert (
        "jp-eu.csv: 2 gaps published (method: 1 independent-reading, 1 suggestion-assisted)"
        in out.getvalue()
    )
    loaded = Gap.objects.filter(provenance="seed")
    assert loaded.count() == 2 and set(loaded.values_list("status", flat=True)) == {"published"}
    assert set(loaded.values_list("mapping_set__slug", flat=True)) == {"crosswalk-curation"}
    first = loaded.get(source__public_id=JP_ART_2)
    assert first.method == "independent-reading"
    assert first.history.earliest().history_change_reason == "method: independent-reading"
    call_command(
        "load_seed_mappings", "--folder", str(empty), "--gaps-folder", str(folder), stdout=out
    )
    assert "jp-eu.csv: already loaded (2 gaps)" in out.getvalue()
    assert Gap.objects.count() == 2
    # A bad file loads nothing and says which rows are wrong.
    write(folder / "bad.csv", [["jp-ai-promotion-act:nope", "eu-ai-act", RATIONALE, ""],
                               [JP_ART_1, "eu-ai-act", RATIONALE, "guessed"],
                               [JP_ART_1, "no-such-act", RATIONALE, ""]])  # fmt: skip
    with pytest.raises(CommandError) as failure:
        call_command(
            "load_seed_mappings", "--folder", str(empty), "--gaps-folder", str(folder), stdout=out
        )
    message = str(failure.value)
    assert "line 2: source: unknown provision 'jp-ai-promotion-act:nope'" in message
    assert "line 3: method" in message and "line 4: target_instrument" in message
    assert Gap.objects.count() == 2


def test_seed_gap_files_in_the_repository_load(db):
    """fixtures/gaps (when present) loads after the seed mappings without an error."""
    call_command("load_seed_mappings", stdout=io.StringIO())
    folder = Path(__file__).parent.parent / "fixtures" / "gaps"
    rows = sum(
        len(list(csv.DictReader(path.open(encoding="utf-8-sig")))) for path in folder.glob("*.csv")
    ) if folder.is_dir() else 0  # fmt: skip
    assert Gap.objects.filter(provenance="seed", status="published").count() == rows


# API: gaps, sets, coverage -------------------------------------------------------------------


def test_gaps_api_lists_published_for_partners_with_filters(api, staff_api, people):
    published = publish(gap_draft(people["curator"]), people)
    gap_draft(people["curator"], source=JP_ART_3)  # a draft
    publish(gap_draft(people["curator"], source=JP_ART_1, target="oecd-ai-recommendation"), people)
    body = api.get("/api/v1/gaps/", {"target_instrument": "eu-ai-act"}).json()
    [row] = body["results"]
    assert row["id"] == published.pk and row["source"]["public_id"] == JP_ART_2
    assert row["target_instrument"] == "eu-ai-act" and row["rationale"] == RATIONALE
    assert row["mapping_set"] == "crosswalk-curation" and row["status"] == "published"
    assert (
        len(
            api.get("/api/v1/gaps/", {"source_instrument": "jp-ai-promotion-act"}).json()["results"]
        )
        == 2
    )
    assert api.get("/api/v1/gaps/", {"status": "draft"}).json()["results"] == []
    assert len(staff_api.get("/api/v1/gaps/", {"status": "draft"}).json()["results"]) == 1
    assert api.get("/api/v1/gaps/", {"target_instrument": "nope"}).status_code == 400
    assert api.get(f"/api/v1/gaps/{published.pk}/").json()["id"] == published.pk
    sets = api.get("/api/v1/mapping-sets/").json()["results"]
    assert [s["slug"] for s in sets] == ["crosswalk-curation"]


def test_gaps_list_queries_stay_flat_with_page_size(api, people, django_assert_max_num_queries):
    for public_id in (JP_ART_1, JP_ART_2, JP_ART_3, "jp-ai-promotion-act:art_4"):
        publish(gap_draft(people["curator"], source=public_id), people)
    with django_assert_max_num_queries(8) as small:
        api.get("/api/v1/gaps/", {"page_size": 1})
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(api.get("/api/v1/gaps/", {"page_size": 4}).json()["results"]) == 4


def test_coverage_has_three_states_and_the_csv_agrees(api, staff_api, people):
    mapping(JP_ART_1, EU_ART_1, "intersects_with")
    mapping(JP_ART_3, "eu-ai-act:art_4", "not_related", strength=None)
    publish(gap_draft(people["curator"]), people)
    gap_draft(people["curator"], source="jp-ai-promotion-act:art_4")  # a draft: partners don't see
    query = {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}
    side = api.get("/api/v1/coverage/", query).json()["source"]
    total = Provision.objects.filter(instrument__slug="jp-ai-promotion-act").count()
    assert side["mapped"] == 1 and side["gap_confirmed"] == 1
    assert side["not_reviewed"] == total - 2  # art 3's not_related answer is not coverage
    brief = {"public_id": JP_ART_2, "citation": "Article 2", "heading": provision(JP_ART_2).heading}
    assert side["gaps"] == [{"provision": brief, "rationale": RATIONALE}]
    assert staff_api.get("/api/v1/coverage/", query).json()["source"]["gap_confirmed"] == 2
    response = api.get("/api/v1/exports/coverage.csv", query)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_id = {(r["instrument"], r["public_id"]): r for r in rows}
    assert len(rows) == total + Provision.objects.filter(instrument__slug="eu-ai-act").count()
    assert by_id[("jp-ai-promotion-act", JP_ART_1)]["state"] == "mapped"
    assert by_id[("jp-ai-promotion-act", JP_ART_1)]["counterparts"] == EU_ART_1
    assert by_id[("eu-ai-act", EU_ART_1)]["counterparts"] == JP_ART_1
    assert by_id[("jp-ai-promotion-act", JP_ART_2)]["state"] == "gap_confirmed"
    assert by_id[("jp-ai-promotion-act", JP_ART_2)]["gap_rationale"] == RATIONALE
    assert by_id[("jp-ai-promotion-act", JP_ART_3)]["state"] == "not_reviewed"
    states = {r["state"] for r in rows if r["instrument"] == "jp-ai-promotion-act"}
    assert states == {"mapped", "gap_confirmed", "not_reviewed"}
    # The coverage answer changes (not a stale 304) when a gap is published.
    etag = api.get("/api/v1/coverage/", query)["ETag"]
    publish(gap_draft(people["curator"], source="jp-ai-promotion-act:art_5"), people)
    assert api.get("/api/v1/coverage/", query, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_mappings_filter_by_set_in_api_and_csv(api):
    partner = MappingSet.objects.create(
        name="Partner crosswalk", slug="partner", made_by="A partner agency", made_on="2026-02-01"
    )
    theirs = mapping(JP_ART_1, EU_ART_1, "subset_of")
    Mapping.objects.filter(pk=theirs.pk).update(mapping_set=partner)
    ours = mapping(JP_ART_1, EU_ART_1)  # the same pair may be published in each set
    body = api.get("/api/v1/mappings/", {"mapping_set": "partner"}).json()
    assert [m["id"] for m in body["results"]] == [theirs.pk]
    assert body["results"][0]["mapping_set"] == "partner"
    mine = api.get("/api/v1/mappings/", {"mapping_set": "crosswalk-curation"}).json()["results"]
    assert [m["id"] for m in mine] == [ours.pk]
    assert api.get("/api/v1/mappings/", {"mapping_set": "nope"}).status_code == 400
    response = api.get("/api/v1/exports/mappings.csv", {"mapping_set": "partner"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["id"], r["mapping_set"]) for r in rows] == [(str(theirs.pk), "partner")]


# OSCAL export --------------------------------------------------------------------------------


def validate_oscal(document: dict) -> None:
    schema = json.loads(SCHEMA.read_text())
    text = json.dumps(schema).replace("\\\\p{L}", "[^\\\\W\\\\d_]").replace("\\\\p{N}", "\\\\d")
    jsonschema.Draft7Validator(json.loads(text)).validate(document)


def test_oscal_export_has_published_gaps_as_no_relationship(api, people):
    mapping(JP_ART_1, EU_ART_1)
    gap = publish(gap_draft(people["curator"]), people)
    # A gap of the other side reads with the instrument as the source.
    eu_gap = publish(
        gap_draft(people["curator"], source="eu-ai-act:art_4", target="jp-ai-promotion-act"), people
    )
    gap_draft(people["curator"], source=JP_ART_3)  # drafts never leave
    document = api.get(
        "/api/v1/exports/mappings.oscal.json",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act"},
    ).json()
    validate_oscal(document)
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    gap_maps = [m for m in maps if m["relationship"] == "no-relationship"]
    assert len(maps) == 3 and len(gap_maps) == 2
    scope = [
        {
            "name": "crosswalk-scope",
            "ns": "urn:uuid:5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d11",
            "value": "instrument",
        }
    ]
    first = next(m for m in gap_maps if m["props"][0]["value"] == str(gap.pk))
    assert first["sources"] == [{"type": "control", "id-ref": JP_ART_2}]
    assert first["targets"] == [{"type": "control", "id-ref": "eu-ai-act", "props": scope}]
    assert first["remarks"] == RATIONALE
    second = next(m for m in gap_maps if m["props"][0]["value"] == str(eu_gap.pk))
    assert second["sources"] == [
        {"type": "control", "id-ref": "jp-ai-promotion-act", "props": scope}
    ]
    assert second["targets"] == [{"type": "control", "id-ref": "eu-ai-act:art_4"}]


def test_oscal_export_of_a_pair_with_only_gaps_is_valid(api, people):
    publish(gap_draft(people["curator"]), people)
    response = api.get(
        "/api/v1/exports/mappings.oscal.json",
        {"source": "jp-ai-promotion-act", "target": "eu-ai-act"},
    )
    assert response.status_code == 200
    validate_oscal(response.json())


# OSCAL import --------------------------------------------------------------------------------

OSCAL_URL = "/api/v1/exports/mappings.oscal.json"
PAIR = {"source": "jp-ai-promotion-act", "target": "eu-ai-act"}


def read_pair(mapping_set: str) -> set[tuple[str, str, str]]:
    """(jp provision, eu provision, relationship read from the Japanese side) of a set."""
    from crosswalk import relations

    out = set()
    for m in Mapping.objects.filter(mapping_set__slug=mapping_set).select_related(
        "source", "target"
    ):
        if m.source.public_id.startswith("jp-"):
            out.add((m.source.public_id, m.target.public_id, m.relationship))
        else:
            out.add((m.target.public_id, m.source.public_id, relations.inverse(m.relationship)))
    return out


def test_oscal_round_trip_into_a_new_set(api, people, tmp_path):
    mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=4)
    mapping("eu-ai-act:art_4", "jp-ai-promotion-act:art_15", "superset_of", strength=6)
    mapping(JP_ART_3, "eu-ai-act:art_99", "not_related", strength=None)
    publish(gap_draft(people["curator"]), people)
    document = api.get(OSCAL_URL, PAIR).json()
    path = tmp_path / "collection.json"
    path.write_text(json.dumps(document))
    out = io.StringIO()
    call_command("import_oscal", str(path), "--set", "partner-copy", stdout=out)
    assert "3 mappings and 1 gaps would be imported into partner-copy (dry run)" in out.getvalue()
    assert not MappingSet.objects.filter(slug="partner-copy").exists()
    call_command("import_oscal", str(path), "--set", "partner-copy", "--commit", stdout=out)
    assert "3 mappings and 1 gaps imported as drafts into partner-copy" in out.getvalue()
    imported = MappingSet.objects.get(slug="partner-copy")
    assert imported.name.startswith("Crosswalk: ") and imported.made_on is not None
    assert read_pair("partner-copy") == read_pair("crosswalk-curation")
    assert len(read_pair("partner-copy")) == 3
    rows = Mapping.objects.filter(mapping_set=imported)
    assert set(rows.values_list("status", "provenance")) == {("draft", "imported")}
    strengths = set(rows.values_list("strength", flat=True))
    assert strengths == {4, 6, None}
    [gap] = Gap.objects.filter(mapping_set=imported)
    assert (gap.source.public_id, gap.target_instrument.slug) == (JP_ART_2, "eu-ai-act")
    assert gap.status == "draft" and gap.rationale == RATIONALE
    # Importing the same document into the same set again: every map is a duplicate there.
    with pytest.raises(CommandError, match="error"):
        call_command("import_oscal", str(path), "--set", "partner-copy", "--commit", stdout=out,
                     stderr=io.StringIO())  # fmt: skip


def test_oscal_import_reports_errors_per_map_and_writes_nothing(api, people, tmp_path):
    mapping(JP_ART_1, EU_ART_1, "intersects_with", strength=4)
    mapping(JP_ART_3, "eu-ai-act:art_4", "subset_of", strength=4)
    document = api.get(OSCAL_URL, PAIR).json()
    maps = document["mapping-collection"]["mappings"][0]["maps"]
    maps[0]["sources"][0]["id-ref"] = "jp-ai-promotion-act:art_999"
    maps.append(json.loads(json.dumps(maps[1])) | {"uuid": "5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d12"})
    third = json.loads(json.dumps(maps[1]))
    third |= {"uuid": "5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d13", "relationship": "equal-to"}
    third["props"] = [{"name": "strength", "ns": "urn:x", "value": "12"}]
    third["targets"] = [{"type": "control", "id-ref": "eu-ai-act:art_5"}]
    maps.append(third)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    err = io.StringIO()
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_oscal", str(path), "--set", "p", "--commit", stdout=io.StringIO(),
                     stderr=err)  # fmt: skip
    assert "map 1: source: unknown provision 'jp-ai-promotion-act:art_999'" in err.getvalue()
    assert "map 3: targets: duplicate of map 2" in err.getvalue()
    assert "map 4: strength: Must be a whole number from 1 to 10." in err.getvalue()
    assert not MappingSet.objects.filter(slug="p").exists()
    assert Mapping.objects.filter(provenance="imported").count() == 0


def test_oscal_import_refuses_a_document_the_schema_refuses(db, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"mapping-collection": {"uuid": "x", "metadata": {}}}))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_oscal", str(path), "--set", "p", stdout=io.StringIO(), stderr=err)
    assert "OSCAL schema" in err.getvalue()
    path.write_text("{not json")
    with pytest.raises(CommandError):
        call_command("import_oscal", str(path), "--set", "p", stdout=io.StringIO(), stderr=err)
    assert "Not JSON" in err.getvalue()


def test_heatmap_shows_three_states_per_pair(client, people):
    mapping(JP_ART_1, EU_ART_1)
    publish(gap_draft(people["curator"]), people)
    publish(gap_draft(people["curator"], source=JP_ART_3), people)
    gap_draft(people["curator"], source="jp-ai-promotion-act:art_4")  # drafts are not confirmed
    client.force_login(people["reviewer"])
    page = html.unescape(client.get("/admin/crosswalk/mapping/coverage/").content.decode())
    total = Provision.objects.filter(instrument__slug="jp-ai-promotion-act").count()
    mapped, gap = round(100 / total), round(200 / total)
    assert (
        f"Japan AI Promotion Act × EU AI Act: 1 published mappings, {mapped}% of Japan AI "
        f"Promotion Act's provisions mapped, {gap}% confirmed gaps (2), the rest not reviewed"
    ) in page
    # The column's side has no gaps of its own in the row instrument.
    assert "EU AI Act × Japan AI Promotion Act: 1 published mappings" in page
    assert "confirmed gaps (0)" in page
    history = client.get(f"/admin/crosswalk/gap/{Gap.objects.first().pk}/history/")
    assert history.status_code == 200


def test_a_counterpart_only_in_a_recital_does_not_block_a_gap(people):
    mapping("jp-ai-promotion-act:art_6__para_3", "eu-ai-act:rec_142", "intersects_with")
    made = gap_draft(people["curator"], source="jp-ai-promotion-act:art_6__para_3")
    assert made.status == "draft"
