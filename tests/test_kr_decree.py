"""Korea's Enforcement Decree: its three decrees' texts, its links to the Act, and the Act's
earlier-phase English from the 20676 XML."""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from crosswalk.importers import kr_ai_act, kr_decree
from crosswalk.importers.common import SourceError
from crosswalk.importers.kr_decree import act_citations
from crosswalk.models import Instrument, Provision
from tests.test_point_in_time import provision

SLUG = "kr-ai-framework-act-decree"
API_FILE = "kr-ai-framework-act-decree.lawgokr-api-36580.json"
MD_FILE = "kr-ai-framework-act-decree.legalize-kr-36053.md"
FULL_TITLE = '「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」(이하 "법"이라 한다)'


def law(sources) -> dict:
    return json.loads((sources / API_FILE).read_text(encoding="utf-8"))["법령"]


def as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def clean(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def in_force(api, day: str) -> int:
    return api.get("/api/v1/provisions/", {"instrument": SLUG, "in_force_on": day}).json()["count"]


# Counts and texts against the source files ---------------------------------------------------


def test_counts_per_kind_match_the_api_json(db, sources):
    source = law(sources)
    articles = [u for u in source["조문"]["조문단위"] if u["조문여부"] == "조문"]
    headings = [clean(u["조문내용"]) for u in source["조문"]["조문단위"] if u["조문여부"] == "전문"]
    paragraphs = [h for u in articles for h in as_list(u.get("항")) if h.get("항번호")]
    subparagraphs = [
        ho for u in articles for h in as_list(u.get("항")) for ho in as_list(h.get("호"))
    ]
    items = [m for ho in subparagraphs for m in as_list(ho.get("목"))]
    rows = Provision.objects.filter(instrument__slug=SLUG)
    kinds = Counter(rows.values_list("kind", flat=True))
    body_paragraphs = rows.filter(kind="paragraph").exclude(citation__startswith="Addenda").count()
    assert len(articles) == kinds["article"] == 39
    assert sum(bool(re.match(r"제\d+장 ", h)) for h in headings) == kinds["chapter"] == 5
    assert sum(bool(re.match(r"제\d+절 ", h)) for h in headings) == kinds["section"] == 2
    assert len(paragraphs) == body_paragraphs == 116
    assert len(subparagraphs) == kinds["subparagraph"] == 221
    assert len(items) == kinds["item"] == 26
    assert len(source["부칙"]["부칙단위"]) == kinds["addenda"] == 3
    # Only No. 36053's addenda are in articles (6), its Articles 4 and 5 in paragraphs (4 + 2).
    assert kinds["addenda_article"] == 6 and kinds["paragraph"] - body_paragraphs == 6
    assert (kinds["annex"], kinds["form"], kinds["addenda_group"]) == (2, 1, 1)
    assert rows.count() == sum(kinds.values()) == 428
    assert set(rows.values_list("original_language", flat=True)) == {"ko"}
    assert set(rows.values_list("text", flat=True)) == {""}


def test_first_and_last_texts_equal_the_sources(db, sources):
    source = law(sources)
    units = source["조문"]["조문단위"]
    first = next(u for u in units if u["조문여부"] == "조문")
    rows = Provision.objects.filter(instrument__slug=SLUG)
    assert first["조문내용"] == "제1조(목적) " + rows.get(citation="Article 1").text_original
    last = rows.order_by("-position").first()
    form = source["별표"]["별표단위"][-1]
    assert (last.citation, last.kind) == ("Form", "form")
    assert last.text_original == "\n".join(form["별표내용"][0])
    assert last.heading_original == form["별표제목"] == "고영향 인공지능 (확인, 재확인)요청서"
    article_33 = rows.get(citation="Article 33")
    lines = [clean(ho["호내용"]) for ho in as_list(units[-1]["항"]["호"])]
    assert article_33.text_original.split("\n")[1:] == lines
    md = (sources / MD_FILE).read_text(encoding="utf-8").split("\n")
    enacted_article_1 = md[md.index("##### 제1조 (목적)") + 2]
    assert rows.get(citation="Article 1").texts.get().text_original == enacted_article_1


def test_no_english_is_said_so(api):
    row = provision(api, SLUG, "Article 24", in_force_on="2026-09-01")
    assert row["text"] is None
    assert row["translation_note"].startswith("No English translation of the Enforcement Decree")


def test_instrument_metadata(api):
    body = api.get(f"/api/v1/instruments/{SLUG}/").json()
    assert body["type"] == "regulation"
    assert body["legal_force"] == "binding"
    assert body["in_force_from"] == "2026-01-22"
    assert body["original_language"] == "ko"
    assert "No. 36053" in body["official_identifier"]
    assert "No. 36506" in body["official_identifier"]
    assert "No. 36580" in body["official_identifier"]
    assert "No English translation" in body["english_text_status"]
    instrument = Instrument.objects.get(slug=SLUG)
    assert [s["file"] for s in instrument.sources] == [MD_FILE, API_FILE]
    assert [(v["valid_from"], v["valid_until"], v["source_file"]) for v in body["versions"]] == [
        ("2026-01-22", "2026-07-20", MD_FILE),
        ("2026-07-21", "2026-08-19", API_FILE),
        ("2026-08-20", None, API_FILE),
    ]


# Point in time through the API ---------------------------------------------------------------


def test_article_2_reads_each_decrees_cross_reference_on_its_day(api):
    before = provision(api, SLUG, "Article 2", in_force_on="2026-08-01")
    after = provision(api, SLUG, "Article 2", in_force_on="2026-09-01")
    assert "「국가연구개발혁신법」 제21조제2항" in before["text_original"]
    assert "「국가연구개발혁신법」 제21조제4항" in after["text_original"]
    assert before["public_id"] == after["public_id"] == f"{SLUG}:art_2"
    item = f"{SLUG}:art_2__subpara_2__item_b"
    texts = api.get(f"/api/v1/provisions/{item}/", {"include": "texts"}).json()["texts"]
    # No. 36506 left the item as No. 36053 enacted it: one text until No. 36580.
    assert [(t["valid_from"], t["valid_until"]) for t in texts] == [
        ("2026-01-22", "2026-08-19"),
        ("2026-08-20", None),
    ]
    assert "36580" in texts[1]["changed_by"]


def test_article_2_has_three_texts(api):
    texts = api.get(f"/api/v1/provisions/{SLUG}:art_2/", {"include": "texts"}).json()["texts"]
    assert [(t["valid_from"], t["valid_until"]) for t in texts] == [
        ("2026-01-22", "2026-07-20"),
        ("2026-07-21", "2026-08-19"),
        ("2026-08-20", None),
    ]
    assert texts[0]["text_original"].startswith(
        "「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」"
    )
    assert texts[1]["text_original"].startswith("법 제4조제2항에서")
    assert [t["changed_by"][:29] for t in texts] == [
        "Presidential Decree No. 36053",
        "Presidential Decree No. 36506",
        "Presidential Decree No. 36580",
    ]


def test_nothing_before_22_january_2026(api):
    assert in_force(api, "2026-01-21") == 0
    enacted = in_force(api, "2026-01-22")
    assert enacted > 300
    assert in_force(api, "2026-07-21") > enacted  # No. 36506 inserted articles and paragraphs
    assert in_force(api, "2026-08-20") == in_force(api, "2026-07-21") + 1  # No. 36580's addenda


@pytest.mark.parametrize(
    "citation", ["Article 1-2", "Article 15-2", "Article 16-4(2)", "Article 15(5)", "Article 13(4)"]
)
def test_provisions_inserted_by_36506_begin_on_21_july_2026(api, citation):
    assert provision(api, SLUG, citation, in_force_on="2026-07-20") is None
    row = provision(api, SLUG, citation, in_force_on="2026-07-21")
    assert row["in_force_from"] == "2026-07-21"


def test_article_13_3_reads_the_old_paragraph_until_it_became_paragraph_4(api):
    old = provision(api, SLUG, "Article 13(3)", in_force_on="2026-07-20")
    new = provision(api, SLUG, "Article 13(3)", in_force_on="2026-07-21")
    moved = provision(api, SLUG, "Article 13(4)", in_force_on="2026-07-21")
    assert old["text_original"] == moved["text_original"]
    assert "행정안전부장관과 협의해야 한다" in new["text_original"]
    extra = Provision.objects.get(public_id=f"{SLUG}:art_13__para_4").extra
    assert extra == {
        "notes_ko": ["<개정 2026.7.20>"],
        "renumbered_from": {"citation": "Article 13(3)", "until": "2026-07-20"},
    }


def test_unchanged_article_has_one_text_from_the_enacted_file(api):
    texts = api.get(f"/api/v1/provisions/{SLUG}:art_24/", {"include": "texts"}).json()["texts"]
    assert len(texts) == 1
    assert texts[0]["valid_from"] == "2026-01-22" and texts[0]["valid_until"] is None
    assert "10의 26승 부동소수점연산" in texts[0]["text_original"]


def test_annex_1_applies_in_part_from_24_january_2026(db):
    annex = Provision.objects.get(public_id=f"{SLUG}:annex_1")
    assert annex.in_force_from.isoformat() == "2026-01-22"
    assert [d["from"] for d in annex.application_dates] == ["2026-01-22", "2026-01-24"]
    assert annex.application_dates[1]["scope"] == "디지털의료기기에 관한 부분"
    assert annex.extra["notes_ko"] == ["[시행일: 2026. 1. 24.] 디지털의료기기에 관한 부분"]


# Links to the Act -------------------------------------------------------------------------------


def references(api, public_id: str) -> list[tuple[str, str, str | None]]:
    body = api.get(f"/api/v1/provisions/{public_id}/").json()
    return [(r["target"], r["valid_from"], r["valid_until"]) for r in body["references"]]


def test_every_article_citing_the_act_implements_what_it_cites(db):
    articles = Provision.objects.filter(instrument__slug=SLUG, kind="article")
    assert list(articles.filter(references__isnull=True).values_list("citation", flat=True)) == [
        "Article 1",
        "Article 33",
    ]
    for article in articles.prefetch_related("texts", "references__target"):
        cited = {eid for t in article.texts.all() for eid, _ in act_citations(t.text_original)}
        stated = {r.target.public_id for r in article.references.all()}
        assert stated == {f"kr-ai-framework-act:{eid}" for eid in cited}, article.citation
        assert {r.type for r in article.references.all()} <= {"implements"}
    assert not Provision.objects.filter(instrument__slug=SLUG, references__isnull=False).exclude(
        kind__in=["article", "addenda_article"]
    )


def test_implements_filter_finds_the_decree_articles_of_an_act_article(api):
    found = api.get("/api/v1/provisions/", {"implements": "kr-ai-framework-act:art_31"}).json()
    assert [row["public_id"] for row in found["results"]] == [f"{SLUG}:art_23"]
    found = api.get("/api/v1/provisions/", {"implements": "kr-ai-framework-act:art_33"}).json()
    assert [row["public_id"] for row in found["results"]] == [
        f"{SLUG}:art_25",
        f"{SLUG}:art_26",
        f"{SLUG}:art_31",
    ]
    act_article = api.get("/api/v1/provisions/kr-ai-framework-act:art_17-2/").json()
    assert [r["source"] for r in act_article["referenced_by"]] == [f"{SLUG}:art_15-2"]


def test_references_carry_the_dates_of_the_texts_stating_them(api):
    assert references(api, f"{SLUG}:art_23") == [("kr-ai-framework-act:art_31", "2026-01-22", None)]
    article_31 = references(api, f"{SLUG}:art_31")
    assert ("kr-ai-framework-act:art_23", "2026-07-21", None) in article_31  # 31(1)2-3, No. 36506
    assert ("kr-ai-framework-act:art_39", "2026-01-22", None) in article_31
    assert ("kr-ai-framework-act:art_3", "2026-07-21", None) in references(api, f"{SLUG}:art_28")
    assert references(api, f"{SLUG}:art_15-2") == [
        ("kr-ai-framework-act:art_17-2", "2026-07-21", None)
    ]
    # Both wordings of Article 2 (the Act's full title, then "법") cite Article 4(2).
    body = api.get(f"/api/v1/provisions/{SLUG}:art_2/").json()
    assert body["references"][0]["note"] == f"{FULL_TITLE} 제4조제2항; 법 제4조제2항"
    assert references(api, f"{SLUG}:addenda__decree_36053__art_3") == [
        ("kr-ai-framework-act:addenda__act_20676__art_3", "2026-01-22", None)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("법 제31조제1항에 따라", [("art_31", "법 제31조제1항")]),
        ("법 제17조의2제1항에 따른 비용", [("art_17-2", "법 제17조의2제1항")]),
        ("법 제2조제4호라목의 「디지털의료제품법」", [("art_2", "법 제2조제4호라목")]),
        ("전담기관(법 제23조제4항에 따른 전담기관", [("art_23", "법 제23조제4항")]),
        (f"{FULL_TITLE} 제4조제2항에서", [("art_4", f"{FULL_TITLE} 제4조제2항")]),
        (
            "법률 제20676호 인공지능 발전과 신뢰 기반 조성 등에 관한 기본법 부칙 제3조에서",
            [
                (
                    "addenda__act_20676__art_3",
                    "법률 제20676호 인공지능 발전과 신뢰 기반 조성 등에 관한 기본법 부칙 제3조",
                )
            ],
        ),
        (
            "법 제39조제2항에 따라 같은 항 각 호 및 이 조 제1항제5호, 법 제33조제2항",
            [("art_39", "법 제39조제2항"), ("art_33", "법 제33조제2항")],
        ),
        # Other statutes, "the same Act" after another statute, the decree's own articles:
        ("「방위산업기술 보호법」 제2조제1호에 따른 보호와 같은 법 제11조에 따른", []),
        ("「전자정부법」 제56조제3항에 따라", []),
        ("제18조제1항 각 호의 요건", []),
        ("「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법 시행령」 제25조제1항", []),
        ("같은 법 시행령 제25조제1항 및 제4항", []),
        ("「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」에서 위임된 사항", []),
    ],
)
def test_act_citation_parser(text, expected):
    assert act_citations(text) == expected


