"""AI Guidelines for Business Ver1.2: every character of the source accounted for, the parse of
its structure and footnotes, the two versions in the fixture, and each version's day in the API."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings

from crosswalk.importers import jp_guidelines
from crosswalk.importers import jp_guidelines_v12 as v12

SOURCES = Path(settings.SHARED_SOURCES_DIR)
SOURCE = "jp-ai-guidelines-for-business-v1.2.ja.honpen.md"
PUA_POSITIONS = "jp-ai-guidelines-for-business-v1.2.ja.honpen.pua-positions.json"
SLUG = "jp-ai-guidelines-for-business"
# Sub-items per principle 1)-10), as in Ver1.1 (30 in all; 9) has none).
SUB_ITEMS = [6, 3, 2, 1, 2, 4, 6, 3, 0, 3]


@pytest.fixture(scope="module")
def source() -> str:
    if not (SOURCES / SOURCE).exists():
        pytest.skip(f"{SOURCE} not found in {SOURCES}")
    return (SOURCES / SOURCE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(source: str) -> v12.Parsed:
    return v12.parse(source)


@pytest.fixture(scope="module")
def doc(source: str) -> dict:
    return jp_guidelines.build(SOURCES)


def nodes_of(parsed: v12.Parsed, kind: str, parent: str | None = None) -> list[v12.Node]:
    return [
        n
        for n in parsed.nodes
        if n.kind == kind and (parent is None or (n.parent and n.parent.key == parent))
    ]


def source_char(source: str, offset: int) -> str:
    return v12.GLYPH_MAP.get(source[offset], source[offset])


# -- every character ----------------------------------------------------------------------


def test_every_character_from_hajimeni_on_lands_exactly_once_in_order(source, parsed):
    """An ordered interleaving: the pieces (labels, headings, texts, footnote bodies, footnote
    calls, figure titles) partition the source's non-blank characters from はじめに to the end,
    each piece taking its characters in source order."""
    assert source[parsed.start : parsed.start + 5] == "はじめに\n"
    expected = [i for i in range(parsed.start, len(source)) if not source[i].isspace()]
    totals: Counter[str] = Counter()
    used: Counter[int] = Counter()
    for name, piece in v12.iter_pieces(parsed):
        output = [c for c in piece.text if not c.isspace()]
        assert output == [source_char(source, o) for o in piece.offsets], name
        assert piece.offsets == sorted(piece.offsets), name
        used.update(piece.offsets)
        totals[name.rsplit(": ", 1)[-1] if ": " in name else name.split(" ")[0]] += len(output)
    for call in parsed.calls:
        for number, digits in zip(call.numbers, call.digit_offsets, strict=True):
            assert "".join(source[o] for o in digits) == number
            used.update(digits)
            totals["footnote numbers"] += len(digits)
        assert all(source[o] == "," for o in call.separator_offsets)
        used.update(call.separator_offsets)
        totals["call commas"] += len(call.separator_offsets)
    figures = totals.pop("figure")
    report = (
        f"{len(expected)} non-blank characters from はじめに on: texts {totals['text']}, "
        f"headings {totals['heading']}, labels {totals['label']}, footnote bodies "
        f"{totals['footnote']}, footnote numbers {totals['footnote numbers']} (+ "
        f"{totals['call commas']} commas between them), layout list (figure titles) {figures}"
    )
    print(report)
    assert [o for o, n in used.items() if n > 1] == [], report
    assert sorted(used) == expected, report
    assert sum(totals.values()) + figures == len(expected), report
    assert len(parsed.figures) == 6 and figures < 100, report


def test_fixture_holds_the_same_characters_as_the_source(source, doc):
    """A multiset check on the fixture alone: the Ver1.2 dated texts (headings, texts,
    footnotes and their numbers), labels and figure titles hold the source's characters, the
    private-use bullets read as "•", less only the commas of the calls 1,2 13,14 26,27 31,32."""
    pua = json.loads((SOURCES / PUA_POSITIONS).read_text(encoding="utf-8"))["inferred_pua_chars"]
    assert {(p["offset"], chr(int(p["codepoint"], 16))) for p in pua} == {
        (i, c) for i, c in enumerate(source) if c in "\uf09f\uf0b2"
    }
    assert Counter(source[p["offset"]] for p in pua) == {"\uf09f": 21, "\uf0b2": 113}
    start = source.index("\nはじめに\n") + 1
    expected = Counter(source_char(source, i) for i in range(start, len(source)))
    found: Counter[str] = Counter()
    for p in doc["provisions"]:
        ver12 = [t for t in p["texts"] if t["source_file"] == jp_guidelines.FILE_V12]
        if not ver12:
            continue
        found.update(p["label_original"])
        found.update(ver12[0]["heading_original"] + ver12[0]["text_original"])
        for footnote in ver12[0]["footnotes"]:
            found.update(footnote["number"] + footnote["text"])
        for figure in p["extra"].get("figures", []):
            found.update(figure)
    blank = [c for c in set(expected) | set(found) if c.isspace()]
    for c in blank:
        expected.pop(c, None)
        found.pop(c, None)
    assert not {"\uf09f", "\uf0b2"} & set(found)
    assert expected - found == Counter({",": 4}), (expected - found, found - expected)
    assert found - expected == Counter()


# -- the parse ------------------------------------------------------------------------------


def test_part_2_c_has_ten_principles_and_thirty_sub_items(parsed):
    principles = nodes_of(parsed, "principle", "Part 2 C")
    assert [p.key for p in principles] == [f"Part 2 C {n})" for n in range(1, 11)]
    assert [len(nodes_of(parsed, "sub_principle", p.key)) for p in principles] == SUB_ITEMS
    assert principles[5].heading.text == "透明性"
    assert principles[0].label_original.text == "1)"
    subs = nodes_of(parsed, "sub_principle")
    assert len(subs) == 30 and all(s.heading and s.text for s in subs)
    assert subs[0].heading.text == "人間の尊厳及び個人の自律"
    assert subs[0].label_original.text == "①"


def test_part_2_d_lead_in_paragraphs_and_principles_1_to_12(parsed):
    by_key = parsed.by_key()
    assert by_key["Part 2 D"].heading.text == (
        "広島 AI プロセス「全ての AI 関係者向けの広島プロセス国際指針」"
    )
    assert by_key["Part 2 D"].text.text.startswith("全ての AI システムに関係する事業者は")
    assert [p.key for p in nodes_of(parsed, "paragraph", "Part 2 D")] == [
        "Part 2 D 1.",
        "Part 2 D 2.",
        "Part 2 D 3.",
    ]
    second = nodes_of(parsed, "principle", "Part 2 D 2.")
    third = nodes_of(parsed, "principle", "Part 2 D 3.")
    assert [p.label_original.text for p in second + third] == list("①②③④⑤⑥⑦⑧⑨⑩⑪⑫")
    assert (
        second[9].heading.text == "国際的な技術規格の開発を推進し、適切な場合にはその採用を推進する"
    )
    assert all(not p.text for p in second)
    assert third[0].heading.text == "高度な AI システムの信頼でき責任ある利用を促進し、貢献する。"
    assert third[0].text.text.startswith("AI 関係者は、高度な AI システムが特定のリスク")


def test_part_1_terms_and_parts_3_to_5_items(parsed):
    terms = nodes_of(parsed, "definition", "Part 1, terms")
    assert len(terms) == 11
    assert [t.heading.text for t in terms[7:]] == [
        "学習",
        "推論",
        "AI エージェント",
        "フィジカル AI",
    ]
    items = {part: [] for part in ("Part 3", "Part 4", "Part 5")}
    for item in nodes_of(parsed, "item"):
        part = item.parent if item.parent.kind == "part" else item.parent.parent
        items[part.key].append(item.number)
    assert {part: len(numbers) for part, numbers in items.items()} == {
        "Part 3": 12,
        "Part 4": 12,
        "Part 5": 7,
    }
    assert items["Part 3"][0] == "D-2) i." and items["Part 3"][-1] == "D-10) i."
    assert items["Part 4"].count("P-2) ii.") == 2  # once at implementation, once after provision
    assert items["Part 5"][-1] == "U-7) ii."
    stages = [(s.parent.key, s.heading.text) for s in nodes_of(parsed, "stage")]
    assert stages == [
        ("Part 3", "データ前処理時"),
        ("Part 3", "AI 開発時"),
        ("Part 3", "AI 開発後"),
        ("Part 4", "AI システム実装時"),
        ("Part 4", "AI システム・サービス提供後"),
        ("Part 5", "AI システム・サービス利用時"),
    ]
    actions = nodes_of(parsed, "action", "Part 3, Code of Conduct")
    assert [a.number for a in actions] == v12.ROMAN
    assert actions[3].heading.text == (
        "産業界、政府、市民社会、学界を含む、高度な AI システムを開発する組織間での"
        "責任ある情報共有とインシデントの報告に向けて取り組む"
    )
    assert actions[0].text.text.startswith("これには、レッドチーミング等の評価方法")
    assert [len(nodes_of(parsed, "point", f"Part 2 {s}")) for s in "AE"] == [3, 5]


def test_footnotes_1_to_58_each_called_once_before_its_body(parsed):
    numbers = [str(n) for n in range(1, 59)]
    assert list(parsed.footnotes) == numbers
    assert [n for call in parsed.calls for n in call.numbers] == numbers
    first_offset = {n: body.offsets[0] for n, body in parsed.footnotes.items()}
    for call in parsed.calls:
        for number, digits in zip(call.numbers, call.digit_offsets, strict=True):
            assert digits[0] < first_offset[number], number
    bodies = [first_offset[n] for n in numbers]
    assert bodies == sorted(bodies)
    called_by = {n: node.key for node in parsed.nodes for n in node.footnote_numbers}
    assert called_by["1"] == called_by["2"] == "Preface"
    assert called_by["18"] == called_by["19"] == "Part 1, term 10"
    assert called_by["56"] == "Part 3, Code of Conduct"


def test_footnote_numbers_leave_the_word_and_bodies_leave_the_sentence(parsed):
    by_key = parsed.by_key()
    preface = by_key["Preface"].text.text
    assert "9 月に全面施行された。\n本ガイドラインは" in preface
    assert "事業者（政府・自治体等の公的機関を含む）" in preface  # 政府3・自治体4等
    assert "そして、3 つのガイドライン" in preface  # a number, not call 3
    assert by_key["Part 1, term 10"].heading.text == "AI エージェント"
    assert by_key["Part 2 C 2)(3)"].heading.text == "適正学習"
    # Footnote 29's body (about RAG) sat mid-sentence at a page foot; the bullet reads through.
    bullet = "その精巧さにより誤解や偏見等を助長する可能性があることや、他者の知的財産権等"
    assert bullet in by_key["Part 2 C 2)(2)"].text.text
    assert "RAG" not in by_key["Part 2 C 2)(2)"].text.text
    assert "日本も 2022 年 4 月に参加し、Global CBPR Framework を公表している。" in (
        parsed.footnotes["40"].text  # one body across two page feet
    )
    assert parsed.footnotes["1"].text == "https://www8.cao.go.jp/cstp/ai/ai_act/ai_act.html"
    glued = re.compile(r"[^\x00-\x7f（「『｢θ第][0-9]+(?![0-9 ])")
    for name, piece in v12.iter_pieces(parsed):
        if not name.startswith(("footnote", "Part 2 C, Table 1")):
            assert not glued.findall(piece.text), name


def test_labels_and_bullets_out_of_place_go_to_their_items(parsed):
    """pdftotext put some sub-item labels before the previous item's last bullets."""
    by_key = parsed.by_key()
    assert by_key["Part 2 C 6)(3)"].text.text.endswith(
        "• 公開されている技術を用いる際には、それぞれ定められている規程に準拠する\n"
        "• 開発した AI システムのオープンソース化にあたっても、社会的な影響を検討する"
    )
    assert by_key["Part 2 C 6)(4)"].heading.text == (
        "関連するステークホルダーへの説明可能性・解釈可能性の向上"
    )
    assert by_key["Part 2 C 7)(3)"].text.text == (
        "• 各主体においてアカウンタビリティを果たす責任者を設定する"
    )
    assert by_key["Part 2 C 7)(4)"].heading.text == "関係者間の責任の分配"
    assert by_key["Part 2 C 10)(1)"].heading.text == "オープンイノベーション等の推進"
    assert by_key["Part 2 C 10)(2)"].text.text.endswith("• 標準仕様がある場合には、それに準拠する")
    assert by_key["Part 2 C 10)(3)"].heading.text == "適切な情報提供"


