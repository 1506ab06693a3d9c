"""US executive orders: Federal Register XML conversions and White House release conversions.

Both arrive in one JSON shape. EO 14110 was revoked on 2025-01-20 by EO 14148 Sec. 2(ggg): it
stays readable, with status `revoked`, each provision ending on 2025-01-19.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    SourceError,
    assemble,
    assign_eids,
    dated_text,
    end_provisions,
    instrument_record,
    norm_number,
    provision,
    read_source,
    reference,
    source_record,
    text_of,
)

ORDERS = [
    "14148",
    "14110",
    "14179",
    "14277",
    "14318",
    "14319",
    "14320",
    "14355",
    "14363",
    "14365",
    "14409",
    "14434",
]
REVOCATIONS = {"14110": ("14148", "Sec. 2(ggg)", datetime.date(2025, 1, 20))}
# FR documents of the White House releases (SOURCES.md C; the FR page of 14320 is unconfirmed).
FR_DOCS = {
    "14318": "2025-14212",
    "14319": "2025-14217",
    "14320": "2025-14218",
    "14277": "2025-07368",
    "14355": "2025-19495",
    "14363": "2025-21665",
    "14365": "2025-23092",
    "14409": "2026-11415",
    "14434": "2026-20321",
}
PREFIX = {"section": "sec", "subsection": "subsec", "paragraph": "para", "point": "point"}
REUSE = "US federal government work, public domain (17 U.S.C. § 105)."


def slug_for(number: str) -> str:
    return f"us-eo-{number}"


def segment(p: Raw) -> tuple[str, bool]:
    return f"{PREFIX.get(p['kind'], p['kind'])}_{norm_number(p['number'])}", p["kind"] == "section"


def _signed_on(file: str, info: Raw) -> datetime.date:
    if info.get("date"):
        return datetime.date.fromisoformat(info["date"])
    text = (info.get("date_signed_text") or "").rstrip(".")
    try:
        return datetime.datetime.strptime(text, "%B %d, %Y").date()
    except ValueError as exc:
        raise SourceError(file, None, f"cannot read the signing date {text!r}") from exc


def build(sources_dir: Path, number: str) -> Raw:
    file = f"us-eo-{number}.json"
    data = read_source(sources_dir, file)
    info = data["instrument"]
    if str(info.get("executive_order")) != number:
        raise SourceError(file, None, f"holds EO {info.get('executive_order')}, expected {number}")
    signed = _signed_on(file, info)
    eids = assign_eids(file, data["provisions"], segment)
    provisions = [
        provision(
            citation=p["ref"],
            eid=eids[p["ref"]],
            kind=p["kind"],
            number=p.get("number"),
            label=p.get("label") or "",
            parent=p.get("parent"),
            in_force_from=signed,
            texts=[
                dated_text(
                    valid_from=signed,
                    valid_until=None,
                    heading=text_of(file, p, "title"),
                    text=text_of(file, p, "text"),
                    changed_by=f"Executive Order {number}",
                    source_file=file,
                )
            ],
            extra={"level": p["level"]} if p.get("level") is not None else {},
        )
        for p in data["provisions"]
    ]
    for revoked, (by_order, by_citation, _) in REVOCATIONS.items():
        if by_order == number:
            _add_revocation_links(sources_dir, provisions, by_citation, revoked, signed)
    status, until, revoked_by, notes = "in_force", None, None, ""
    if number in REVOCATIONS:
        by_order, by_citation, on = REVOCATIONS[number]
        last_day = on - datetime.timedelta(days=1)
        revoked_by = f"{slug_for(by_order)}:{_eid_of(sources_dir, by_order, by_citation)}"
        note = f"Revoked on {on.isoformat()} by Executive Order {by_order}, {by_citation}."
        end_provisions(
            provisions,
            {p["citation"] for p in provisions},
            last_day=last_day,
            reason="revoked",
            note=note,
            ended_by=revoked_by,
        )
        status, until, notes = "revoked", last_day.isoformat(), note
    fr_doc = info.get("fr_doc") or FR_DOCS.get(number, "")
    from_fr = bool(info.get("fr_doc"))
    instrument = instrument_record(
        slug=slug_for(number),
        title=info["title"],
        short_title=f"EO {number}",
        jurisdiction="US",
        issuing_body="President of the United States",
        instrument_type="executive_order",
        legal_force="binding",
        status=status,
        adopted_on=signed.isoformat(),
        in_force_from=signed.isoformat(),
        in_force_until=until,
        revoked_by=revoked_by,
        official_identifier=f"Executive Order {number}" + (f"; FR Doc {fr_doc}" if fr_doc else ""),
        identifiers={"executive_order": number, "fr_doc": fr_doc},
        source_url=(
            f"https://www.federalregister.gov/d/{fr_doc}" if from_fr else info.get("source_url", "")
        ),
        reuse_terms=REUSE,
        preamble=info.get("preamble", ""),
        notes=notes
        or (
            "Text of the White House release of the signing day; Federal Register citation from "
            "third-party records."
            if not from_fr
            else ""
        ),
        sources=[source_record(sources_dir, file)],
    )
    return assemble(instrument, provisions)


def _add_revocation_links(
    sources_dir: Path, provisions: list[Raw], citation: str, revoked: str, signed: datetime.date
) -> None:
    """The revoking provision `revokes` every section of the order it revokes."""
    file = f"us-eo-{revoked}.json"
    data = read_source(sources_dir, file)
    eids = assign_eids(file, data["provisions"], segment)
    by_citation = {p["citation"]: p for p in provisions}
    if citation not in by_citation:
        raise SourceError(file, citation, "revoking provision not found")
    by_citation[citation]["references"] = [
        reference(type="revokes", target=f"{slug_for(revoked)}:{eids[p['ref']]}", valid_from=signed)
        for p in data["provisions"]
        if p["kind"] == "section"
    ]


def _eid_of(sources_dir: Path, number: str, citation: str) -> str:
    file = f"us-eo-{number}.json"
    data = read_source(sources_dir, file)
    eids = assign_eids(file, data["provisions"], segment)
    if citation not in eids:
        raise SourceError(file, citation, "revoking provision not found")
    return eids[citation]
