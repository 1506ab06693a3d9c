"""The topic map: its coverage of every in-force instrument, load_topics, the API and the admin."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.utils import timezone

from crosswalk.models import Instrument, Provision, ProvisionTopic, Topic
from crosswalk.querysets import in_force_q
from crosswalk.topics import topic_coverage
from tests.factories import mapping

TOPICS = Path(settings.BASE_DIR) / "fixtures" / "topics"
LABELLING = "labelling-of-generated-content"
TRANSPARENCY = "transparency-and-accountability"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def in_force_today(queryset):
    return queryset.filter(in_force_q(timezone.localdate()))


def expected_counts(*slugs: str) -> dict[str, int]:
    """Per instrument, the provisions in force today tagged with any of `slugs`, counted once."""
    rows = in_force_today(Provision.objects.filter(topic_tags__topic__slug__in=slugs)).distinct()
    return dict(sorted(Counter(rows.values_list("instrument__slug", flat=True)).items()))


# The coverage of the map -----------------------------------------------------------------------


def test_every_citable_unit_of_every_in_force_instrument_has_topics_or_is_procedural(db):
    coverage = topic_coverage(timezone.localdate())
    shares = {entry.instrument.slug: entry.share_covered for entry in coverage}
    print("\ntopic map coverage:", json.dumps(shares, indent=1))
    problems = {
        entry.instrument.slug: [p.public_id for p in [*entry.untagged, *entry.too_many]]
        for entry in coverage
        if entry.untagged or entry.too_many
    }
    assert problems == {}
    in_force = Instrument.objects.filter(in_force_q(timezone.localdate()))
    assert set(shares) == set(in_force.values_list("slug", flat=True))
    assert "us-eo-14110" not in shares  # revoked
    assert all(entry.citable_units for entry in coverage)


def test_the_taxonomy_has_two_levels_each_topic_defined_with_its_origin(db):
    topics = list(Topic.objects.select_related("parent"))
    assert 25 <= len(topics) <= 40
    assert all(t.parent is None or t.parent.parent_id is None for t in topics)
    top_level = [t for t in topics if t.parent is None]
    assert 4 <= len(top_level) <= 8
    assert all(t.definition.strip() and t.origin.strip() for t in topics)
    assert not [t.slug for t in top_level if not t.children.exists()]


@pytest.mark.parametrize(
    ("public_id", "citable"),
    [
        ("eu-ai-act:art_5", True),
        ("eu-ai-act:art_5__para_1", False),
        ("eu-ai-act:rec_1", False),
        ("eu-ai-act:chp_i", False),
        ("eu-ai-act:anx_iii__point_1", True),
        ("eu-ai-act:anx_iii__point_1__point_a", False),
        ("eu-ai-act:anx_iii", False),
        ("eu-ai-act:anx_ii", True),  # its list is indents, not points: the annex is the unit
        ("eu-ai-act:anx_ii__indent_1", False),
        ("eu-ai-act:anx_i__sec_a", False),
        ("eu-ai-act:anx_vii__point_1", True),  # an annex section without points of its own
        ("eu-ai-act:anx_vii__point_3", False),
        ("eu-ai-act:anx_vii__point_3__point_3-1", True),
        ("oecd-ai-recommendation:principle_1-2", True),
        ("oecd-ai-recommendation:principle_1-2__point_a", True),
        ("oecd-ai-recommendation:para_viii__point_a", False),
        ("oecd-ai-recommendation:para_i__def_ai-system", False),
        ("oecd-ai-recommendation:preamble", False),
        ("jp-ai-guidelines-for-business:part_2__sec_c__principle_1__subprinciple_2", True),
        ("jp-ai-guidelines-for-business:part_2__sec_c", False),
        ("jp-ai-promotion-act:suppl__art_1", True),
        ("jp-ai-promotion-act:suppl", False),
        ("kr-ai-framework-act:addenda__act_20676__art_1", True),
        ("kr-ai-framework-act:addenda__act_20676", False),
        ("kr-ai-framework-act:addenda__act_21311", True),
        ("us-eo-14179:sec_4", True),
        ("us-eo-14179:sec_4__para_a", False),
        ("us-nist-ai-rmf:fn_govern__cat_1__subcat_1-1", True),
        ("us-nist-ai-rmf:fn_govern__cat_1", False),
        ("g7-hiroshima-code-of-conduct:action_1", True),
        ("g7-hiroshima-code-of-conduct:preamble", False),
    ],
)
def test_citable_units(db, public_id, citable):
    assert Provision.objects.filter(public_id=public_id).exists()
    assert Provision.objects.filter(public_id=public_id).citable().exists() is citable


# load_topics ------------------------------------------------------------------------------------


def history_counts() -> tuple[int, int, int]:
    return (Topic.history.count(), ProvisionTopic.history.count(), Provision.history.count())


@pytest.fixture
def topics_copy(tmp_path: Path) -> Path:
    target = tmp_path / "topics"
    shutil.copytree(TOPICS, target)
    return target


def rewrite_tags(folder: Path, slug: str, change) -> None:
    path = folder / "tags" / f"{slug}.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    rows = change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["public_id", "topics", "procedural", "note"])
        writer.writeheader()
        writer.writerows(rows)


def test_second_load_writes_nothing(db):
    tags, history = ProvisionTopic.objects.count(), history_counts()
    out, _ = run("load_topics")
    assert "Nothing to write" in out
    assert (ProvisionTopic.objects.count(), history_counts()) == (tags, history)


def test_a_changed_row_is_written_with_history(db, topics_copy):
    art_50 = Provision.objects.get(public_id="eu-ai-act:art_50")
    assert set(art_50.topics.values_list("slug", flat=True)) == {
        "transparency-and-explanation",
        LABELLING,
    }

    def change(rows):
        for row in rows:
            if row["public_id"] == "eu-ai-act:art_50":
                row["topics"] = f"{LABELLING};information-integrity"
            if row["public_id"] == "eu-ai-act:art_112":
                row.update(topics="", procedural="yes", note="Review clause.")
        return rows

    rewrite_tags(topics_copy, "eu-ai-act", change)
    out, _ = run("load_topics", "--folder", str(topics_copy))
    assert "1 updated" not in out and "2 tags added" not in out
    assert "1 tags added, 2 removed; 1 units' procedural mark or note written" in out
    assert set(art_50.topics.values_list("slug", flat=True)) == {LABELLING, "information-integrity"}
    art_112 = Provision.objects.get(public_id="eu-ai-act:art_112")
    assert (art_112.procedural, art_112.topic_note, art_112.topics.count()) == (
        True,
        "Review clause.",
        0,
    )
    removed = ProvisionTopic.history.filter(history_type="-", provision_id=art_50.pk).get()
    assert removed.topic.slug == "transparency-and-explanation"
    assert removed.history_change_reason == "load_topics: tags/eu-ai-act.csv"
    assert art_112.history.first().history_change_reason == "load_topics"
    assert "Nothing to write" in run("load_topics", "--folder", str(topics_copy))[0]


def test_bad_rows_are_reported_one_by_one_and_nothing_is_written(db, topics_copy):
    taxonomy = json.loads((topics_copy / "taxonomy.json").read_text(encoding="utf-8"))
    taxonomy["topics"][0]["name"] = "Renamed in the same run"
    (topics_copy / "taxonomy.json").write_text(json.dumps(taxonomy), encoding="utf-8")

    def change(rows):
        rows[0]["topics"] = "no-such-topic"
        rows[1].update(topics="security", procedural="yes")
        rows[2]["topics"] = "security;privacy-and-data-protection;standards;human-oversight"
        rows[3]["procedural"] = "maybe"
        return [
            *rows,
            {"public_id": "jp-ai-promotion-act:art_99", "topics": "security"},
            {"public_id": "jp-ai-promotion-act:art_1__para_1", "topics": "security"},
            {"public_id": "eu-ai-act:art_4", "topics": "security"},
            {"public_id": "jp-ai-promotion-act:art_6", "topics": "security"},
            {"public_id": "jp-ai-promotion-act:art_5", "topics": ""},
        ]

    rewrite_tags(topics_copy, "jp-ai-promotion-act", change)
    tags, history, names = (
        ProvisionTopic.objects.count(),
        history_counts(),
        list(Topic.objects.values_list("name", flat=True)),
    )
    with pytest.raises(CommandError, match="9 error"):
        run("load_topics", "--folder", str(topics_copy))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_topics", "--folder", str(topics_copy), stderr=err, stdout=io.StringIO())
    f = "tags/jp-ai-promotion-act.csv"
    assert err.getvalue().splitlines() == [
        f"  {f}, line 2, jp-ai-promotion-act:art_1: unknown topic 'no-such-topic'",
        f"  {f}, line 3, jp-ai-promotion-act:art_2: A procedural unit carries no topics.",
        f"  {f}, line 4, jp-ai-promotion-act:art_3: At most 3 topics.",
        f"  {f}, line 5, jp-ai-promotion-act:art_4: procedural must be 'yes' or empty, not 'maybe'",
        f"  {f}, line 36, jp-ai-promotion-act:art_5: Needs 1 to 3 topics or the procedural mark.",
        f"  {f}, line 32, jp-ai-promotion-act:art_99: no provision has this public id",
        f"  {f}, line 33, jp-ai-promotion-act:art_1__para_1: not a citable unit (paragraph "
        "Article 1(1))",
        f"  {f}, line 34, eu-ai-act:art_4: belongs to eu-ai-act, not to this file's instrument",
        f"  {f}, line 35, jp-ai-promotion-act:art_6: already tagged in {f}, line 7",
    ]
    assert ProvisionTopic.objects.count() == tags
    assert history_counts() == history
    assert list(Topic.objects.values_list("name", flat=True)) == names


def test_taxonomy_errors_name_the_entry(db, topics_copy):
    taxonomy = json.loads((topics_copy / "taxonomy.json").read_text(encoding="utf-8"))
    # The second child of the first top-level topic is put under the first child.
    first_child = next(i for i, t in enumerate(taxonomy["topics"]) if t["parent"]) + 1
    taxonomy["topics"][first_child]["parent"] = taxonomy["topics"][first_child - 1]["slug"]
    taxonomy["topics"].append({"slug": "matrix", "name": "M", "definition": "d", "parent": None})
    taxonomy["topics"].append({"slug": "Bad Slug", "name": "", "definition": "", "parent": None})
    (topics_copy / "taxonomy.json").write_text(json.dumps(taxonomy), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("load_topics", "--folder", str(topics_copy), stderr=err, stdout=io.StringIO())
    lines = err.getvalue().splitlines()
    n = len(taxonomy["topics"])
    child = taxonomy["topics"][first_child]
    assert lines[:4] == [
        f"  taxonomy.json, line {first_child + 1}, {child['slug']}: parent "
        f"{child['parent']!r} is not a top-level topic listed before it",
        f"  taxonomy.json, line {n - 1}, matrix: slug 'matrix' is reserved",
        f"  taxonomy.json, line {n}, Bad Slug: slug must be lower-case words joined by hyphens",
        f"  taxonomy.json, line {n}, Bad Slug: name is required",
    ]


# API -------------------------------------------------------------------------------------------


def test_topic_detail_whole_object(api):
    topic = Topic.objects.get(slug=LABELLING)
    body = api.get(f"/api/v1/topics/{LABELLING}/").json()
    counts = expected_counts(LABELLING)
    assert counts["eu-ai-act"] == 1 and counts["kr-ai-framework-act"] == 1
    assert body == {
        "slug": LABELLING,
        "name": "Labelling and provenance of AI-generated content",
        "parent": TRANSPARENCY,
        "children": [],
        "definition": topic.definition,
        "origin": "G7 Guiding Principle 7; EU AI Act, Article 50(2) and (4); Korea AI Framework "
        "Act, Article 31(2) and (3).",
        "provisions": sum(counts.values()),
        "by_instrument": counts,
        "updated_at": topic.updated_at.isoformat().replace("+00:00", "Z"),
    }


def test_a_top_level_topic_counts_its_childrens_provisions_once(api):
    parent = Topic.objects.get(slug=TRANSPARENCY)
    children = list(parent.children.values_list("slug", flat=True))
    body = api.get(f"/api/v1/topics/{TRANSPARENCY}/").json()
    assert body["children"] == children
    assert body["by_instrument"] == expected_counts(TRANSPARENCY, *children)
    # EU Article 50 carries two children of the parent and counts once.
    assert body["by_instrument"]["eu-ai-act"] < sum(
        expected_counts(child).get("eu-ai-act", 0) for child in children
    )


def test_topic_list_filters_and_order(api):
    top = api.get("/api/v1/topics/", {"top_level": "true"}).json()["results"]
    assert [t["slug"] for t in top] == list(
        Topic.objects.filter(parent=None).order_by("position").values_list("slug", flat=True)
    )
    children = api.get("/api/v1/topics/", {"parent": TRANSPARENCY, "page_size": 100}).json()
    assert {t["parent"] for t in children["results"]} == {TRANSPARENCY}
    assert children["count"] == 6
    assert api.get("/api/v1/topics/", {"top_level": "null"}).status_code == 400


def test_provisions_on_a_top_level_topic_include_its_childrens(api):
    children = list(Topic.objects.filter(parent__slug=TRANSPARENCY).values_list("slug", flat=True))
    expected = set(
        Provision.objects.filter(
            Q(topic_tags__topic__slug__in=children) | Q(topic_tags__topic__slug=TRANSPARENCY)
        ).values_list("public_id", flat=True)
    )
    body = api.get("/api/v1/provisions/", {"topic": TRANSPARENCY, "page_size": 500}).json()
    assert body["count"] == len(expected) > 100
    assert {row["public_id"] for row in body["results"]} == expected
    leaf = api.get("/api/v1/provisions/", {"topic": LABELLING, "page_size": 500}).json()
    assert "eu-ai-act:art_50" in {row["public_id"] for row in leaf["results"]}
    assert leaf["count"] < body["count"]


def test_provisions_on_an_unknown_topic_is_a_400(api):
    response = api.get("/api/v1/provisions/", {"topic": "no-such-topic"})
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "status": 400,
            "code": "invalid",
            "detail": "Invalid input.",
            "fields": {"topic": ["No topic has the slug “no-such-topic”."]},
        }
    }


def test_mappings_on_a_top_level_topic_include_its_childrens(api):
    mapping("eu-ai-act:art_50", "kr-ai-framework-act:art_31", "intersects_with")
    mapping("eu-ai-act:art_4", "jp-ai-promotion-act:art_15", "intersects_with")
    on_parent = api.get("/api/v1/mappings/", {"topic": TRANSPARENCY}).json()["results"]
    assert [(m["source"]["public_id"], m["target"]["public_id"]) for m in on_parent] == [
        ("eu-ai-act:art_50", "kr-ai-framework-act:art_31")
    ]


def test_compare_puts_each_instruments_provisions_side_by_side(api):
    instruments = "kr-ai-framework-act,eu-ai-act,g7-hiroshima-code-of-conduct,us-eo-14277"
    response = api.get("/api/v1/compare/", {"topic": LABELLING, "instruments": instruments})
    assert response.status_code == 200
    body = response.json()
    assert body["topic"] == {
        "slug": LABELLING,
        "name": "Labelling and provenance of AI-generated content",
        "parent": TRANSPARENCY,
        "definition": Topic.objects.get(slug=LABELLING).definition,
    }
    assert body["includes"] == [LABELLING]
    assert (body["as_of"], body["in_force_on"]) == (None, timezone.localdate().isoformat())
    columns = [(c["instrument"], c["count"]) for c in body["instruments"]]
    assert columns == [
        ("kr-ai-framework-act", 1),
        ("eu-ai-act", 1),
        ("g7-hiroshima-code-of-conduct", 2),
        ("us-eo-14277", 0),
    ]
    korea = Provision.objects.get(public_id="kr-ai-framework-act:art_31")
    assert body["instruments"][0]["provisions"] == [
        {
            "public_id": "kr-ai-framework-act:art_31",
            "citation": "Article 31",
            "kind": "article",
            "heading": korea.heading,
            "text": korea.text,
            "heading_original": korea.heading_original,
            "text_original": korea.text_original,
            "original_language": "ko",
            "status": korea.status_on(timezone.localdate()),
            "topics": ["transparency-and-explanation", LABELLING],
        }
    ]
    g7 = [p["citation"] for p in body["instruments"][2]["provisions"]]
    assert g7 == ["Action 7", "Action 10"]
    assert body["instruments"][0]["short_title"] == "Korea AI Framework Act"
    assert body["instruments"][0]["jurisdiction"] == "KR"


def test_compare_on_a_day_shows_what_was_in_force_and_applicable_then(api):
    instruments = "eu-ai-act,kr-ai-framework-act,g7-hiroshima-code-of-conduct"
    body = api.get(
        "/api/v1/compare/",
        {"topic": LABELLING, "instruments": instruments, "as_of": "2025-06-01"},
    ).json()
    # Article 50 applies from 2 August 2026; Korea's Act is in force from 22 January 2026.
    assert [c["count"] for c in body["instruments"]] == [0, 0, 2]
    assert body["as_of"] == body["in_force_on"] == "2025-06-01"
    parent = api.get(
        "/api/v1/compare/", {"topic": TRANSPARENCY, "instruments": "jp-ai-promotion-act"}
    ).json()
    assert parent["includes"][0] == TRANSPARENCY and len(parent["includes"]) == 7
    assert [p["citation"] for p in parent["instruments"][0]["provisions"]] == ["Article 3"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        (
            {"topic": "nope", "instruments": "eu-ai-act"},
            {"topic": ["No topic has the slug “nope”."]},
        ),
        (
            {"topic": LABELLING, "instruments": "eu-ai-act,xx-act"},
            {"instruments": ["No instrument has the slug “xx-act”."]},
        ),
        (
            {"topic": LABELLING, "instruments": "eu-ai-act,eu-ai-act"},
            {"instruments": ["An instrument is listed twice."]},
        ),
        (
            {"topic": LABELLING, "instruments": "eu-ai-act", "as_of": "2025-02-30"},
            {"as_of": ["Enter a valid date as YYYY-MM-DD."]},
        ),
        ({"topic": LABELLING}, {"instruments": ["This field is required."]}),
        (
            {"topic": LABELLING, "instruments": "eu-ai-act", "instrument": "x"},
            {"instrument": ["Unknown parameter. Allowed: as_of, instruments, topic."]},
        ),
    ],
)
def test_compare_bad_input_is_a_400_in_the_error_shape(api, params, fields):
    response = api.get("/api/v1/compare/", params)
    assert response.status_code == 400
    assert response.json() == {
        "error": {"status": 400, "code": "invalid", "detail": "Invalid input.", "fields": fields}
    }


def test_matrix_json_counts_every_topic_for_every_in_force_instrument(api):
    body = api.get("/api/v1/topics/matrix/").json()
    today = timezone.localdate()
    assert body["as_of"] == today.isoformat()
    slugs = [i["slug"] for i in body["instruments"]]
    assert set(slugs) == set(
        Instrument.objects.filter(in_force_q(today)).values_list("slug", flat=True)
    )
    assert all(i["untagged"] == [] and i["share_covered"] == 1.0 for i in body["instruments"])
    eu = next(i for i in body["instruments"] if i["slug"] == "eu-ai-act")
    units = in_force_today(Provision.objects.filter(instrument__slug="eu-ai-act")).citable()
    assert eu["citable_units"] == units.count()
    assert eu["procedural"] == units.filter(procedural=True).count() == 3
    first_two = [t["slug"] for t in body["topics"]][:2]
    assert first_two == ["foundations", "purpose-scope-and-definitions"]
    assert len(body["topics"]) == Topic.objects.count()
    row = next(t for t in body["topics"] if t["slug"] == LABELLING)
    expected = expected_counts(LABELLING)
    assert row["counts"] == {slug: expected.get(slug, 0) for slug in slugs}
    assert row["total"] == sum(expected.values())


def test_matrix_csv_has_one_row_per_topic_and_guards_formulas(api):
    Topic.objects.create(slug="formula-probe", name="=HYPERLINK(1)", definition="d", position=99)
    response = api.get("/api/v1/topics/matrix.csv", {"bom": "true"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    json_body = api.get("/api/v1/topics/matrix/").json()
    slugs = [i["slug"] for i in json_body["instruments"]]
    assert rows[0] == ["topic", "name", "parent", "total", *slugs]
    assert len(rows) == 1 + Topic.objects.count()
    assert ["formula-probe", "'=HYPERLINK(1)", "", "0", *("0" for _ in slugs)] in rows
    labelling = next(r for r in rows if r[0] == LABELLING)
    json_row = next(t for t in json_body["topics"] if t["slug"] == LABELLING)
    assert labelling[2:] == [TRANSPARENCY, str(json_row["total"])] + [
        str(json_row["counts"][s]) for s in slugs
    ]
    assert api.get("/api/v1/topics/matrix.csv", {"bom": "perhaps"}).status_code == 400


def test_topic_views_query_counts_do_not_grow(api, django_assert_max_num_queries):
    api.get("/api/v1/topics/")  # the key's last use is recorded once a minute
    for size in (5, 40):
        with django_assert_max_num_queries(5):
            assert api.get("/api/v1/topics/", {"page_size": size}).status_code == 200
    for instruments in ("eu-ai-act,jp-ai-promotion-act", ",".join(MANY)):
        with django_assert_max_num_queries(7):
            response = api.get(
                "/api/v1/compare/", {"topic": "risk-and-safety", "instruments": instruments}
            )
            assert response.status_code == 200
    for path in ("/api/v1/topics/matrix/", "/api/v1/topics/matrix.csv"):
        with django_assert_max_num_queries(6):
            assert api.get(path).status_code == 200


MANY = [
    "eu-ai-act", "jp-ai-promotion-act", "jp-ai-guidelines-for-business", "kr-ai-framework-act",
    "oecd-ai-recommendation", "g7-hiroshima-guiding-principles", "g7-hiroshima-code-of-conduct",
    "us-nist-ai-rmf", "us-eo-14179", "us-eo-14409",
]  # fmt: skip


def test_openapi_documents_the_topic_views(api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"/api/v1/compare/", "/api/v1/topics/matrix/", "/api/v1/topics/matrix.csv"} <= set(paths)
    names = {p["name"] for p in paths["/api/v1/compare/"]["get"]["parameters"]}
    assert {"topic", "instruments", "as_of"} <= names
    topic = schema["components"]["schemas"]["Topic"]["properties"]
    assert {"parent", "children", "definition", "origin", "by_instrument"} <= set(topic)


# Admin -----------------------------------------------------------------------------------------


@pytest.fixture
def boss(client, db):
    client.force_login(get_user_model().objects.create_superuser("boss", password="x"))
    return client


def test_admin_matrix_page_shows_counts_and_full_coverage(boss):
    response = boss.get("/admin/crosswalk/topic/matrix/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="topic-matrix"' in page
    assert (
        page.count('class="full">100%')
        == Instrument.objects.filter(in_force_q(timezone.localdate())).count()
    )
    topic = Topic.objects.get(slug=LABELLING)
    eu = Instrument.objects.get(slug="eu-ai-act")
    assert f"?instrument__id__exact={eu.pk}&amp;topic={topic.pk}" in page
    listed = boss.get(f"/admin/crosswalk/provision/?instrument__id__exact={eu.pk}&topic={topic.pk}")
    assert listed.status_code == 200 and "eu-ai-act:art_50" in listed.content.decode()


def test_admin_topic_edit_keeps_history(boss):
    topic = Topic.objects.get(slug=LABELLING)
    response = boss.post(
        f"/admin/crosswalk/topic/{topic.pk}/change/",
        {
            "name": topic.name,
            "slug": topic.slug,
            "parent": topic.parent_id,
            "definition": topic.definition + " Edited.",
            "origin": topic.origin,
            "position": topic.position,
        },
    )
    assert response.status_code == 302
    latest = topic.history.first()
    assert latest.definition.endswith(" Edited.") and latest.history_user.username == "boss"
    history = boss.get(f"/admin/crosswalk/topic/{topic.pk}/history/")
    assert history.status_code == 200


def test_admin_topic_cannot_go_three_levels_deep(boss):
    parent = Topic.objects.get(slug=TRANSPARENCY)
    other = Topic.objects.get(slug="risk-and-safety")
    response = boss.post(
        f"/admin/crosswalk/topic/{parent.pk}/change/",
        {
            "name": parent.name,
            "slug": parent.slug,
            "parent": other.pk,
            "definition": parent.definition,
            "origin": parent.origin,
            "position": parent.position,
        },
    )
    assert response.status_code == 200
    assert "This topic has children: it must stay top-level." in response.content.decode()
    child = Topic.objects.get(slug=LABELLING)
    response = boss.post(
        f"/admin/crosswalk/topic/{parent.pk}/change/",
        {"name": "x", "slug": "x", "parent": child.pk, "definition": "d", "position": 1},
    )
    assert "Select a valid choice" in response.content.decode()
    parent.refresh_from_db()
    assert parent.parent_id is None


def test_admin_provision_page_refuses_topics_on_a_procedural_unit(boss):
    provision = Provision.objects.get(public_id="eu-ai-act:art_113")
    assert provision.procedural
    page = boss.get(f"/admin/crosswalk/provision/{provision.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        {
            "instrument": provision.instrument_id,
            "procedural": "on",
            "footnotes": "[]",
            "application_dates": json.dumps(provision.application_dates),
            "extra": json.dumps(provision.extra),
        }
    )
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        prefix = formset.formset.prefix
        data.update({f"{prefix}-{k}": v for k, v in management.initial.items()})
        for index, inline in enumerate(formset.formset.initial_forms):
            for name in inline.fields:
                value = inline.initial.get(name)
                if value is not None:
                    data[f"{prefix}-{index}-{name}"] = (
                        json.dumps(value) if isinstance(value, list | dict) else value
                    )
            data[f"{prefix}-{index}-id"] = inline.instance.pk
    tags = "topic_tags"
    data[f"{tags}-TOTAL_FORMS"] = 1
    data[f"{tags}-0-topic"] = Topic.objects.get(slug="security").pk
    data[f"{tags}-0-provision"] = provision.pk
    response = boss.post(f"/admin/crosswalk/provision/{provision.pk}/change/", data)
    assert response.status_code == 200
    assert "A procedural unit carries no topics." in response.content.decode()
    assert provision.topics.count() == 0


def test_admin_tag_history_csv_names_each_tag_change(boss):
    response = boss.get("/admin/crosswalk/topic/tags-history.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = ["object_id", "history_id", "changed_at", "changed_by", "change", "reason"]
    assert rows[0][:6] == header
    assert len(rows) - 1 == ProvisionTopic.history.count() > 800
    assert {row[5] for row in rows[1:]} == {"load_topics"}
