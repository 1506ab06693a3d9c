"""Japan's AI Promotion Act (Act No. 53 of 2025): e-Gov Japanese beside the JLT English."""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    assemble,
    assign_eids,
    dated_text,
    default_label,
    instrument_record,
    norm_number,
    provision,
    read_source,
    source_record,
    text_of,
)

SLUG = "jp-ai-promotion-act"
FILE = "jp-ai-promotion-act-2025.json"
PROMULGATED = datetime.date(2025, 6, 4)
FULLY_IN_FORCE = datetime.date(2025, 9, 1)
# Supplementary Provisions, Article 1: Chapters III and IV came into effect on the day set by
# Cabinet Order (1 September 2025); everything else on promulgation.
LATER_CHAPTERS = {"Chapter 3", "Chapter 4"}
PREFIX = {"chapter": "chp", "article": "art", "paragraph": "para", "item": "item"}


def segment(p: Raw) -> tuple[str, bool]:
    if p["kind"] == "supplementary":
        return "suppl", True
    seg = f"{PREFIX.get(p['kind'], p['kind'])}_{norm_number(p.get('number') or p['ref'])}"
    rooted = p["kind"] in {"chapter"} or (
        p["kind"] == "article" and (p["parent"] or "Chapter").startswith("Chapter")
    )
    return seg, rooted


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
    raws = data["provisions"]
    eids = assign_eids(FILE, raws, segment)
    chapter_of: dict[str, str | None] = {}
    provisions = []
    for p in raws:
        ref = p["ref"]
        parent = p.get("parent")
        chapter_of[ref] = (
            ref if p["kind"] == "chapter" else chapter_of.get(parent) if parent else None
        )
        start = FULLY_IN_FORCE if chapter_of[ref] in LATER_CHAPTERS else PROMULGATED
        heading = text_of(FILE, p, "title_en")
        provisions.append(
            provision(
                citation=ref,
                eid=eids[ref],
                kind=p["kind"],
                number=p.get("number"),
                label=p.get("label_en")
                or p.get("heading_en")
                or default_label(p["kind"], p.get("number")),
                label_original=p.get("label_ja") or p.get("heading_ja") or "",
                parent=parent,
                in_force_from=start,
                texts=[
                    dated_text(
                        valid_from=start,
                        valid_until=None,
                        heading=heading,
                        text=text_of(FILE, p, "text_en"),
                        heading_original=text_of(FILE, p, "title_ja"),
                        text_original=text_of(FILE, p, "text_ja"),
                        original_language="ja",
                        changed_by="Act No. 53 of 2025 (令和七年法律第五十三号)",
                        source_file=FILE,
                    )
                ],
            )
        )
    info = data["instrument"]
    instrument = instrument_record(
        slug=SLUG,
        title=info["title_en"],
        short_title="Japan AI Promotion Act",
        title_original=info["title_ja"],
        original_language="ja",
        jurisdiction="JP",
        issuing_body="National Diet of Japan",
        instrument_type="statute",
        legal_force="binding",
        adopted_on=info["date_passed"],
        in_force_from=info["date_promulgated"],
        official_identifier=f"{info['law_num_en']} ({info['law_num_ja']}); law ID {info['law_id']}",
        identifiers={
            "law_id": info["law_id"],
            "law_number_ja": info["law_num_ja"],
            "law_number_en": info["law_num_en"],
            "revision_id": info["revision_id"],
            "abbreviation_ja": info["abbrev_ja"],
            "date_promulgated": info["date_promulgated"],
            "date_fully_in_force": info["date_fully_in_force"],
        },
        source_url="https://laws.e-gov.go.jp/law/507AC0000000053",
        reuse_terms=(
            "Japanese statutes are not subject to copyright (Copyright Act of Japan, Art. 13(i)); "
            "e-Gov permits secondary use. English: Japanese Law Translation Database System, "
            "Ministry of Justice, Japan (Public Data License v1.0)."
        ),
        english_text_status=info["text_en_status"],
        notes=(
            "A basic law without penalties. In force on promulgation (2025-06-04) except Chapters "
            "III and IV, in force from 2025-09-01 (Supplementary Provisions, Article 1)."
        ),
        sources=[source_record(sources_dir, FILE)],
    )
    return assemble(instrument, provisions)
