"""Korea's AI Framework Act (Act No. 20676, amended by Act No. 21311): Korean beside English.

The Korean text prevails. Provisions with `text_ko_earlier_phase` read that text from 2026-01-22
to 2026-07-20 and the amended one from 2026-07-21; a null earlier text means the provision did
not exist before 2026-07-21. The English translation is of the amended act only.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import quote

from crosswalk.importers.common import (
    Raw,
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


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
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
            texts = [
                dated_text(
                    valid_from=IN_FORCE,
                    valid_until=AMENDMENT_EFFECTIVE - datetime.timedelta(days=1),
                    # No English translation of the earlier phase is in the source file.
                    heading=heading if earlier_heading_ko == heading_ko else "",
                    text="",
                    heading_original=earlier_heading_ko,
                    text_original=text_of(FILE, p, "text_ko_earlier_phase"),
                    original_language="ko",
                    changed_by=ENACTED,
                    source_file=FILE,
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
        english_text_status=info["text_en_status"],
        amended_by=[{"act": "Act No. 21311", "date": "2026-01-20", "effective": "2026-07-21"}],
        notes=(
            f"{info['consolidation']}. The earlier-phase texts (2026-01-22 to 2026-07-20) are in "
            "Korean only: the source file carries no English translation of them."
        ),
        sources=[source_record(sources_dir, FILE)],
    )
    return assemble(instrument, provisions)
