"""Japan's AI Guidelines for Business Ver1.1 (METI/MIC, provisional English translation)."""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    assemble,
    assign_eids,
    dated_text,
    default_label,
    descendants,
    end_provisions,
    instrument_record,
    norm_number,
    provision,
    read_source,
    source_record,
    text_of,
)

SLUG = "jp-ai-guidelines-for-business"
FILE = "jp-ai-guidelines-for-business-v1.1.json"
PUBLISHED = datetime.date(2025, 4, 4)
# Ver1.2 (2026-03-31) replaced Part 2 D; its Part 2 C carries on unchanged in substance.
PART_2_D_LAST_DAY = datetime.date(2026, 3, 30)
PREFIX = {"principle": "principle", "sub_principle": "subprinciple", "text": "text"}


def segment(p: Raw) -> tuple[str, bool]:
    if p["kind"] == "section":
        return f"part_2__sec_{norm_number(p['number'])}", True
    if p["kind"] == "text":
        return norm_number(p["ref"].rsplit(",", 1)[-1]), False
    return f"{PREFIX.get(p['kind'], p['kind'])}_{norm_number(p['number'])}", False


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
    footnotes = data.get("footnotes") or {}
    eids = assign_eids(FILE, data["provisions"], segment)
    provisions = []
    for p in data["provisions"]:
        extra: Raw = {}
        refs = p.get("footnote_refs") or []
        if refs:
            extra["footnotes"] = {str(n): footnotes.get(str(n)) for n in refs}
        heading = text_of(FILE, p, "title") or text_of(FILE, p, "headline")
        provisions.append(
            provision(
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
                        changed_by="AI Guidelines for Business Ver1.1 (2025-04-04)",
                        source_file=FILE,
                    )
                ],
                extra=extra,
            )
        )
    end_provisions(
        provisions,
        descendants(provisions, "Part 2 D"),
        last_day=PART_2_D_LAST_DAY,
        reason="superseded",
        note=(
            "Superseded on 2026-03-31 by AI Guidelines for Business Ver1.2, whose Part 2 D adopts "
            "the Hiroshima Process International Guiding Principles for All AI Actors. Ver1.2 is "
            "not yet in the corpus."
        ),
    )
    info = data["instrument"]
    instrument = instrument_record(
        slug=SLUG,
        title=info["title"],
        short_title="Japan AI Guidelines for Business",
        jurisdiction="JP",
        issuing_body="; ".join(info["issuers"]),
        instrument_type="guidelines",
        legal_force="non_binding",
        adopted_on=info["date"],
        in_force_from=info["date"],
        official_identifier="AI Guidelines for Business Ver1.1 (AI事業者ガイドライン 第1.1版)",
        identifiers={"version": "1.1", "scope_of_this_file": info["scope_of_this_file"]},
        source_url="https://www.meti.go.jp/shingikai/mono_info_service/ai_shakai_jisso/",
        reuse_terms=(
            "Japanese government publication; reusable under the Government of Japan Standard "
            "Terms of Use (CC BY 4.0-compatible) with attribution; verify on the ministries' sites."
        ),
        english_text_status=info["language"],
        notes=(
            "Only Part 2 C (Common Guiding Principles) and Part 2 D (advanced AI systems) are in "
            "the corpus. Ver1.2 (2026-03-31) exists, in Japanese: it keeps Part 2 C and replaces "
            "Part 2 D, whose Ver1.1 items are therefore marked superseded from 2026-03-31. Ver1.2 "
            "is not yet in the corpus."
        ),
        sources=[source_record(sources_dir, FILE)],
    )
    return assemble(instrument, provisions)