# The importer refuses texts that disagree ----------------------------------------------------


@pytest.fixture
def decree_sources(sources, tmp_path):
    for name in (API_FILE, MD_FILE, kr_ai_act.FILE):
        shutil.copy(sources / name, tmp_path / name)
    return tmp_path


def test_a_change_without_a_note_is_refused(decree_sources):
    path = decree_sources / MD_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count("관계 전문가의 의견을 듣거나") == 1  # Article 5(1), unchanged since 36053
    path.write_text(text.replace("관계 전문가의 의견을 듣거나", "관계 전문가의 의견을 듣고"))
    with pytest.raises(SourceError, match=r"Article 5: changed by No. 36506 without a note"):
        kr_decree.build(decree_sources)


def test_a_note_without_a_change_is_refused(sources, decree_sources):
    # Give Article 15(3) as enacted the words No. 36506 gave it: its <개정 2026.7.20> then marks
    # no change.
    article_15 = next(
        u
        for u in law(sources)["조문"]["조문단위"]
        if u["조문내용"] == "제15조(인공지능기술 도입ㆍ활용 지원)"
    )
    amended = clean(article_15["항"][2]["항내용"]).removesuffix(" <개정 2026.7.20>")
    path = decree_sources / MD_FILE
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(
        i
        for i, x in enumerate(lines)
        if x.startswith("**③** 과학기술정보통신부장관은 제2항에 따라")
    )
    lines[at] = "**③**" + amended.removeprefix("③")
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(SourceError, match=r"Article 15\(3\): noted 2026.7.20 but its words"):
        kr_decree.build(decree_sources)


