"""Shared pieces of the source importers: errors, eids, version merging, the normalised shape.

Every importer turns one source format into the same normalised document
`{"instrument": {...}, "provisions": [...]}` that `fixtures/corpus/` stores and
`crosswalk.corpus` loads. No importer changes a word of the source text.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Raw = dict[str, Any]


class SourceError(Exception):
    """A source file that fails validation, named by file and citation."""

    def __init__(self, file: str, citation: str | None, message: str) -> None:
        self.file = file
        self.citation = citation
        self.message = message
        where = f"{file}: {citation}" if citation else file
        super().__init__(f"{where}: {message}")


def read_source(sources_dir: Path, name: str) -> Raw:
    path = sources_dir / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourceError(name, None, f"not found in {sources_dir}") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(name, None, f"not valid JSON ({exc})") from exc
    if not isinstance(data.get("instrument"), dict) or not isinstance(data.get("provisions"), list):
        raise SourceError(name, None, "expected an object with 'instrument' and 'provisions'")
    check_tree(name, data["provisions"])
    return data


def source_record(sources_dir: Path, name: str) -> dict[str, str]:
    digest = hashlib.sha256((sources_dir / name).read_bytes()).hexdigest()
    return {"file": name, "sha256": digest}


def check_tree(file: str, provisions: list[Raw]) -> None:
    """Every provision has a unique ref, a kind, string text, and a parent that precedes it."""
    seen: set[str] = set()
    for index, p in enumerate(provisions):
        ref = p.get("ref")
        if not isinstance(ref, str) or not ref.strip():
            raise SourceError(file, f"provision #{index + 1}", "missing 'ref'")
        if ref in seen:
            raise SourceError(file, ref, "duplicate ref")
        if not isinstance(p.get("kind"), str) or not p["kind"]:
            raise SourceError(file, ref, "missing 'kind'")
        parent = p.get("parent")
        if parent is not None and parent not in seen:
            raise SourceError(file, ref, f"parent {parent!r} does not precede it")
        seen.add(ref)


def text_of(file: str, p: Raw, key: str) -> str:
    value = p.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SourceError(file, p["ref"], f"{key!r} must be text, not {type(value).__name__}")
    return value


def parse_date(file: str, ref: str | None, value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise SourceError(file, ref, f"not an ISO date: {value!r}") from exc


def norm_number(number: str) -> str:
    """'4.1' -> '4-1', '(14b)' -> '14b', 'III' -> 'iii': the number part of an eid segment."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", number.lower().replace(".", "-")).strip("-")
    return cleaned or "x"


Segment = Callable[[Raw], tuple[str, bool]]


def assign_eids(file: str, provisions: Iterable[Raw], segment: Segment) -> dict[str, str]:
    """Map each ref to its eid: the parent's eid + '__' + the segment, unless the segment is rooted.

    Rooted segments start afresh (Akoma Ntoso numbers articles without their chapter).
    """
    eids: dict[str, str] = {}
    used: dict[str, str] = {}
    for p in provisions:
        seg, rooted = segment(p)
        parent = p.get("parent")
        eid = seg if rooted or parent is None else f"{eids[parent]}__{seg}"
        if eid in used:
            raise SourceError(file, p["ref"], f"eid {eid!r} already used by {used[eid]!r}")
        used[eid] = p["ref"]
        eids[p["ref"]] = eid
    return eids


def merge_order(old_refs: list[str], new_refs: list[str]) -> list[str]:
    """Document order across two versions: the new order, with refs only in the old one
    placed right after the ref that preceded them there."""
    merged = list(new_refs)
    present = set(new_refs)
    for index, ref in enumerate(old_refs):
        if ref in present:
            continue
        at = merged.index(old_refs[index - 1]) + 1 if index else 0
        merged.insert(at, ref)
        present.add(ref)
    return merged


def dated_text(
    *,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    heading: str,
    text: str,
    heading_original: str = "",
    text_original: str = "",
    original_language: str = "",
    changed_by: str = "",
    source_file: str = "",
    footnotes: list[Raw] | None = None,
    translation_note: str = "",
) -> Raw:
    """One dated text. `footnotes` is [{"number": "1", "text": "..." or None}, ...] in order;
    `translation_note` says what the English is when it is not a translation of this very text
    (e.g. Ver1.1's provisional translation beside Ver1.2's Japanese), or why there is none."""
    return {
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "heading": heading,
        "text": text,
        "heading_original": heading_original,
        "text_original": text_original,
        "original_language": original_language,
        "changed_by": changed_by,
        "source_file": source_file,
        "footnotes": footnotes or [],
        "translation_note": translation_note,
    }


@dataclass(frozen=True)
class Version:
    """One dated source file of an instrument: from when its texts apply, and who made them."""

    file: str
    valid_from: datetime.date
    changed_by: str


def two_version_texts(
    *,
    old: Version,
    new: Version,
    before: Raw | None,
    after: Raw | None,
    heading_key: str = "title",
    new_changed_by: str | None = None,
) -> list[Raw]:
    """The dated texts of a ref found in an older and/or a newer file: one text when the words
    are the same in both, two (the old one ending the day before the new applies) when not."""
    texts: list[Raw] = []
    if before is not None:
        texts.append(
            dated_text(
                valid_from=old.valid_from,
                valid_until=None,
                heading=text_of(old.file, before, heading_key),
                text=text_of(old.file, before, "text"),
                changed_by=old.changed_by,
                source_file=old.file,
            )
        )
    if after is not None:
        heading, text = text_of(new.file, after, heading_key), text_of(new.file, after, "text")
        if texts and (heading, text) == (texts[0]["heading"], texts[0]["text"]):
            return texts
        if texts:
            texts[0]["valid_until"] = (new.valid_from - datetime.timedelta(days=1)).isoformat()
        texts.append(
            dated_text(
                valid_from=new.valid_from,
                valid_until=None,
                heading=heading,
                text=text,
                changed_by=new_changed_by or new.changed_by,
                source_file=new.file,
            )
        )
    return texts


