"""Japan's AI Guidelines for Business (METI/MIC): Ver1.1 from 2025-04-04, Ver1.2 from 2026-03-31.

Ver1.1 is the provisional English translation of Part 2 C and D (a derived JSON file); Ver1.2 is
the whole main body in Japanese, parsed from pdftotext output by `jp_guidelines_v12`. Part 2 C
keeps its public ids across both: from 2026-03-31 its texts are Ver1.2's Japanese beside
Ver1.1's English. Ver1.2 replaces Part 2 D's items I)-XII) with the Hiroshima Process
International Guiding Principles for All AI Actors.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers import jp_guidelines_v12 as v12
from crosswalk.importers.common import (
    Raw,
    SourceError,
    assemble,
    assign_eids,
    dated_text,
    default_label,
    end_provisions,
    instrument_record,
    instrument_version,
    merge_order,
    norm_number,
    provision,
    read_source,
    reference,
    source_record,
    text_of,
)

SLUG = "jp-ai-guidelines-for-business"
FILE = "jp-ai-guidelines-for-business-v1.1.json"
FILE_V12 = "jp-ai-guidelines-for-business-v1.2.ja.honpen.md"
PUBLISHED = datetime.date(2025, 4, 4)
PUBLISHED_V12 = datetime.date(2026, 3, 31)
V11_LAST_DAY = PUBLISHED_V12 - datetime.timedelta(days=1)
CHANGED_BY_V11 = "AI Guidelines for Business Ver1.1 (2025-04-04)"
CHANGED_BY_V12 = "AI Guidelines for Business Ver1.2 (AI事業者ガイドライン（第1.2版）, 2026-03-31)"
PREFIX = {"principle": "principle", "sub_principle": "subprinciple", "text": "text"}

NO_ENGLISH = "No English translation of Ver1.2 was found: Japanese text only."
CARRIED_ENGLISH = (
    "English: Ver1.1's provisional translation (2025-04-04), carried over because no English "
    "translation of Ver1.2 was found; it does not follow Ver1.2's changes to the Japanese."
)
WHOLE_BODY_ENGLISH = (
    " Ver1.1's English text holds the principle's sub-items as well; the Japanese holds the "
    "principle's own text only, the sub-items being provisions of their own."
)
PART_2_D_ENGLISH = (
    " Ver1.1's English text of Part 2 D (to 2026-03-30) translates the text Ver1.2 replaced."
)
SUPERSEDED_NOTE = (
    "Superseded on 2026-03-31 by AI Guidelines for Business Ver1.2, whose Part 2 D adopts the "
    "Hiroshima Process International Guiding Principles for All AI Actors (Part 2 D 1.-3. and "
    "principles (1)-(12), in Japanese)."
)
REPRODUCES_PRINCIPLE = (
    "Ver1.2 Part 2 D 2. lists, in Japanese, the 11 principles of the Hiroshima Process "
    "International Guiding Principles for Organizations Developing Advanced AI Systems."
)
REPRODUCES_ACTION = (
    "Ver1.2 Part 3 reproduces, in Japanese, the Hiroshima Process International Code of Conduct "
    "for Organizations Developing Advanced AI Systems."
)


def segment(p: Raw) -> tuple[str, bool]:
    """Eid segments of the Ver1.1 file's refs."""
    if p["kind"] == "section":
        return f"part_2__sec_{norm_number(p['number'])}", True
    if p["kind"] == "text":
        return norm_number(p["ref"].rsplit(",", 1)[-1]), False
    return f"{PREFIX.get(p['kind'], p['kind'])}_{norm_number(p['number'])}", False


def v12_segment(node: v12.Node) -> tuple[str, bool]:
    """Eid segments of Ver1.2's nodes, in the same style ('part_2__sec_c__principle_1')."""
    kind, number = node.kind, norm_number(node.number)
    if kind == "preface":
        return "preface", True
    if kind == "part":
        return f"part_{number}", True
    if kind == "section" and node.key.startswith("Part 2 "):
        return f"part_2__sec_{number}", True
    if kind == "section":
        return ("terms" if node.key.endswith("terms") else "code"), False
    if kind == "text":
        if node.key.endswith("closing text"):
            return "closing-text", False
        return "intro-" + norm_number(node.key.split(" to ", 1)[1]), False
    names = {"sub_principle": "subprinciple", "paragraph": "para", "definition": "term"}
    return f"{names.get(kind, kind)}_{number}", False