# The Act's earlier phase in English ----------------------------------------------------------


def enacted_english(sources) -> dict[str, tuple[str, list[str]]]:
    """{article number: (title, lines)} of the 20676 XML, the opening 'Article N (title)' cut."""
    root = ET.parse(sources / kr_ai_act.EN_ENACTED_FILE).getroot()
    found = {}
    for jo in root.findall("JoSection/Jo"):
        if jo.findtext("joYn") == "Y":
            title = clean(jo.findtext("joTtl"))
            lines = [clean(x) for x in jo.findtext("joCts").split("\n") if x.strip()]
            lines[0] = lines[0].removeprefix(f"Article {int(jo.findtext('joNo'))} ({title}) ")
            found[str(int(jo.findtext("joNo")))] = (title, lines)
    return found


def test_act_earlier_phase_texts_carry_the_enacted_english(api, sources):
    raw = json.loads((sources / kr_ai_act.FILE).read_text())["provisions"]
    phased = [p["ref"] for p in raw if p.get("text_ko_earlier_phase") is not None]
    assert len(phased) == 7
    english = enacted_english(sources)

    def paragraph(number: str, p: str) -> list[str]:
        lines = english[number][1]
        start = next(i for i, x in enumerate(lines) if x.startswith(f"({p}) "))
        end = next((i for i, x in enumerate(lines) if i > start and x.startswith("(")), None)
        return [lines[start].removeprefix(f"({p}) "), *lines[start + 1 : end]]

    expected = {
        "Article 3": english["3"][1],
        "Article 6": english["6"][1],
        "Article 6(2)": paragraph("6", "2"),
        "Article 6(2)7": [paragraph("6", "2")[-1].removeprefix("7. ")],
        "Article 18": english["18"][1],
        "Article 35": english["35"][1],
        "Article 35(1)": paragraph("35", "1"),
    }
    assert sorted(expected) == sorted(phased)
    for ref, lines in expected.items():
        before = provision(api, "kr-ai-framework-act", ref, in_force_on="2026-07-20")
        after = provision(api, "kr-ai-framework-act", ref, in_force_on="2026-07-21")
        assert before["text"] == "\n".join(lines), ref
        assert before["text"] != after["text"], ref
    article_18 = provision(api, "kr-ai-framework-act", "Article 18", in_force_on="2026-07-20")
    assert article_18["heading"] == english["18"][0] == "Activation of business start-up"