def test_parse_refuses_a_source_that_lost_a_footnote_body_or_call(source):
    with pytest.raises(v12.ParseError, match="footnote 1: no line starts with"):
        v12.parse(source.replace("https://www8.cao.go.jp/cstp/ai/ai_act/ai_act.html\n", "", 1))
    with pytest.raises(v12.ParseError, match="footnote calls 1 to 0 only"):
        v12.parse(source.replace("全面施行された1,2。", "全面施行された。", 1))


# -- the fixture ----------------------------------------------------------------------------


def test_part_2_c_keeps_its_ids_with_ver1_2_japanese_beside_ver1_1_english(doc):
    rows = [p for p in doc["provisions"] if p["citation"].startswith("Part 2 C")]
    carried = [p for p in rows if p["in_force_from"] == "2025-04-04"]
    assert len(carried) == 42  # the section, 10 principles, 30 sub-items, the closing text
    for p in carried:
        old, new = p["texts"]
        assert (old["valid_from"], old["valid_until"]) == ("2025-04-04", "2026-03-30")
        assert (new["valid_from"], new["valid_until"]) == ("2026-03-31", None)
        assert (new["heading"], new["text"]) == (old["heading"], old["text"])
        assert new["original_language"] == "ja" and new["text_original"]
        assert "Ver1.1's provisional translation" in new["translation_note"]
    sub = next(p for p in carried if p["citation"] == "Part 2 C 1)(1)")
    assert sub["eid"] == "part_2__sec_c__principle_1__subprinciple_1"
    assert sub["texts"][1]["heading_original"] == "人間の尊厳及び個人の自律"
    bubble = next(p for p in carried if p["citation"] == "Part 2 C 1)(2)")["texts"][1]
    assert [f["number"] for f in bubble["footnotes"]] == ["23", "24", "25"]
    assert bubble["footnotes"][2]["text"].startswith("「フィルターバブル」とは")
    assert [p["citation"] for p in rows if p not in carried] == ["Part 2 C, Table 1"]


