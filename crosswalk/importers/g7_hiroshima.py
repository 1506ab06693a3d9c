"""G7 Hiroshima Process Guiding Principles and Code of Conduct (30 October 2023)."""

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

DOCUMENTS = {
    "g7-hiroshima-guiding-principles": (
        "g7-hiroshima-guiding-principles-2023.json",
        "principles",
        "G7 Hiroshima Guiding Principles",
        "https://www.mofa.go.jp/files/100573471.pdf",
    ),
    "g7-hiroshima-code-of-conduct": (
        "g7-hiroshima-code-of-conduct-2023.json",
        "code_of_conduct",
        "G7 Hiroshima Code of Conduct",
        "https://www.mofa.go.jp/files/100573473.pdf",
    ),
}


def segment(p: Raw) -> tuple[str, bool]:
    if p["kind"] == "preamble":
        return "preamble", True
    return f"{p['kind']}_{norm_number(p['number'])}", True


def build(sources_dir: Path, slug: str) -> Raw:
    file, instrument_type, short_title, url = DOCUMENTS[slug]
    data = read_source(sources_dir, file)
    info = data["instrument"]
    issued = datetime.date.fromisoformat(info["date"])
    eids = assign_eids(file, data["provisions"], segment)
    provisions = [
        provision(
            citation=p["ref"],
            eid=eids[p["ref"]],
            kind=p["kind"],
            number=p.get("number"),
            label=default_label(p["kind"], p.get("number")),
            parent=p.get("parent"),
            in_force_from=issued,
            texts=[
                dated_text(
                    valid_from=issued,
                    valid_until=None,
                    heading=text_of(file, p, "title"),
                    text=text_of(file, p, "text"),
                    changed_by=f"{info['title']} ({info['date']})",
                    source_file=file,
                )
            ],
        )
        for p in data["provisions"]
    ]
    instrument = instrument_record(
        slug=slug,
        title=info["title"],
        short_title=short_title,
        jurisdiction="INT",
        issuing_body=info["issuer"],
        instrument_type=instrument_type,
        legal_force="non_binding",
        adopted_on=info["date"],
        in_force_from=info["date"],
        official_identifier=info["title"],
        source_url=url,
        reuse_terms=(
            "Government publications of the G7 presidency; reproduce with attribution; no "
            "alteration of the text."
        ),
        notes=info["legal_status"],
        sources=[source_record(sources_dir, file)],
    )
    return assemble(instrument, provisions)