def provision(
    *,
    citation: str,
    eid: str,
    kind: str,
    number: str | None,
    label: str,
    parent: str | None,
    in_force_from: datetime.date,
    texts: list[Raw],
    label_original: str = "",
    in_force_until: datetime.date | None = None,
    end_reason: str = "",
    ended_by: str | None = None,
    end_note: str = "",
    applies_from: datetime.date | None = None,
    applies_until: datetime.date | None = None,
    application_note: str = "",
    application_dates: list[Raw] | None = None,
    extra: Raw | None = None,
    references: list[Raw] | None = None,
) -> Raw:
    """The normalised provision; position is set when the instrument is assembled."""
    return {
        "citation": citation,
        "eid": eid,
        "kind": kind,
        "number": number or "",
        "label": label,
        "label_original": label_original,
        "parent": parent,
        "in_force_from": in_force_from.isoformat(),
        "in_force_until": in_force_until.isoformat() if in_force_until else None,
        "end_reason": end_reason,
        "ended_by": ended_by,
        "end_note": end_note,
        "applies_from": (applies_from or in_force_from).isoformat(),
        "applies_until": applies_until.isoformat() if applies_until else None,
        "application_note": application_note,
        "application_dates": application_dates or [],
        "extra": extra or {},
        "references": references or [],
        "texts": texts,
    }


REFERENCE_TYPES = ("implements", "revokes", "reproduces")


def reference(
    *,
    type: str,
    target: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    note: str = "",
) -> Raw:
    """A typed link from a provision to another one (`target` is its public id), stated by the
    text valid over [valid_from, valid_until]: a decree article implements the Act article that
    delegates to it, an order revokes another, a text reproduces another text."""
    if type not in REFERENCE_TYPES:
        raise ValueError(f"unknown reference type {type!r}")
    return {
        "type": type,
        "target": target,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "note": note,
    }


def instrument_version(
    *, label: str, valid_from: datetime.date, valid_until: datetime.date | None, source_file: str
) -> Raw:
    """Which version of an instrument's text was current when (Guidelines Ver1.1 -> Ver1.2)."""
    return {
        "label": label,
        "valid_from": valid_from.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "source_file": source_file,
    }


def default_label(kind: str, number: str | None) -> str:
    """A printed label where the source gives only a number ('Article 5', '(a)', '1.')."""
    if not number:
        return ""
    if kind in {"article", "chapter", "section", "annex", "recital", "principle", "action"}:
        return f"{kind.capitalize()} {number}"
    if kind == "paragraph":
        return f"{number}."
    return f"({number})"


def end_provisions(
    provisions: list[Raw],
    refs: set[str],
    *,
    last_day: datetime.date,
    reason: str,
    note: str,
    ended_by: str | None = None,
) -> None:
    """Mark provisions as ending after `last_day`; their last text ends with them."""
    for p in provisions:
        if p["citation"] not in refs:
            continue
        p.update(
            in_force_until=last_day.isoformat(), end_reason=reason, end_note=note, ended_by=ended_by
        )
        p["texts"][-1]["valid_until"] = last_day.isoformat()


def assemble(instrument: Raw, provisions: list[Raw]) -> Raw:
    for position, p in enumerate(provisions, start=1):
        p["position"] = position
    return {"instrument": instrument, "provisions": provisions}


def instrument_record(
    *,
    slug: str,
    title: str,
    short_title: str,
    jurisdiction: str,
    issuing_body: str,
    instrument_type: str,
    legal_force: str,
    status: str = "in_force",
    adopted_on: str | None = None,
    in_force_from: str | None = None,
    in_force_until: str | None = None,
    revoked_by: str | None = None,
    official_identifier: str = "",
    identifiers: Raw | None = None,
    source_url: str = "",
    reuse_terms: str = "",
    original_language: str = "en",
    title_original: str = "",
    english_text_status: str = "",
    amended_by: list[Raw] | None = None,
    preamble: str = "",
    notes: str = "",
    sources: list[dict[str, str]] | None = None,
    versions: list[Raw] | None = None,
) -> Raw:
    return {
        "slug": slug,
        "title": title,
        "short_title": short_title,
        "title_original": title_original,
        "original_language": original_language,
        "jurisdiction": jurisdiction,
        "issuing_body": issuing_body,
        "instrument_type": instrument_type,
        "legal_force": legal_force,
        "status": status,
        "adopted_on": adopted_on,
        "in_force_from": in_force_from,
        "in_force_until": in_force_until,
        "revoked_by": revoked_by,
        "official_identifier": official_identifier,
        "identifiers": identifiers or {},
        "source_url": source_url,
        "reuse_terms": reuse_terms,
        "english_text_status": english_text_status,
        "amended_by": amended_by or [],
        "preamble": preamble,
        "notes": notes,
        "sources": sources or [],
        "versions": versions or [],
    }