def test_part_2_d_items_superseded_and_new_principles_from_31_march_2026(doc):
    rows = {p["citation"]: p for p in doc["provisions"]}
    old_items = [
        c for c, p in rows.items() if p["parent"] == "Part 2 D" and "2025" in p["in_force_from"]
    ]
    assert len(old_items) == 12
    for citation in old_items:
        p = rows[citation]
        assert (p["in_force_until"], p["end_reason"]) == ("2026-03-30", "superseded")
        assert "not yet in the corpus" not in p["end_note"] and "Ver1.2" in p["end_note"]
    section = rows["Part 2 D"]
    assert section["in_force_until"] is None
    assert [t["valid_until"] for t in section["texts"]] == ["2026-03-30", None]
    for n in range(1, 13):
        p = rows[f"Part 2 D ({n})"]
        assert p["in_force_from"] == "2026-03-31" and p["texts"][0]["text"] == ""
        assert p["texts"][0]["translation_note"] == jp_guidelines.NO_ENGLISH
        targets = [(r["type"], r["target"], r["valid_from"]) for r in p["references"]]
        expected = f"g7-hiroshima-guiding-principles:principle_{n}"
        assert targets == ([("reproduces", expected, "2026-03-31")] if n <= 11 else [])


def test_code_of_conduct_actions_reproduce_the_g7_code(doc):
    g7 = json.loads(
        (Path(settings.CORPUS_FIXTURES_DIR) / "g7-hiroshima-code-of-conduct.json").read_text()
    )
    g7_ids = {f"g7-hiroshima-code-of-conduct:{p['eid']}" for p in g7["provisions"]}
    actions = [p for p in doc["provisions"] if p["kind"] == "action"]
    targets = [r["target"] for p in actions for r in p["references"]]
    assert targets == [f"g7-hiroshima-code-of-conduct:action_{n}" for n in range(1, 12)]
    assert set(targets) <= g7_ids


