"""NIST AI Risk Management Framework 1.0: Section 3 (trustworthiness) and Section 5 (the Core)."""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    assemble,
    assign_eids,
    dated_text,
    instrument_record,
    norm_number,
    provision,
    read_source,
    source_record,
    text_of,
)

SLUG = "us-nist-ai-rmf"
FILE = "us-nist-ai-rmf-1.0.json"
EXTRA_KEYS = ("function", "statement", "figures", "table_caption")


def segment(p: Raw) -> tuple[str, bool]:
    kind = p["kind"]
    if kind == "function":
        return f"fn_{norm_number(p['ref'])}", True
    prefix = {
        "section": "sec",
        "characteristic": "char",
        "category": "cat",
        "subcategory": "subcat",
    }
    return f"{prefix.get(kind, kind)}_{norm_number(p['number'])}", kind == "section"


def build(sources_dir: Path) -> Raw:
    data = read_source(sources_dir, FILE)
    info = data["instrument"]
    published = datetime.date.fromisoformat(info["date_published"])
    eids = assign_eids(FILE, data["provisions"], segment)
    provisions = [
        provision(
            citation=p["ref"],
            eid=eids[p["ref"]],
            kind=p["kind"],
            number=p.get("number"),
            label=p.get("label") or p["ref"],
            parent=p.get("parent"),
            in_force_from=published,
            texts=[
                dated_text(
                    valid_from=published,
                    valid_until=None,
                    heading=text_of(FILE, p, "title"),
                    text=text_of(FILE, p, "text"),
                    changed_by=f"{info['publication']} ({info['date_published']})",
                    source_file=FILE,
                )
            ],
            extra={key: p[key] for key in EXTRA_KEYS if p.get(key)},
        )
        for p in data["provisions"]
    ]
    instrument = instrument_record(
        slug=SLUG,
        title=info["title"],
        short_title="NIST AI RMF 1.0",
        jurisdiction="US",
        issuing_body=info["issuer"],
        instrument_type="framework",
        legal_force="non_binding",
        adopted_on=info["date_published"],
        in_force_from=info["date_published"],
        official_identifier=f"{info['publication']}; DOI {info['doi']}",
        identifiers={"publication": info["publication"], "doi": info["doi"]},
        source_url="https://nvlpubs.nist.gov/nistpubs/ai/NIST.AI.100-1.pdf",
        reuse_terms=(
            "US federal government work, public domain in the United States (17 U.S.C. § 105)."
        ),
        notes=f"{info['legal_status']}. Scope: {info['scope_of_this_file']}.",
        sources=[source_record(sources_dir, FILE)],
    )
    return assemble(instrument, provisions)
