"""OECD Recommendation on AI (OECD/LEGAL/0449): the 2019 text, then the text amended in 2023/2024.

Refs are shared across the two files; a ref in both is one provision with a second dated text
where the words differ, and a ref of only one text exists only in that text's period.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    Version,
    assemble,
    assign_eids,
    default_label,
    end_provisions,
    instrument_record,
    merge_order,
    norm_number,
    provision,
    read_source,
    source_record,
    two_version_texts,
)

SLUG = "oecd-ai-recommendation"
FILE_2019 = "oecd-ai-recommendation-2019.json"
FILE_2024 = "oecd-ai-recommendation-2024.json"
ADOPTED = datetime.date(2019, 5, 22)
AMENDED = datetime.date(2024, 5, 3)
AMENDMENT = (
    "Amended by the OECD Council on 8 November 2023 (C(2023)151, definition of 'AI system') and "
    "at Ministerial level on 3 May 2024 (C/MIN(2024)16/FINAL)"
)
VERSION_2019 = Version(
    FILE_2019, ADOPTED, "Adopted by the OECD Council at Ministerial level on 22 May 2019"
)
VERSION_2024 = Version(FILE_2024, AMENDED, AMENDMENT)
ROOTED = {"preamble", "heading", "operative_paragraph", "section", "principle", "recommendation"}


def segment(p: Raw) -> tuple[str, bool]:
    kind = p["kind"]
    if kind in {"preamble", "heading"}:
        return norm_number(p["ref"]), True
    if kind == "definition":
        return f"def_{norm_number(p['title'] or p['number'])}", False
    prefix = {"operative_paragraph": "para", "section": "sec"}.get(kind, kind)
    return f"{prefix}_{norm_number(p['number'])}", kind in ROOTED


def build(sources_dir: Path) -> Raw:
    first = read_source(sources_dir, FILE_2019)
    second = read_source(sources_dir, FILE_2024)
    old = {p["ref"]: p for p in first["provisions"]}
    new = {p["ref"]: p for p in second["provisions"]}
    order = merge_order(list(old), list(new))
    latest = [new.get(ref) or old[ref] for ref in order]
    eids = assign_eids(FILE_2024, latest, segment)
    last_old_day = AMENDED - datetime.timedelta(days=1)

    provisions: list[Raw] = []
    for ref, p in zip(order, latest, strict=True):
        before, after = old.get(ref), new.get(ref)
        texts = two_version_texts(old=VERSION_2019, new=VERSION_2024, before=before, after=after)
        provisions.append(
            provision(
                citation=ref,
                eid=eids[ref],
                kind=p["kind"],
                number=p.get("number"),
                label=p.get("label") or default_label(p["kind"], p.get("number")),
                parent=p.get("parent"),
                in_force_from=ADOPTED if before is not None else AMENDED,
                texts=texts,
            )
        )
    end_provisions(
        provisions,
        set(old) - set(new),
        last_day=last_old_day,
        reason="deleted",
        note=f"Not in the text as amended on {AMENDED.isoformat()}.",
    )
    info = second["instrument"]
    instrument = instrument_record(
        slug=SLUG,
        title=info["title"],
        short_title="OECD AI Recommendation",
        jurisdiction="INT",
        issuing_body="OECD Council",
        instrument_type="recommendation",
        legal_force="non_binding",
        adopted_on=ADOPTED.isoformat(),
        in_force_from=ADOPTED.isoformat(),
        official_identifier=info["reference"],
        identifiers={
            "reference": info["reference"],
            "dates_and_references": info["dates_and_references"],
        },
        source_url="https://legalinstruments.oecd.org/en/instruments/OECD-LEGAL-0449",
        reuse_terms=(
            "© OECD. OECD legal instruments may be reproduced and distributed free of charge "
            "without requiring any further permissions, as long as they are not altered in any "
            "way. They may not be sold."
        ),
        amended_by=[
            {"date": "2023-11-08", "reference": "C(2023)151", "what": "definition of 'AI system'"},
            {
                "date": "2024-05-03",
                "reference": "C/MIN(2024)16/FINAL",
                "what": "Ministerial Council Meeting revision",
            },
        ],
        notes=(
            "2019 text valid 2019-05-22 to 2024-05-02; amended text from 2024-05-03. The 2023 "
            "change to the AI-system definition is folded into the 2024 text: there is no separate "
            "2023 text in the corpus."
        ),
        sources=[source_record(sources_dir, FILE_2019), source_record(sources_dir, FILE_2024)],
    )
    return assemble(instrument, provisions)
