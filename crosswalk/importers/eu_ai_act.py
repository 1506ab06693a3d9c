"""EU AI Act: the 2024 Official Journal text, then the consolidated text of 27 July 2026.

A ref in both files is one provision; it gains a second dated text where the words differ.
Refs only in the consolidation are new from 2026-07-27; its `deleted_refs` leave the law then.
Dates of application follow Article 113 as amended by Regulation (EU) 2026/1744.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from crosswalk.importers.common import (
    Raw,
    SourceError,
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
    text_of,
    two_version_texts,
)

SLUG = "eu-ai-act"
OJ_FILE = "eu-ai-act-2024-1689.json"
CONSOLIDATED_FILE = "eu-ai-act-2024-1689-consolidated-2026-07-27.json"

ENTRY_INTO_FORCE = datetime.date(2024, 8, 1)
OMNIBUS_IN_FORCE = datetime.date(2026, 7, 27)
OMNIBUS = "Regulation (EU) 2026/1744 (Digital Omnibus on AI)"
ORIGINAL = "Regulation (EU) 2024/1689 (OJ L, 2024/1689, 12.7.2024)"

GENERAL = datetime.date(2026, 8, 2)
CHAPTERS_I_II = datetime.date(2025, 2, 2)
NEW_PROHIBITIONS = datetime.date(2026, 12, 2)
GOVERNANCE_GPAI_PENALTIES = datetime.date(2025, 8, 2)
ANNEX_III_SYSTEMS = datetime.date(2027, 12, 2)
ANNEX_I_SYSTEMS = datetime.date(2028, 8, 2)
AMENDING_ARTICLES = datetime.date(2026, 7, 27)

PREFIX = {
    "recital": "rec",
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "paragraph": "para",
    "point": "point",
    "annex": "anx",
    "indent": "indent",
}
ROOTED = {"recital", "chapter", "article", "annex"}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}

RECITALS = {
    "from": ENTRY_INTO_FORCE.isoformat(),
    "basis": (
        "No date of application: Article 113 dates the Regulation's provisions, not its "
        "recitals, which are read with the Regulation from its entry into force (Article 113, "
        "first paragraph)"
    ),
    "scope": "Recitals",
}

OJ_VERSION = Version(OJ_FILE, ENTRY_INTO_FORCE, ORIGINAL)
CONSOLIDATED_VERSION = Version(CONSOLIDATED_FILE, OMNIBUS_IN_FORCE, OMNIBUS)

REUSE = (
    "EU legal texts on EUR-Lex: reuse authorised, with acknowledgement of the source, under "
    "Commission Decision 2011/833/EU. Only the Official Journal edition is authentic; a "
    "consolidated version is a documentation tool without legal effect."
)


def segment(p: Raw) -> tuple[str, bool]:
    kind, ref = p["kind"], p["ref"]
    if kind == "annex_section":
        prefix = "sec" if ref.rsplit(",", 1)[-1].strip().startswith("Section") else "point"
        return f"{prefix}_{_num(p)}", False
    seg = f"{PREFIX.get(kind, kind)}_{_num(p)}"
    sub = re.search(r", (\w+) subparagraph, point", ref)
    if sub and sub.group(1) in ORDINALS:
        seg = f"subpara_{ORDINALS[sub.group(1)]}__{seg}"
    return seg, kind in ROOTED


def _num(p: Raw) -> str:
    return norm_number(p.get("number") or p["ref"])


def _within(ref: str, root: str) -> bool:
    return ref == root or ref.startswith(root + "(") or ref.startswith(root + ",")


def _article_number(ref: str) -> int | None:
    match = re.match(r"Article (\d+)", ref)
    return int(match.group(1)) if match else None


def _application(p: Raw) -> tuple[datetime.date, list[Raw]]:
    """Article 113 as amended: the date(s) from which this provision applies, with their basis."""
    ref, kind = p["ref"], p["kind"]
    chapter = p.get("chapter") or (ref if kind == "chapter" else None)
    section = p.get("section") or (ref if kind == "section" else None)
    article = _article_number(ref)

    def one(day: datetime.date, basis: str, scope: str = "") -> tuple[datetime.date, list[Raw]]:
        return day, [{"from": day.isoformat(), "basis": f"Article 113, {basis}", "scope": scope}]

    if kind == "recital":
        # Article 113 gives recitals no date of application; a reader of a day's law still
        # wants them, so they are read with the Regulation from its entry into force.
        return ENTRY_INTO_FORCE, [dict(RECITALS)]
    new_prohibitions = ("Article 5(1)(ba)", "Article 5(1)(bb)", "Article 5(1a)", "Article 5(1b)")
    if any(_within(ref, root) for root in new_prohibitions):
        return one(NEW_PROHIBITIONS, "third paragraph, point (a)")
    if article == 101:
        return one(GENERAL, "second paragraph")
    if article is not None and 102 <= article <= 110:
        return one(AMENDING_ARTICLES, "third paragraph, point (d)")
    if chapter in {"Chapter I", "Chapter II"}:
        return one(CHAPTERS_I_II, "third paragraph, point (a)")
    if (
        section == "Chapter III, Section 4"
        or chapter in {"Chapter V", "Chapter VII", "Chapter XII"}
        or article == 78
    ):
        return one(GOVERNANCE_GPAI_PENALTIES, "third paragraph, point (b)")
    if section in {"Chapter III, Section 1", "Chapter III, Section 2", "Chapter III, Section 3"}:
        if _within(ref, "Article 6(5)"):
            return one(GENERAL, "second paragraph")
        annex_i = {
            "from": ANNEX_I_SYSTEMS.isoformat(),
            "basis": "Article 113, third paragraph, point (c)(ii)",
            "scope": "AI systems classified as high-risk pursuant to Article 6(1) and Annex I",
        }
        if _within(ref, "Article 6(1)"):
            return ANNEX_I_SYSTEMS, [annex_i]
        annex_iii = {
            "from": ANNEX_III_SYSTEMS.isoformat(),
            "basis": "Article 113, third paragraph, point (c)(i)",
            "scope": "AI systems classified as high-risk pursuant to Article 6(2) and Annex III",
        }
        return ANNEX_III_SYSTEMS, [annex_iii, annex_i]
    return one(GENERAL, "second paragraph")


def _heading(file: str, p: Raw) -> str:
    return text_of(file, p, "title")


def build(sources_dir: Path) -> Raw:
    oj = read_source(sources_dir, OJ_FILE)
    cons = read_source(sources_dir, CONSOLIDATED_FILE)
    old = {p["ref"]: p for p in oj["provisions"]}
    new = {p["ref"]: p for p in cons["provisions"]}
    deleted = set(cons.get("deleted_refs") or [])
    for ref in deleted:
        if ref not in old:
            raise SourceError(CONSOLIDATED_FILE, ref, "deleted_refs names a ref absent in 2024")
        if ref in new:
            raise SourceError(CONSOLIDATED_FILE, ref, "deleted ref is still in the consolidation")
    for ref, p in old.items():
        if ref not in new and ref not in deleted and p["kind"] != "recital":
            raise SourceError(CONSOLIDATED_FILE, ref, "missing from the consolidation, not deleted")

    order = merge_order(list(old), list(new))
    latest = {ref: new.get(ref) or old[ref] for ref in order}
    eids = assign_eids(CONSOLIDATED_FILE, (latest[ref] for ref in order), segment)

    provisions: list[Raw] = []
    for ref in order:
        before, after = old.get(ref), new.get(ref)
        p = after or before
        texts = two_version_texts(
            old=OJ_VERSION,
            new=CONSOLIDATED_VERSION,
            before=before,
            after=after,
            new_changed_by=_changed_by(after) if after is not None else None,
        )
        applies_from, application_dates = _application(p)
        # Each dated text carries the notes its own source file gives it.
        if len(texts) == 2:
            texts[0]["footnotes"], texts[1]["footnotes"] = _footnotes(before), _footnotes(after)
        else:
            texts[0]["footnotes"] = _footnotes(after or {}) or _footnotes(before or {})
        extra: Raw = {}
        if ref in CORRECTIONS:
            extra["corrections"] = [CORRECTIONS[ref]]
        if after is not None and after.get("amended"):
            extra["amended"] = after["amended"]
        provisions.append(
            provision(
                citation=ref,
                eid=eids[ref],
                kind=p["kind"],
                number=p.get("number"),
                label=p.get("label") or default_label(p["kind"], p.get("number")),
                parent=p.get("parent"),
                in_force_from=ENTRY_INTO_FORCE if before is not None else OMNIBUS_IN_FORCE,
                texts=texts,
                applies_from=applies_from,
                application_dates=application_dates,
                extra=extra,
            )
        )
    last_old_day = OMNIBUS_IN_FORCE - datetime.timedelta(days=1)
    end_provisions(
        provisions,
        deleted,
        last_day=last_old_day,
        reason="deleted",
        note=f"Deleted by {OMNIBUS}, in force 2026-07-27.",
    )
    _containers_apply_from_earliest_part(provisions)

    info = oj["instrument"]
    amended_by = cons["instrument"].get("amended_by") or []
    instrument = instrument_record(
        slug=SLUG,
        title=info["official_title"],
        short_title="EU AI Act",
        jurisdiction="EU",
        issuing_body="European Parliament and Council of the European Union",
        instrument_type="regulation",
        legal_force="binding",
        adopted_on=info["date_adopted"],
        in_force_from=info["date_entry_into_force"],
        official_identifier=f"Regulation (EU) 2024/1689; ELI {info['eli']}",
        identifiers={
            "celex": info["celex"],
            "eli": info["eli"],
            "oj": info["oj_reference"],
            "consolidated_celex": cons["instrument"]["version"]["celex"],
            "consolidated_eli": cons["instrument"]["version"]["eli"],
        },
        source_url="https://eur-lex.europa.eu/eli/reg/2024/1689/oj/eng",
        reuse_terms=REUSE,
        amended_by=amended_by,
        notes=(
            "Text as published in the OJ (valid 2024-08-01 to 2026-07-26) and as consolidated on "
            "2026-07-27 after Regulation (EU) 2026/1744. Recitals are not part of a consolidated "
            "version and carry on unchanged. Dates of application follow Article 113 as amended."
        ),
        sources=[
            source_record(sources_dir, OJ_FILE),
            source_record(sources_dir, CONSOLIDATED_FILE),
        ],
    )
    return assemble(instrument, provisions)


# Corrections of the record (SOURCES.md A): the words change, the dates and the act do not.
_EXPONENT = {
    "on": "2026-12-01",
    "note": (
        "Correction of the record, not an amendment: the source had lost the exponent of "
        "10^25 in Article 51(2) and read '1025'; it now reads '10²⁵' as the Official Journal "
        "prints it (SOURCES.md A, correction of 2026-12-01)."
    ),
}
CORRECTIONS = {"Article 51": _EXPONENT, "Article 51(2)": _EXPONENT}


def _footnotes(p: Raw) -> list[Raw]:
    """The source's notes as [{"number", "text"}]; its mark "(5)" gives the number "5"."""
    return [
        {"number": str(note.get("mark") or "").strip("()"), "text": note.get("text")}
        for note in p.get("footnotes") or []
    ]