def test_instrument_names_both_versions(doc):
    info = doc["instrument"]
    assert info["title_original"] == "AI事業者ガイドライン（第1.2版）"
    assert info["original_language"] == "ja"
    assert [
        (v["label"], v["valid_from"], v["valid_until"], v["source_file"]) for v in info["versions"]
    ] == [
        ("Ver1.1", "2025-04-04", "2026-03-30", "jp-ai-guidelines-for-business-v1.1.json"),
        ("Ver1.2", "2026-03-31", None, SOURCE),
    ]
    assert [s["file"] for s in info["sources"]] == [jp_guidelines.FILE, SOURCE]
    assert "not yet in the corpus" not in info["notes"]
    new = [p for p in doc["provisions"] if p["in_force_from"] == "2026-03-31"]
    assert len(new) == len(doc["provisions"]) - 55
    assert all(p["texts"][0]["text"] == "" for p in new)


# -- through the API ------------------------------------------------------------------------


def day(api, as_of: str) -> dict[str, dict]:
    response = api.get(
        "/api/v1/provisions/", {"instrument": SLUG, "as_of": as_of, "page_size": 500}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return {row["citation"]: row for row in body["results"]}


def test_30_march_2026_reads_ver1_1(api):
    rows = day(api, "2026-03-30")
    assert len(rows) == 55
    assert {f"Part 2 D {n})" for n in ["I", "V", "XII"]} <= set(rows)
    assert not [c for c in rows if c.startswith("Part 2 D (")]
    sub = rows["Part 2 C 1)(1)"]
    assert sub["heading"] == "Human dignity and autonomy of individuals"
    assert sub["text"].startswith("• Based on the social context of AI use")
    assert (sub["heading_original"], sub["text_original"]) == ("", "")


def test_1_april_2026_reads_ver1_2(api):
    rows = day(api, "2026-04-01")
    assert len(rows) == 155 - 12
    assert not [c for c in rows if re.fullmatch(r"Part 2 D [IVX]+\)", c)]
    assert [c for c in rows if c.startswith("Part 2 D (")] == [
        f"Part 2 D ({n})" for n in range(1, 13)
    ]
    sub = rows["Part 2 C 1)(1)"]
    assert sub["public_id"] == f"{SLUG}:part_2__sec_c__principle_1__subprinciple_1"
    assert sub["heading"] == "Human dignity and autonomy of individuals"
    assert sub["text"].startswith("• Based on the social context of AI use")
    assert sub["heading_original"] == "人間の尊厳及び個人の自律"
    assert sub["text_original"].startswith("• AI が活用される際の社会的文脈を踏まえ")
    assert sub["original_language"] == "ja"
    assert rows["Part 2 D"]["heading_original"].startswith("広島 AI プロセス")
    assert rows["Part 2 D (1)"]["heading_original"].startswith("AI ライフサイクル全体にわたる")
    assert rows["Part 2 D (1)"]["text"] == ""


def test_api_serves_versions_footnotes_and_reproduces_links(api):
    body = api.get(f"/api/v1/instruments/{SLUG}/").json()
    assert [(v["label"], v["valid_from"], v["valid_until"]) for v in body["versions"]] == [
        ("Ver1.1", "2025-04-04", "2026-03-30"),
        ("Ver1.2", "2026-03-31", None),
    ]
    preface = api.get(f"/api/v1/provisions/{SLUG}:preface/").json()
    assert [n["number"] for n in preface["footnotes"]] == [str(n) for n in range(1, 16)]
    assert preface["footnotes"][0]["text"] == "https://www8.cao.go.jp/cstp/ai/ai_act/ai_act.html"
    principle = api.get(f"/api/v1/provisions/{SLUG}:part_2__sec_d__para_2__principle_1/").json()
    assert [(r["type"], r["target"], r["valid_from"]) for r in principle["references"]] == [
        ("reproduces", "g7-hiroshima-guiding-principles:principle_1", "2026-03-31")
    ]
    action = api.get("/api/v1/provisions/g7-hiroshima-code-of-conduct:action_4/").json()
    assert [r["source"] for r in action["referenced_by"]] == [f"{SLUG}:part_3__code__action_iv"]