def v12_label(node: v12.Node) -> str:
    if node.kind in {"preface", "definition", "stage", "text"} or node.key.endswith(
        (", terms", "Code of Conduct")
    ):
        return ""
    if node.kind in {"point", "sub_principle"} or node.key.startswith("Part 2 D ("):
        return f"({node.number})"
    if node.kind == "paragraph":
        return f"{node.number}."
    if node.kind == "part":
        return f"Part {node.number}"
    if node.kind == "table":
        return f"Table {node.number}"
    if node.kind == "item":
        return node.number
    return default_label(node.kind, node.number)


def footnotes_of(node: v12.Node, parsed: v12.Parsed) -> list[Raw]:
    return [{"number": n, "text": parsed.footnotes[n].text} for n in node.footnote_numbers]


def v12_text(node: v12.Node, parsed: v12.Parsed, *, heading: str, text: str, note: str) -> Raw:
    return dated_text(
        valid_from=PUBLISHED_V12,
        valid_until=None,
        heading=heading,
        text=text,
        heading_original=node.heading.text,
        text_original=node.text.text,
        original_language="ja",
        changed_by=CHANGED_BY_V12,
        source_file=FILE_V12,
        footnotes=footnotes_of(node, parsed),
        translation_note=note,
    )


def v12_extra(node: v12.Node) -> Raw:
    extra: Raw = {}
    if node.figures:
        extra["figures"] = [figure.text for figure in node.figures]
        extra["figures_note"] = "Figures are not in the source text; their titles are."
    if node.kind == "table":
        extra["table_note"] = (
            "The table as pdftotext extracted it: cell fragments, one per line, not in the "
            "table's reading order."
        )
    return extra


def v12_references(node: v12.Node) -> list[Raw]:
    if node.key.startswith("Part 2 D (") and int(node.number) <= 11:
        target = f"g7-hiroshima-guiding-principles:principle_{node.number}"
        note = REPRODUCES_PRINCIPLE
    elif node.kind == "action":
        target = f"g7-hiroshima-code-of-conduct:action_{v12.ROMAN.index(node.number) + 1}"
        note = REPRODUCES_ACTION
    else:
        return []
    return [reference(type="reproduces", target=target, valid_from=PUBLISHED_V12, note=note)]


def parse_v12(sources_dir: Path) -> v12.Parsed:
    path = sources_dir / FILE_V12
    try:
        return v12.parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceError(FILE_V12, None, f"not found in {sources_dir}") from exc
    except v12.ParseError as exc:
        raise SourceError(FILE_V12, None, str(exc)) from exc


