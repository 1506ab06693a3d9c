"""The corpus in fixtures/: write, validate, load idempotently, and verify the database against it.

A fixture file is one instrument in the normalised shape the importers produce. Loading
compares each provision with what the database holds and writes only what differs, one
transaction per instrument; a file that fails validation writes nothing.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from crosswalk.models import Instrument, Jurisdiction, Provision, ProvisionText, Reference
from crosswalk.services import COPIED_FIELDS, provision_texts_replace

Raw = dict[str, Any]
MANIFEST = "manifest.json"

INSTRUMENT_FIELDS = [
    "title", "short_title", "title_original", "original_language", "issuing_body",
    "instrument_type", "legal_force", "status", "adopted_on", "in_force_from", "in_force_until",
    "official_identifier", "identifiers", "source_url", "reuse_terms", "english_text_status",
    "amended_by", "preamble", "notes", "sources", "versions",
]  # fmt: skip
PROVISION_FIELDS = [
    "eid", "kind", "number", "label", "label_original", "position", "in_force_from",
    "in_force_until", "end_reason", "end_note", "applies_from", "applies_until",
    "application_note", "application_dates", "extra",
]  # fmt: skip
TEXT_FIELDS = [
    "valid_from", "valid_until", "heading", "text", "heading_original", "text_original",
    "original_language", "changed_by", "source_file", "footnotes", "translation_note",
]  # fmt: skip
REFERENCE_FIELDS = ["type", "target", "valid_from", "valid_until", "note"]
DATE_FIELDS = {
    "adopted_on", "in_force_from", "in_force_until", "applies_from", "applies_until",
    "valid_from", "valid_until",
}  # fmt: skip


class CorpusError(Exception):
    """A fixture that fails validation, named by file and citation."""

    def __init__(self, file: str, citation: str | None, message: str) -> None:
        self.file, self.citation = file, citation
        super().__init__(f"{file}: {citation}: {message}" if citation else f"{file}: {message}")


def dumps(doc: Raw) -> str:
    """Canonical JSON: the same document always gives the same bytes."""
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def write_fixtures(directory: Path, jurisdictions: dict[str, str], docs: dict[str, Raw]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for slug, doc in docs.items():
        (directory / f"{slug}.json").write_text(dumps(doc), encoding="utf-8")
    manifest = {"jurisdictions": jurisdictions, "instruments": list(docs)}
    (directory / MANIFEST).write_text(dumps(manifest), encoding="utf-8")


def read_fixtures(directory: Path) -> tuple[dict[str, str], list[tuple[str, Raw]]]:
    """The manifest's jurisdictions and each (file name, document), in load order."""
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise CorpusError(
            MANIFEST, None, f"cannot read the manifest in {directory}: {exc}"
        ) from exc
    docs = []
    for slug in manifest["instruments"]:
        name = f"{slug}.json"
        try:
            doc = json.loads((directory / name).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise CorpusError(name, None, str(exc)) from exc
        validate(name, doc, manifest["jurisdictions"])
        docs.append((name, doc))
    return manifest["jurisdictions"], docs


def _date(file: str, citation: str | None, key: str, value: Any, *, required: bool) -> None:
    if value is None and not required:
        return
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as exc:
        raise CorpusError(file, citation, f"{key} is not an ISO date: {value!r}") from exc


def validate(file: str, doc: Raw, jurisdictions: dict[str, str]) -> None:
    """Check a fixture before anything of it is written; errors name the file and citation."""
    instrument = doc.get("instrument")
    provisions = doc.get("provisions")
    if not isinstance(instrument, dict) or not isinstance(provisions, list):
        raise CorpusError(file, None, "expected 'instrument' and 'provisions'")
    missing = [key for key in ["slug", *INSTRUMENT_FIELDS, "jurisdiction"] if key not in instrument]
    if missing:
        raise CorpusError(file, None, f"instrument lacks {', '.join(missing)}")
    if instrument["jurisdiction"] not in jurisdictions:
        raise CorpusError(file, None, f"unknown jurisdiction {instrument['jurisdiction']!r}")
    for key in ("adopted_on", "in_force_from", "in_force_until"):
        _date(file, None, key, instrument[key], required=False)
    citations: set[str] = set()
    eids: set[str] = set()
    for p in provisions:
        citation = p.get("citation")
        if not isinstance(citation, str) or not citation:
            raise CorpusError(file, repr(citation), "provision without a citation")
        lacking = [
            key
            for key in [*PROVISION_FIELDS, "parent", "ended_by", "texts", "references"]
            if key not in p
        ]
        if lacking:
            raise CorpusError(file, citation, f"lacks {', '.join(lacking)}")
        if citation in citations:
            raise CorpusError(file, citation, "duplicate citation")
        if not p["eid"] or p["eid"] in eids:
            raise CorpusError(file, citation, f"missing or duplicate eid {p['eid']!r}")
        if p["parent"] is not None and p["parent"] not in citations:
            raise CorpusError(file, citation, f"parent {p['parent']!r} does not precede it")
        for key in ("in_force_from", "in_force_until", "applies_from", "applies_until"):
            _date(file, citation, key, p[key], required=key == "in_force_from")
        texts = p["texts"]
        if not texts:
            raise CorpusError(file, citation, "has no dated text")
        previous_end: str | None = None
        for index, t in enumerate(texts):
            _date(file, citation, "valid_from", t.get("valid_from"), required=True)
            _date(file, citation, "valid_until", t.get("valid_until"), required=False)
            if not all(
                isinstance(t.get(key, ""), str | type(None))
                for key in TEXT_FIELDS
                if key != "footnotes"
            ):
                raise CorpusError(file, citation, "dated text fields must be text")
            if not isinstance(t.get("footnotes"), list) or not all(
                isinstance(n, dict) and isinstance(n.get("number"), str) for n in t["footnotes"]
            ):
                raise CorpusError(file, citation, "footnotes must be a list of numbered notes")
            if index and (previous_end is None or t["valid_from"] <= previous_end):
                raise CorpusError(file, citation, "dated texts overlap or are out of order")
            previous_end = t.get("valid_until")
        for ref in p["references"]:
            if ref.get("type") not in Reference.Type.values or not ref.get("target"):
                raise CorpusError(file, citation, f"malformed reference {ref!r}")
            _date(file, citation, "reference valid_from", ref.get("valid_from"), required=True)
            _date(file, citation, "reference valid_until", ref.get("valid_until"), required=False)
        citations.add(citation)
        eids.add(p["eid"])


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def instrument_snapshot(instrument: Instrument) -> Raw:
    snap = {key: _iso(getattr(instrument, key)) for key in INSTRUMENT_FIELDS}
    snap["slug"] = instrument.slug
    snap["jurisdiction"] = instrument.jurisdiction.code
    snap["revoked_by"] = instrument.revoked_by.public_id if instrument.revoked_by else None
    return snap


def provision_snapshot(p: Provision, citations: dict[int, str], public_ids: dict[int, str]) -> Raw:
    """The database row in fixture shape; `texts` must be prefetched."""
    snap = {key: _iso(getattr(p, key)) for key in PROVISION_FIELDS}
    snap["citation"] = p.citation
    snap["parent"] = citations.get(p.parent_id) if p.parent_id else None
    snap["ended_by"] = public_ids.get(p.ended_by_id) if p.ended_by_id else None
    snap["texts"] = [{key: _iso(getattr(t, key)) for key in TEXT_FIELDS} for t in p.texts.all()]
    snap["references"] = reference_snapshot(p)
    return snap


def reference_snapshot(p: Provision) -> list[Raw]:
    """The provision's references in fixture shape; `references__target` must be prefetched."""
    rows = [
        {
            "type": r.type,
            "target": r.target.public_id,
            "valid_from": _iso(r.valid_from),
            "valid_until": _iso(r.valid_until),
            "note": r.note,
        }
        for r in p.references.all()
    ]
    return sorted(rows, key=_reference_key)


def _reference_key(ref: Raw) -> tuple:
    return (ref["type"], ref["target"], ref["valid_from"])


def _values(raw: Raw, keys: list[str]) -> Raw:
    return {key: raw[key] for key in keys}


def _text_values(raw: Raw) -> Raw:
    values = _values(raw, TEXT_FIELDS)
    for key in ("valid_from", "valid_until"):
        if values[key] is not None:
            values[key] = datetime.date.fromisoformat(values[key])
    return values


def _load_reason(file: str, raw: Raw) -> str:
    """Why a load changes a provision: its file, and a correction of the record if it names one."""
    corrections = raw["extra"].get("corrections") or []
    if corrections:
        return f"load_corpus: {file}: {corrections[-1]['note']}"
    return f"load_corpus: {file}"


@dataclass
class LoadReport:
    slug: str
    provisions: int = 0
    created: int = 0
    updated: int = 0
    instrument_written: bool = False
    changes: list[str] = field(default_factory=list)

    @property
    def wrote(self) -> bool:
        return self.instrument_written or bool(self.created or self.updated)


def _resolver(doc: Raw, file: str) -> Callable[[str | None, str | None], Provision | None]:
    """Look up, in one query, every provision this fixture refers to in other instruments."""
    wanted = {doc["instrument"]["revoked_by"]} | {p["ended_by"] for p in doc["provisions"]}
    found = Provision.objects.in_bulk([w for w in wanted if w], field_name="public_id")

    def resolve(public_id: str | None, citation: str | None) -> Provision | None:
        if public_id is None:
            return None
        if public_id not in found:
            raise CorpusError(file, citation, f"refers to {public_id!r}, which is not loaded")
        return found[public_id]

    return resolve


def _same(snapshot: Raw, raw: Raw) -> bool:
    """Equal apart from references, which `references_load` writes once every target exists."""
    return {k: v for k, v in snapshot.items() if k != "references"} == {
        k: v for k, v in raw.items() if k != "references"
    }


@transaction.atomic
def references_load(docs: list[tuple[str, Raw]]) -> int:
    """Write the references every fixture states, after all instruments are in (a text may
    point at an instrument loaded after it). Returns how many rows were written or removed."""
    wanted_targets = {
        ref["target"] for _, doc in docs for p in doc["provisions"] for ref in p["references"]
    }
    targets = Provision.objects.in_bulk(list(wanted_targets), field_name="public_id")
    written = 0
    for file, doc in docs:
        slug = doc["instrument"]["slug"]
        rows = Provision.objects.filter(instrument__slug=slug).prefetch_related(
            "references__target"
        )
        by_citation = {p.citation: p for p in rows}
        for raw in doc["provisions"]:
            provision = by_citation[raw["citation"]]
            wanted = sorted((_values(r, REFERENCE_FIELDS) for r in raw["references"]),
                            key=_reference_key)  # fmt: skip
            if reference_snapshot(provision) == wanted:
                continue
            for missing in {r["target"] for r in wanted} - set(targets):
                raise CorpusError(file, raw["citation"], f"refers to {missing!r}, not loaded")
            for row in provision.references.all():
                row._change_reason = f"load_corpus: {file}"
                row.delete()
                written += 1
            for r in wanted:
                row = Reference(
                    source=provision,
                    target=targets[r["target"]],
                    type=r["type"],
                    valid_from=datetime.date.fromisoformat(r["valid_from"]),
                    valid_until=(
                        datetime.date.fromisoformat(r["valid_until"]) if r["valid_until"] else None
                    ),
                    note=r["note"],
                )
                row._change_reason = f"load_corpus: {file}"
                row.save()
                written += 1
    return written


@transaction.atomic
def instrument_load(*, file: str, doc: Raw, jurisdiction_name: str) -> LoadReport:
    """Bring one instrument in the database in line with its fixture, writing only differences."""
    info = doc["instrument"]
    slug = info["slug"]
    report = LoadReport(slug=slug, provisions=len(doc["provisions"]))
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        code=info["jurisdiction"], defaults={"name": jurisdiction_name}
    )
    if jurisdiction.name != jurisdiction_name:
        jurisdiction.name = jurisdiction_name
        jurisdiction.save()

    resolve = _resolver(doc, file)
    instrument = (
        Instrument.objects.select_related("jurisdiction", "revoked_by").filter(slug=slug).first()
    )
    if instrument is None or instrument_snapshot(instrument) != info:
        instrument = instrument or Instrument(slug=slug)
        for key in INSTRUMENT_FIELDS:
            setattr(instrument, key, info[key])
        instrument.jurisdiction = jurisdiction
        instrument.revoked_by = resolve(info["revoked_by"], None)
        instrument.full_clean(exclude=["revoked_by", "superseded_by"])
        instrument.save()
        report.instrument_written = True
        report.changes.append(f"{slug}: instrument record written")

    existing = {
        p.citation: p
        for p in Provision.objects.filter(instrument=instrument).prefetch_related(
            "texts", "references__target"
        )
    }
    citations = {p.pk: p.citation for p in existing.values()}
    ended_ids = {p.ended_by_id for p in existing.values() if p.ended_by_id}
    public_ids = Provision.objects.public_ids(ended_ids)
    by_citation: dict[str, Provision] = dict(existing)

    new_texts: list[ProvisionText] = []
    for raw in doc["provisions"]:
        current = existing.get(raw["citation"])
        if current is not None and _same(provision_snapshot(current, citations, public_ids), raw):
            continue
        obj = current or Provision(instrument=instrument, citation=raw["citation"])
        for key, value in _values(raw, PROVISION_FIELDS).items():
            setattr(obj, key, value)
        latest = raw["texts"][-1]
        for key in COPIED_FIELDS:
            setattr(obj, key, latest[key])
        obj.public_id = f"{slug}:{raw['eid']}"
        obj.parent = by_citation[raw["parent"]] if raw["parent"] else None
        obj.ended_by = resolve(raw["ended_by"], raw["citation"])
        reason = _load_reason(file, raw)
        obj._change_reason = reason
        if current is None:
            # Saved one by one: a child needs its parent's key, and history records each row.
            obj.save()
            report.created += 1
            texts = [ProvisionText(provision=obj, **_values(t, TEXT_FIELDS)) for t in raw["texts"]]
            new_texts.extend(texts)
        else:
            obj.save()
            old_texts = [
                {key: _iso(getattr(t, key)) for key in TEXT_FIELDS} for t in current.texts.all()
            ]
            if old_texts != raw["texts"]:
                # Through the text-change service: the copy, history and mapping flags follow.
                provision_texts_replace(
                    provision=obj, texts=[_text_values(t) for t in raw["texts"]], by=None,
                    reason=reason,
                )  # fmt: skip
            report.updated += 1
            report.changes.append(f"{slug}: {raw['citation']} updated")
        by_citation[raw["citation"]] = obj
    if new_texts:
        bulk_create_with_history(new_texts, ProvisionText, batch_size=500)
    stale = set(existing) - {raw["citation"] for raw in doc["provisions"]}
    for citation in sorted(stale):
        report.changes.append(f"{slug}: {citation} is in the database but not in {file} (kept)")
    return report


