"""An OSCAL 1.2 mapping collection into a mapping set, as drafts: a preview with errors per map
(checked against the OSCAL mapping schema, then row by row like the CSV import: unknown
provisions, relationships, duplicates), then an all-or-nothing commit through the services.

What is read: each map's one source and one target `control` item by public id, its
relationship (the inverse of crosswalk.oscal.RELATIONSHIP), `matching-rationale`, a `strength`
prop and the remarks as rationale. A `no-relationship` map whose other side is a whole
instrument (prop `crosswalk-scope` = `instrument`, `id-ref` its slug) is a gap; any other
`no-relationship` map is a not_related mapping. Maps with several sources or targets are refused
(a Crosswalk mapping joins two provisions).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from crosswalk import gaps as gap_services
from crosswalk import oscal, relations, services
from crosswalk.models import Gap, Instrument, Mapping, MappingSet, Provision
from crosswalk.validators import validate_mapping_fields

SCHEMA = Path(__file__).resolve().parent.parent / "standards" / "oscal_mapping_schema-1.2.0.json"
FROM_OSCAL = {value: key for key, value in oscal.RELATIONSHIP.items()}
RATIONALES = set(Mapping.RationaleType.values)


@dataclass
class MapError:
    index: int  # 1-based position of the map in the document; 0: the document
    field: str
    message: str

    def __str__(self) -> str:
        where = f"map {self.index}" if self.index else "document"
        return f"{where}: {self.field}: {self.message}"


@dataclass
class MapRow:
    index: int
    source: Provision
    target: Provision | None  # None: a gap
    target_instrument: Instrument | None
    relationship: str
    strength: int | None
    rationale_type: str
    rationale: str


@dataclass
class OscalPreview:
    rows: list[MapRow] = field(default_factory=list)
    errors: list[MapError] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def mappings(self) -> list[MapRow]:
        return [row for row in self.rows if row.target is not None]

    @property
    def gaps(self) -> list[MapRow]:
        return [row for row in self.rows if row.target is None]


@cache
def _validator() -> jsonschema.Draft7Validator:
    # Python's re has no \p{L} / \p{N}: the equivalent classes, the published file unchanged.
    text = SCHEMA.read_text().replace("\\\\p{L}", "[^\\\\W\\\\d_]").replace("\\\\p{N}", "\\\\d")
    return jsonschema.Draft7Validator(json.loads(text))


def _props(item: dict[str, Any]) -> dict[str, str]:
    return {p.get("name"): p.get("value") for p in item.get("props", [])}


def oscal_parse(content: str | bytes, *, mapping_set: MappingSet | None = None) -> OscalPreview:
    """Read and check every map; nothing is written. `mapping_set`: the set it would land in
    (duplicates are checked against it)."""
    preview = OscalPreview()
    try:
        document = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        preview.errors.append(MapError(0, "file", f"Not JSON: {exc}"))
        return preview
    problems = sorted(_validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    if problems:
        for problem in problems[:20]:
            path = "/".join(str(part) for part in problem.absolute_path) or "(root)"
            preview.errors.append(MapError(0, path, f"OSCAL schema: {problem.message[:300]}"))
        return preview
    collection = document["mapping-collection"]
    preview.metadata = collection["metadata"]
    maps = [m for mapping in collection["mappings"] for m in mapping["maps"]]
    items = [i for m in maps for i in (*m["sources"], *m["targets"])]
    refs = {i["id-ref"] for i in items}
    provisions = {p.public_id: p for p in Provision.objects.filter(public_id__in=refs)}
    instruments = {i.slug: i for i in Instrument.objects.filter(slug__in=refs)}
    seen: dict[tuple, int] = {}
    for index, entry in enumerate(maps, start=1):
        errors = _read_map(index, entry, provisions, instruments, preview, seen, mapping_set)
        preview.errors += errors
    return preview


def _read_map(
    index: int,
    entry: dict[str, Any],
    provisions: dict[str, Provision],
    instruments: dict[str, Instrument],
    preview: OscalPreview,
    seen: dict[tuple, int],
    mapping_set: MappingSet | None,
) -> list[MapError]:
    errors: list[MapError] = []
    if len(entry["sources"]) != 1 or len(entry["targets"]) != 1:
        return [MapError(index, "sources", "One source and one target per map.")]
    ends = []
    whole = []
    for side, item in (("source", entry["sources"][0]), ("target", entry["targets"][0])):
        if _props(item).get("crosswalk-scope") == "instrument":
            found = instruments.get(item["id-ref"])
            whole.append(side)
            if found is None:
                errors.append(MapError(index, side, f"unknown instrument {item['id-ref']!r}"))
        else:
            found = provisions.get(item["id-ref"])
            if found is None:
                errors.append(MapError(index, side, f"unknown provision {item['id-ref']!r}"))
        ends.append(found)
    relationship = FROM_OSCAL.get(entry["relationship"])
    if relationship is None:
        allowed = ", ".join(sorted(FROM_OSCAL))
        errors.append(
            MapError(index, "relationship", f"{entry['relationship']!r}: not one of {allowed}")
        )
    rationale_type = entry.get("matching-rationale", "")
    if rationale_type and rationale_type not in RATIONALES:
        errors.append(MapError(index, "matching-rationale", f"{rationale_type!r} is not known"))
    strength = None
    raw = _props(entry).get("strength")
    if raw is not None:
        if not str(raw).isdigit() or not 1 <= int(raw) <= 10:
            errors.append(MapError(index, "strength", "Must be a whole number from 1 to 10."))
        else:
            strength = int(raw)
    if len(whole) == 2:
        errors.append(MapError(index, "targets", "A map between two whole instruments."))
    if whole and relationship not in (None, relations.NOT_RELATED):
        errors.append(MapError(index, "relationship", "A gap must be no-relationship."))
    if errors:
        return errors
    rationale = entry.get("remarks", "").strip()
    set_id = mapping_set.pk if mapping_set is not None and mapping_set.pk else None
    if whole:
        provision, instrument = (ends[1], ends[0]) if whole == ["source"] else (ends[0], ends[1])
        key: tuple = ("gap", provision.pk, instrument.pk)
        row = MapRow(index, provision, None, instrument, relationship, None, "", rationale)
        check = lambda: gap_services.validate_gap_fields(  # noqa: E731
            source=provision,
            target_instrument=instrument,
            rationale=rationale,
            mapping_set_id=set_id or -1,
        )
    else:
        source, target = ends
        key = ("mapping", *sorted((source.pk, target.pk)))
        row = MapRow(index, source, target, None, relationship, strength, rationale_type, rationale)
        check = lambda: validate_mapping_fields(  # noqa: E731
            source=source,
            target=target,
            relationship=relationship,
            strength=strength,
            rationale_type=rationale_type,
            rationale=rationale,
            mapping_set_id=set_id or -1,
        )
    if key in seen:
        return [MapError(index, "targets", f"duplicate of map {seen[key]}")]
    seen[key] = index
    try:
        check()
    except ValidationError as exc:
        return [MapError(index, f, m) for f, ms in exc.message_dict.items() for m in ms]
    preview.rows.append(row)
    return []


def set_for_import(slug: str, metadata: dict[str, Any]) -> MappingSet:
    """The named set, or a new one described by the document's metadata."""
    existing = MappingSet.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    title = metadata.get("title", slug)
    name = title if not MappingSet.objects.filter(name=title).exists() else f"{title} ({slug})"
    return MappingSet.objects.create(
        slug=slugify(slug)[:80] or "imported",
        name=name[:200],
        made_by=", ".join(p.get("name", "") for p in metadata.get("parties", []))[:300]
        or "imported OSCAL mapping collection",
        made_on=datetime.date.fromisoformat(metadata["last-modified"][:10]),
        method=MappingSet.Method.HUMAN,
        version=str(metadata.get("version", ""))[:64],
        description=f"Imported from the OSCAL mapping collection “{title}”.",
    )


@transaction.atomic
def oscal_commit(
    preview: OscalPreview, *, mapping_set: MappingSet, author: AbstractBaseUser | None
) -> tuple[list[Mapping], list[Gap]]:
    """Every map as a draft in `mapping_set`, or nothing."""
    if not preview.ok:
        raise ValidationError("The document has errors; nothing was imported.")
    mappings, gaps = [], []
    note = f"imported from OSCAL: {preview.metadata.get('title', '')}"[:100]
    for row in preview.rows:
        if row.target is None:
            gaps.append(
                gap_services.gap_create(
                    source=row.source,
                    target_instrument=row.target_instrument,
                    rationale=row.rationale,
                    author=author,
                    provenance=Mapping.Provenance.IMPORTED,
                    mapping_set=mapping_set,
                    note=note,
                )
            )
        else:
            mappings.append(
                services.mapping_create(
                    source=row.source,
                    target=row.target,
                    relationship=row.relationship,
                    strength=row.strength,
                    rationale_type=row.rationale_type,
                    rationale=row.rationale,
                    author=author,
                    provenance=Mapping.Provenance.IMPORTED,
                    mapping_set=mapping_set,
                    note=note,
                )
            )
    return mappings, gaps