def ver11_provisions(data: Raw) -> dict[str, Raw]:
    footnotes = data.get("footnotes") or {}
    eids = assign_eids(FILE, data["provisions"], segment)
    provisions = {}
    for p in data["provisions"]:
        extra: Raw = {}
        refs = p.get("footnote_refs") or []
        if refs:
            extra["footnotes"] = {str(n): footnotes.get(str(n)) for n in refs}
        heading = text_of(FILE, p, "title") or text_of(FILE, p, "headline")
        provisions[p["ref"]] = provision(
            citation=p["ref"],
            eid=eids[p["ref"]],
            kind=p["kind"],
            number=p.get("number"),
            label=default_label(p["kind"], p.get("number")) if p["kind"] != "text" else "",
            parent=p.get("parent"),
            in_force_from=PUBLISHED,
            texts=[
                dated_text(
                    valid_from=PUBLISHED,
                    valid_until=None,
                    heading=heading,
                    text=text_of(FILE, p, "text"),
                    changed_by=CHANGED_BY_V11,
                    source_file=FILE,
                )
            ],
            extra=extra,
        )
    return provisions


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
    old = ver11_provisions(data)
    parsed = parse_v12(sources_dir)
    nodes = parsed.by_key()
    part_2_d_items = {p["citation"] for p in old.values() if p["parent"] == "Part 2 D"}
    carried = [c for c in old if c not in part_2_d_items]
    missing = [c for c in carried if c not in nodes]
    if missing:
        raise SourceError(FILE_V12, missing[0], "a Ver1.1 provision Ver1.2 does not have")

    eids = assign_eids(
        FILE_V12,
        [
            {"ref": n.key, "parent": n.parent.key if n.parent else None, "node": n}
            for n in parsed.nodes
        ],
        lambda raw: v12_segment(raw["node"]),
    )
    provisions: dict[str, Raw] = dict(old)
    for node in parsed.nodes:
        parent = node.parent.key if node.parent else None
        if node.key in old:
            p = old[node.key]
            if p["parent"] != parent or p["eid"] != eids[node.key]:
                raise SourceError(FILE_V12, node.key, "placed differently from Ver1.1")
            p["label_original"] = node.label_original.text
            first = p["texts"][0]
            first["valid_until"] = V11_LAST_DAY.isoformat()
            if node.key == "Part 2 D":
                english = {"heading": "", "text": "", "note": NO_ENGLISH + PART_2_D_ENGLISH}
            else:
                note = CARRIED_ENGLISH + (WHOLE_BODY_ENGLISH if node.kind == "principle" else "")
                english = {"heading": first["heading"], "text": first["text"], "note": note}
            p["texts"].append(v12_text(node, parsed, **english))
            p["extra"].update(v12_extra(node))
            continue
        provisions[node.key] = provision(
            citation=node.key,
            eid=eids[node.key],
            kind=node.kind,
            number=node.number,
            label=v12_label(node),
            label_original=node.label_original.text,
            parent=parent,
            in_force_from=PUBLISHED_V12,
            texts=[v12_text(node, parsed, heading="", text="", note=NO_ENGLISH)],
            extra=v12_extra(node),
            references=v12_references(node),
        )
    ordered = [provisions[c] for c in merge_order(list(old), [node.key for node in parsed.nodes])]
    end_provisions(
        ordered,
        part_2_d_items,
        last_day=V11_LAST_DAY,
        reason="superseded",
        note=SUPERSEDED_NOTE,
    )
    info = data["instrument"]
    instrument = instrument_record(
        slug=SLUG,
        title="AI Guidelines for Business",
        short_title="Japan AI Guidelines for Business",
        title_original="AI事業者ガイドライン（第1.2版）",
        original_language="ja",
        jurisdiction="JP",
        issuing_body="; ".join(info["issuers"]),
        instrument_type="guidelines",
        legal_force="non_binding",
        adopted_on=info["date"],
        in_force_from=info["date"],
        official_identifier=(
            "AI Guidelines for Business Ver1.2 (AI事業者ガイドライン（第1.2版）, "
            "総務省・経済産業省, 2026-03-31); earlier in the corpus: Ver1.1 "
            "(AI事業者ガイドライン 第1.1版, 2025-04-04)"
        ),
        identifiers={
            "version": "1.2",
            "ver1_2_pdf": "https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/pdf/20260331_1.pdf",
            "ver1_1_scope": info["scope_of_this_file"],
            "ver1_2_scope": (
                "the main body (本編) in full: preface, Parts 1-5, footnotes 1-58; not the "
                "appendix (別添)"
            ),
        },
        source_url="https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/",
        reuse_terms=(
            "Japanese government publication; reusable under the Government of Japan Standard "
            "Terms of Use (CC BY 4.0-compatible) with attribution (出典: 総務省・経済産業省"
            "「AI事業者ガイドライン（第1.2版）」); verify on the ministries' sites."
        ),
        english_text_status=(
            "Ver1.2 (from 2026-03-31): no English translation found. Part 2 C carries Ver1.1's "
            "provisional English translation beside the Ver1.2 Japanese (see each text's "
            "translation_note); every other Ver1.2 provision is in Japanese only. Ver1.1 "
            f"(2025-04-04 to 2026-03-30): {info['language']}."
        ),
        notes=(
            "Ver1.1 (2025-04-04 to 2026-03-30) is in the corpus for Part 2 C (Common Guiding "
            "Principles) and Part 2 D (advanced AI systems, items I-XII), in the provisional "
            "English translation. Ver1.2 (from 2026-03-31) is in full, in Japanese: preface, "
            "Part 1 (11 terms), Part 2 A-E, Parts 3-5 with their items (D-2) i. …), the G7 Code "
            "of Conduct actions I-XI in Part 3, and footnotes 1-58 on the provisions that call "
            "them. Ver1.2 keeps Part 2 C (same ids, Japanese beside Ver1.1's English) and "
            "replaces Part 2 D's items I-XII, superseded from 2026-03-31, with the Hiroshima "
            "Process International Guiding Principles for All AI Actors: principles (1)-(11) "
            "reproduce the G7 Guiding Principles 1-11 and Part 3's actions I-XI the G7 Code of "
            "Conduct actions 1-11; principle (12), of the All AI Actors text, has no counterpart "
            "in the corpus. Figures are absent from the source (titles in extra.figures); "
            "Table 1 is flattened by pdftotext."
        ),
        sources=[source_record(sources_dir, FILE), source_record(sources_dir, FILE_V12)],
        versions=[
            instrument_version(
                label="Ver1.1", valid_from=PUBLISHED, valid_until=V11_LAST_DAY, source_file=FILE
            ),
            instrument_version(
                label="Ver1.2", valid_from=PUBLISHED_V12, valid_until=None, source_file=FILE_V12
            ),
        ],
    )
    return assemble(instrument, ordered)