def corpus_load(directory: Path, *, progress: Callable[[str], None] = print) -> list[LoadReport]:
    """Load every fixture; stops at the first invalid file, earlier instruments stay loaded."""
    jurisdictions, docs = read_fixtures(directory)
    reports = []
    for index, (file, doc) in enumerate(docs, start=1):
        report = instrument_load(
            file=file, doc=doc, jurisdiction_name=jurisdictions[doc["instrument"]["jurisdiction"]]
        )
        state = (
            f"{report.created} created, {report.updated} updated" if report.wrote else "unchanged"
        )
        progress(f"[{index}/{len(docs)}] {report.slug}: {report.provisions} provisions, {state}")
        reports.append(report)
    links = references_load(docs)
    progress(f"references: {links} written" if links else "references: unchanged")
    return reports


def corpus_differences(directory: Path) -> Iterator[str]:
    """Every way the database differs from fixtures/ (empty when they agree)."""
    _, docs = read_fixtures(directory)
    for file, doc in docs:
        info = doc["instrument"]
        instrument = (
            Instrument.objects.select_related("jurisdiction", "revoked_by")
            .filter(slug=info["slug"])
            .first()
        )
        if instrument is None:
            yield f"{file}: instrument {info['slug']!r} is not in the database"
            continue
        snap = instrument_snapshot(instrument)
        for key in sorted(set(snap) | set(info)):
            if snap.get(key) != info.get(key):
                yield f"{file}: instrument field {key!r} differs"
        rows = {
            p.citation: p
            for p in Provision.objects.filter(instrument=instrument).prefetch_related(
                "texts", "references__target"
            )
        }
        citations = {p.pk: p.citation for p in rows.values()}
        public_ids = Provision.objects.public_ids(
            {p.ended_by_id for p in rows.values() if p.ended_by_id}
        )
        for raw in doc["provisions"]:
            row = rows.pop(raw["citation"], None)
            if row is None:
                yield f"{file}: {raw['citation']}: missing from the database"
                continue
            snap = provision_snapshot(row, citations, public_ids)
            raw = {**raw, "references": sorted(raw["references"], key=_reference_key)}
            for key in sorted(set(snap) | set(raw)):
                if snap.get(key) != raw.get(key):
                    yield f"{file}: {raw['citation']}: {key} differs"
            latest = raw["texts"][-1]
            for key in COPIED_FIELDS:
                if getattr(row, key) != latest[key]:
                    yield f"{file}: {raw['citation']}: current {key} differs from its latest text"
            if row.public_id != f"{info['slug']}:{raw['eid']}":
                yield f"{file}: {raw['citation']}: public id differs"
        for citation in sorted(rows):
            yield f"{file}: {citation}: in the database but not in the fixture"
