"""Korea's AI Framework Act (Act No. 20676, amended by Act No. 21311): Korean beside English.

The Korean text prevails. Provisions with `text_ko_earlier_phase` read that text from 2026-01-22
to 2026-07-20 and the amended one from 2026-07-21; a null earlier text means the provision did
not exist before 2026-07-21. The English of the amended act comes with the derived JSON; the
earlier-phase texts take theirs from MOLEG's English of the Act as enacted (Act No. 20676, XML).
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from crosswalk.importers.common import (
    Raw,
    SourceError,
    assemble,
    assign_eids,
    dated_text,
    instrument_record,
    norm_number,
    parse_date,
    provision,
    read_source,
    source_record,
    text_of,
)

SLUG = "kr-ai-framework-act"
FILE = "kr-ai-framework-act.json"
EN_ENACTED_FILE = "kr-ai-framework-act.moleg-en-20676.xml"
IN_FORCE = datetime.date(2026, 1, 22)
AMENDMENT_EFFECTIVE = datetime.date(2026, 7, 21)
ENACTED = "Act No. 20676 (2025-01-21)"
AMENDED = "Act No. 21311 (2026-01-20), effective 2026-07-21"
PREFIX = {
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "paragraph": "para",
    "subparagraph": "subpara",
    "item": "item",
    "addenda_article": "art",
}


def segment(p: Raw) -> tuple[str, bool]:
    kind = p["kind"]
    if kind == "addenda_group":
        return "addenda", True
    if kind == "addenda":
        return f"act_{norm_number(p['number'])}", False
    return f"{PREFIX.get(kind, kind)}_{norm_number(p['number'])}", kind in {"chapter", "article"}


@dataclass(frozen=True)
class EnglishText:
    """One provision of the English XML: its title (articles only), its text, its line labels."""

    heading: str
    text: str
    labels: tuple[str, ...]


def clean(s: str | None) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def english_enacted(sources_dir: Path) -> dict[str, EnglishText]:
    """{ref: EnglishText} for every article, paragraph, subparagraph and item of MOLEG's English
    of the Act as enacted, with the refs of the derived JSON ('Article 6(2)7', 'Article 2,
    subparagraph 4(d)'). Words are as in the XML, whitespace collapsed; a parent's text holds its
    children, labelled as the XML labels them ('(1)', '1.', '(a)'), one per line; a child's text
    leaves out its own label. Lines that open with a bracketed note ('[Enforcement Date: ...]
    The part ...') are left out."""
    try:
        root = ET.parse(sources_dir / EN_ENACTED_FILE).getroot()
    except FileNotFoundError as exc:
        raise SourceError(EN_ENACTED_FILE, None, f"not found in {sources_dir}") from exc
    except ET.ParseError as exc:
        raise SourceError(EN_ENACTED_FILE, None, f"not well-formed XML ({exc})") from exc
    found: dict[str, EnglishText] = {}
    for jo in root.findall("JoSection/Jo"):
        if jo.findtext("joYn") != "Y":
            continue  # chapter and section headings
        no, branch = int(jo.findtext("joNo") or 0), int(jo.findtext("joBrNo") or 0)
        aref = f"Article {no}-{branch}" if branch else f"Article {no}"
        title = clean(jo.findtext("joTtl"))
        lines = [clean(x) for x in (jo.findtext("joCts") or "").split("\n") if x.strip()]
        opening = f"{aref} ({title})"
        if not lines or not lines[0].startswith(opening):
            raise SourceError(EN_ENACTED_FILE, aref, f"expected the article to open {opening!r}")
        lines[0] = lines[0][len(opening) :].strip()
        # [ref, parent, label, own words]; the article's own words come first, unlabelled.
        units: list[tuple[str, str | None, str, str]] = [(aref, None, "", "")]
        paragraph = subparagraph = None
        for line in lines:
            para = re.match(r"^\((\d+)\)\s*(.*)$", line)
            sub = re.match(r"^(\d+(?:-\d+)?)\.\s*(.*)$", line)
            item = re.match(r"^\(([a-z])\)\s*(.*)$", line)
            if not line or re.match(r"^\[[^\]]*\]", line):
                continue
            if para:
                paragraph, subparagraph = f"{aref}({para.group(1)})", None
                units.append((paragraph, aref, f"({para.group(1)})", para.group(2)))
            elif sub:
                base = paragraph or f"{aref}, subparagraph "
                subparagraph = f"{base}{sub.group(1)}"
                units.append((subparagraph, paragraph or aref, f"{sub.group(1)}.", sub.group(2)))
            elif item and subparagraph:
                ref = f"{subparagraph}({item.group(1)})"
                units.append((ref, subparagraph, f"({item.group(1)})", item.group(2)))
            elif len(units) == 1 and not units[0][3]:
                units[0] = (aref, None, "", line)
            else:
                raise SourceError(EN_ENACTED_FILE, aref, f"cannot place the line {line[:60]!r}")
        for index, (ref, _, _, words) in enumerate(units):
            inside = {ref}
            below = []
            for unit in units[index + 1 :]:
                if unit[1] in inside:
                    inside.add(unit[0])
                    below.append(unit)
            found[ref] = EnglishText(
                heading=title if ref == aref else "",
                text="\n".join(([words] if words else []) + [f"{u[2]} {u[3]}" for u in below]),
                labels=tuple(u[2] for u in below),
            )
    return found


KO_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
KO_LETTERS = "가나다라마바사아자차카타파하"


def korean_labels(text: str) -> tuple[str, ...]:
    """The line labels of a Korean text in the English XML's style: ① -> (1), 4의2. -> 4-2.,
    가. -> (a); unlabelled lines (the provision's own words) are skipped."""
    labels = []
    for line in text.split("\n"):
        if line[:1] and line[0] in KO_CIRCLED:
            labels.append(f"({KO_CIRCLED.index(line[0]) + 1})")
        elif sub := re.match(r"^(\d+)(?:의(\d+))?\.", line):
            labels.append(f"{sub.group(1)}-{sub.group(2)}." if sub.group(2) else f"{sub.group(1)}.")
        elif line[:2] and line[0] in KO_LETTERS and line[1] == ".":
            labels.append(f"({'abcdefghijklmn'[KO_LETTERS.index(line[0])]})")
    return tuple(labels)


def enacted_translation_note(korean: str, english: EnglishText) -> str:
    """Why the English of the Act as enacted is not a line-for-line translation of `korean`,
    or "" when the two have the same lines."""
    ko = korean_labels(korean)
    if ko == english.labels:
        return ""
    only_ko = [label for label in ko if label not in english.labels]
    only_en = [label for label in english.labels if label not in ko]
    gaps = []
    if only_ko:
        gaps.append(f"the Korean has {', '.join(only_ko)}, which the English lacks")
    if only_en:
        gaps.append(f"the English has {', '.join(only_en)}, which the Korean lacks")
    return (
        "English: MOLEG's reference translation of the Act as enacted (Act No. 20676), which "
        "predates amendments in force from 2026-01-22 that this Korean text contains: "
        + "; ".join(gaps or ["its lines are in another order"])
        + "."
    )


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
    english = english_enacted(sources_dir)
    eids = assign_eids(FILE, data["provisions"], segment)
    provisions = []
    for p in data["provisions"]:
        ref = p["ref"]
        stated = parse_date(FILE, ref, p["in_force_from"]) if p.get("in_force_from") else IN_FORCE
        heading, heading_ko = text_of(FILE, p, "title_en"), text_of(FILE, p, "title_ko")
        current = dict(
            heading=heading,
            text=text_of(FILE, p, "text_en"),
            heading_original=heading_ko,
            text_original=text_of(FILE, p, "text_ko"),
            original_language="ko",
            source_file=FILE,
        )
        if "text_ko_earlier_phase" in p and p["text_ko_earlier_phase"] is not None:
            start = IN_FORCE
            earlier_heading_ko = p.get("title_ko_earlier_phase") or heading_ko
            earlier_ko = text_of(FILE, p, "text_ko_earlier_phase")
            if ref not in english:
                raise SourceError(EN_ENACTED_FILE, ref, "no English for an earlier-phase text")
            texts = [
                dated_text(
                    valid_from=IN_FORCE,
                    valid_until=AMENDMENT_EFFECTIVE - datetime.timedelta(days=1),
                    heading=english[ref].heading,
                    text=english[ref].text,
                    heading_original=earlier_heading_ko,
                    text_original=earlier_ko,
                    original_language="ko",
                    changed_by=ENACTED,
                    source_file=FILE,
                    translation_note=enacted_translation_note(earlier_ko, english[ref]),
                ),
                dated_text(
                    valid_from=AMENDMENT_EFFECTIVE, valid_until=None, changed_by=AMENDED, **current
                ),
            ]
        else:
            start = AMENDMENT_EFFECTIVE if "text_ko_earlier_phase" in p else stated
            changed_by = AMENDED if start == AMENDMENT_EFFECTIVE else ENACTED
            texts = [
                dated_text(valid_from=start, valid_until=None, changed_by=changed_by, **current)
            ]
        extra = {
            key: p[key]
            for key in ("notes_ko", "notes_en", "in_force_note", "effective_date_notes_ko")
            if p.get(key)
        }
        provisions.append(
            provision(
                citation=ref,
                eid=eids[ref],
                kind=p["kind"],
                number=p.get("number"),
                label=p.get("label_en") or p.get("heading_en") or "",
                label_original=p.get("label_ko") or p.get("heading_ko") or "",
                parent=p.get("parent"),
                in_force_from=start,
                texts=texts,
                application_note=p.get("in_force_note") or "",
                extra=extra,
            )
        )
    info = data["instrument"]
    instrument = instrument_record(
        slug=SLUG,
        title=info["title_en"],
        short_title="Korea AI Framework Act",
        title_original=info["title_ko"],
        original_language="ko",
        jurisdiction="KR",
        issuing_body="National Assembly of the Republic of Korea",
        instrument_type="statute",
        legal_force="binding",
        adopted_on=info["date_promulgated"],
        in_force_from=info["date_in_force"],
        official_identifier=f"Act No. {info['act_number']}; law ID {info['law_id']}",
        identifiers={
            "law_id": info["law_id"],
            "act_number": info["act_number"],
            "abbreviation_ko": info["abbrev_ko"],
            "ministry_ko": info["ministry_ko"],
            "later_effective_provisions_ko": info["later_effective_provisions_ko"],
        },
        source_url="https://www.law.go.kr/"
        + quote("법령/인공지능발전과신뢰기반조성등에관한기본법"),
        reuse_terms=(
            "Korean statutes are not protected by copyright (Copyright Act of Korea, Art. 7); the "
            "English text is a government reference translation without legal effect."
        ),
        english_text_status=(
            f"{info['text_en_status']} The earlier-phase texts (2026-01-22 to 2026-07-20) carry "
            "the same database's English of the Act as enacted (Act No. 20676)."
        ),
        amended_by=[{"act": "Act No. 21311", "date": "2026-01-20", "effective": "2026-07-21"}],
        notes=(
            f"{info['consolidation']}. The English of the earlier-phase texts (2026-01-22 to "
            f"2026-07-20) is MOLEG's English of the Act as enacted ({EN_ENACTED_FILE}); where the "
            "Korean in force from 2026-01-22 already holds amendments that English lacks, the "
            "text's translation note says so."
        ),
        sources=[source_record(sources_dir, FILE), source_record(sources_dir, EN_ENACTED_FILE)],
    )
    return assemble(instrument, provisions)