def test_act_earlier_phase_translation_notes(api, sources):
    raw = json.loads((sources / kr_ai_act.FILE).read_text())["provisions"]
    notes = {
        p["ref"]: provision(api, "kr-ai-framework-act", p["ref"], in_force_on="2026-07-20")[
            "translation_note"
        ]
        for p in raw
        if p.get("text_ko_earlier_phase") is not None
    }
    # Article 6(2) as in force from 2026-01-22 already has 4의2 and 6의2 (Act No. 21311),
    # which the English of the Act as enacted lacks; the other five translate line for line.
    assert {ref for ref, note in notes.items() if note} == {"Article 6", "Article 6(2)"}
    assert "4-2., 6-2." in notes["Article 6(2)"]
    assert "Act No. 20676" in notes["Article 6"]
    later = provision(api, "kr-ai-framework-act", "Article 6(2)", in_force_on="2026-07-21")
    assert later["translation_note"] == ""
    sources_of = api.get("/api/v1/instruments/kr-ai-framework-act/").json()
    assert kr_ai_act.EN_ENACTED_FILE in sources_of["notes"]


def test_korean_labels_in_the_english_style():
    assert kr_ai_act.korean_labels("본문\n① 가\n1. 나\n4의2. 다\n가. 라") == (
        "(1)",
        "1.",
        "4-2.",
        "(a)",
    )
