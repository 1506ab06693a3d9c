"""Per source: counts, tree shape, first and last text equal to the file, both languages."""

from __future__ import annotations

import json

import pytest

from crosswalk.models import Instrument, Provision

SIMPLE = {
    # slug: (file, count, text key, original-language key)
    "jp-ai-promotion-act": ("jp-ai-promotion-act-2025.json", 85, "text_en", "text_ja"),
    "g7-hiroshima-guiding-principles": (
        "g7-hiroshima-guiding-principles-2023.json", 12, "text", None,
    ),
    "g7-hiroshima-code-of-conduct": ("g7-hiroshima-code-of-conduct-2023.json", 12, "text", None),
    "us-nist-ai-rmf": ("us-nist-ai-rmf-1.0.json", 104, "text", None),
    "kr-ai-framework-act": ("kr-ai-framework-act.json", 429, "text_en", "text_ko"),
    **{
        f"us-eo-{n}": (f"us-eo-{n}.json", count, "text", None)
        for n, count in {
            "14110": 434, "14148": 90, "14179": 14, "14277": 56, "14318": 43, "14319": 27,
            "14320": 35, "14355": 17, "14363": 60, "14365": 23, "14409": 26, "14434": 17,
        }.items()
    },
}  # fmt: skip


def load(sources, name):
    return json.loads((sources / name).read_text(encoding="utf-8"))


def assert_tree_matches(slug: str, raws: list[dict]) -> None:
    rows = {
        p.citation: p
        for p in Provision.objects.filter(instrument__slug=slug).select_related("parent")
    }
    for raw in raws:
        row = rows[raw["ref"]]
        assert (row.parent.citation if row.parent else None) == raw["parent"], raw["ref"]
        assert row.kind == raw["kind"]


@pytest.mark.parametrize("slug", sorted(SIMPLE))
def test_single_file_sources(db, sources, slug):
    file, count, text_key, original_key = SIMPLE[slug]
    raws = load(sources, file)["provisions"]
    rows = list(Provision.objects.filter(instrument__slug=slug).order_by("position"))
    assert len(raws) == len(rows) == count
    assert [r.citation for r in rows] == [p["ref"] for p in raws]
    assert_tree_matches(slug, raws)
    for raw, row in [(raws[0], rows[0]), (raws[-1], rows[-1])]:
        assert row.text == (raw[text_key] or "")
        if original_key:
            assert row.text_original == (raw[original_key] or "")
    if original_key:
        with_both = [r for r in rows if r.text and r.text_original]
        assert len(with_both) > count * 0.8
        assert all(r.original_language == original_key[-2:] for r in rows)


def test_eu_ai_act_both_texts(db, sources):
    oj = load(sources, "eu-ai-act-2024-1689.json")
    cons = load(sources, "eu-ai-act-2024-1689-consolidated-2026-07-27.json")
    refs = {p["ref"] for p in oj["provisions"]} | {p["ref"] for p in cons["provisions"]}
    rows = Provision.objects.filter(instrument__slug="eu-ai-act")
    assert rows.count() == len(refs) == 1658
    two_texts = [p for p in rows.prefetch_related("texts") if p.texts.count() == 2]
    assert len(two_texts) == 90
    first, last = oj["provisions"][0], cons["provisions"][-1]
    assert rows.get(citation=first["ref"]).text == first["text"]
    assert rows.get(citation=last["ref"]).text == last["text"]
    assert rows.get(citation="Article 4a").in_force_from.isoformat() == "2026-07-27"
    assert_tree_matches("eu-ai-act", cons["provisions"])
    assert rows.filter(end_reason="deleted").count() == len(cons["deleted_refs"]) == 10


def test_oecd_both_texts(db, sources):
    first = load(sources, "oecd-ai-recommendation-2019.json")["provisions"]
    second = load(sources, "oecd-ai-recommendation-2024.json")["provisions"]
    rows = Provision.objects.filter(instrument__slug="oecd-ai-recommendation")
    assert rows.count() == len({p["ref"] for p in first} | {p["ref"] for p in second})
    assert rows.get(citation="Preamble").texts.first().text == first[0]["text"]
    assert rows.get(citation="VIII(d)").text == second[-1]["text"]


def test_japan_guidelines_ver1_1_and_ver1_2(db, sources):
    slug = "jp-ai-guidelines-for-business"
    v11 = load(sources, "jp-ai-guidelines-for-business-v1.1.json")["provisions"]
    rows = Provision.objects.filter(instrument__slug=slug)
    assert rows.count() == 155  # 55 of Ver1.1 (42 carried on), 100 new in Ver1.2
    assert_tree_matches(slug, v11)
    for raw in (v11[0], v11[-1]):
        first = rows.get(citation=raw["ref"]).texts.order_by("valid_from").first()
        assert first.text == raw["text"]
    md = (sources / "jp-ai-guidelines-for-business-v1.2.ja.honpen.md").read_text()
    squeezed = "".join(md.split())
    ordered = list(rows.order_by("position"))
    assert ordered[0].citation == "Preface"
    assert "".join(ordered[0].text_original.split()).startswith("AI関連技術は日々発展をみせ")
    assert ordered[-1].citation == "Part 5, closing text"
    assert squeezed.endswith("".join(ordered[-1].text_original.split()))
    assert {r.original_language for r in rows.filter(in_force_until=None)} == {"ja"}
    assert {r.original_language for r in rows.exclude(in_force_until=None)} == {""}


def test_every_public_id_is_slug_and_eid(db):
    for slug, public_id, eid in Provision.objects.values_list(
        "instrument__slug", "public_id", "eid"
    ):
        assert public_id == f"{slug}:{eid}"
    assert Instrument.objects.count() == 21