def _changed_by(p: Raw) -> str:
    amended = p.get("amended")
    if amended:
        return f"{OMNIBUS}, {amended.get('by_ref', '')} ({amended.get('action', 'amended')})"
    return f"{OMNIBUS} (amends part of this provision)"


def _containers_apply_from_earliest_part(provisions: list[Raw]) -> None:
    """A chapter, article or paragraph applies from the earliest date any part of it applies;
    where that date is not one of its own, its `application_dates` lists it, with the basis of
    the parts it comes from."""
    by_ref = {p["citation"]: p for p in provisions}
    earliest_parts: dict[str, list[Raw]] = {}
    # Reversed document order: every part is final before its container is reached.
    for p in reversed(provisions):
        parts = earliest_parts.pop(p["citation"], None)
        if parts is not None:
            _list_date_taken_from(p, parts)
        parent = by_ref.get(p["parent"]) if p["parent"] else None
        if parent is None:
            continue
        if p["applies_from"] < parent["applies_from"]:
            parent["applies_from"] = p["applies_from"]
            earliest_parts[parent["citation"]] = [p]
        elif parent["citation"] in earliest_parts and p["applies_from"] == parent["applies_from"]:
            earliest_parts[parent["citation"]].append(p)


def _list_date_taken_from(container: Raw, parts: list[Raw]) -> None:
    day = container["applies_from"]
    container["application_note"] = "Applies in part from this date; see its parts."
    if any(entry["from"] == day for entry in container["application_dates"]):
        return
    parts = list(reversed(parts))  # document order
    bases = []
    for part in parts:
        for entry in part["application_dates"]:
            if entry["from"] == day and entry["basis"] not in bases:
                bases.append(entry["basis"])
    citations = ", ".join(part["citation"] for part in parts)
    container["application_dates"].insert(
        0,
        {
            "from": day,
            "basis": "; ".join(bases),
            "scope": f"Its part{'s' if len(parts) > 1 else ''} {citations}",
        },
    )
