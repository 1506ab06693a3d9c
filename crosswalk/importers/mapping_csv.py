"""Mappings from CSV (the export's columns, or instrument + citation): a dry-run preview with
row-level errors, then an all-or-nothing commit through the workflow services."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from crosswalk import services
from crosswalk.models import Mapping, Provision
from crosswalk.validators import parse_strength, validate_mapping_fields

REQUIRED = ("relationship",)
GUARDED = tuple("=+-@\t\r")
# Optional `method` column: how a row was written. The suggestions benchmark's evaluation set is
# the rows written without looking at any suggestion.
METHODS = ("independent-reading", "suggestion-assisted")


@dataclass
class RowError:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ParsedRow:
    line: int
    source: Provision
    target: Provision
    relationship: str
    strength: int | None
    rationale_type: str
    rationale: str
    method: str = ""


@dataclass
class ImportPreview:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _row_errors(line: int, error: ValidationError) -> list[RowError]:
    return [RowError(line, f, m) for f, messages in error.message_dict.items() for m in messages]


def _unguard(value: str) -> str:
    """Undo the export's formula guard: "'=x" was exported for "=x"."""
    if len(value) > 1 and value[0] == "'" and value[1] in GUARDED:
        return value[1:]
    return value


def _side_keys(header: list[str], side: str) -> tuple[str, ...] | None:
    if f"{side}_public_id" in header:
        return (f"{side}_public_id",)
    if side in header:
        return (side,)
    if f"{side}_instrument" in header and f"{side}_citation" in header:
        return (f"{side}_instrument", f"{side}_citation")
    return None


def mappings_csv_parse(content: str | bytes) -> ImportPreview:
    """Read and check every row; nothing is written."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportPreview(errors=[RowError(1, "file", "Not UTF-8 text.")])
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff"), newline=""))
    header = reader.fieldnames or []
    preview = ImportPreview()
    keys = {side: _side_keys(header, side) for side in ("source", "target")}
    missing = [name for name in REQUIRED if name not in header] + [
        f"{side}_public_id (or {side}_instrument and {side}_citation)"
        for side, key in keys.items()
        if key is None
    ]
    if missing:
        preview.errors.append(RowError(1, "header", f"missing column(s): {', '.join(missing)}"))
        return preview
    records = list(enumerate(reader, start=2))
    lookup = _provisions(records, keys)
    seen: dict[tuple[int, int], int] = {}
    for line, record in records:
        if None in record:
            preview.errors.append(RowError(line, "row", "more cells than header columns"))
            continue
        values = {name: _unguard((record.get(name) or "").strip()) for name in header}
        row_errors: list[RowError] = []
        ends = {}
        for side in ("source", "target"):
            ref = tuple(values[k] for k in keys[side])
            ends[side] = lookup.get(ref)
            if ends[side] is None:
                row_errors.append(RowError(line, side, f"unknown provision {' '.join(ref)!r}"))
        method = values.get("method", "")
        if method and method not in METHODS:
            row_errors.append(RowError(line, "method", f"Must be one of {', '.join(METHODS)}."))
        try:
            strength = parse_strength(values.get("strength"))
        except ValidationError as exc:
            row_errors += _row_errors(line, exc)
            strength = None
        if not row_errors:
            try:
                validate_mapping_fields(
                    source=ends["source"],
                    target=ends["target"],
                    relationship=values["relationship"],
                    strength=strength,
                    rationale_type=values.get("rationale_type", ""),
                    rationale=values.get("rationale", ""),
                )
            except ValidationError as exc:
                row_errors += _row_errors(line, exc)
        if not row_errors:
            pair = (ends["source"].pk, ends["target"].pk)
            if pair in seen:
                row_errors.append(RowError(line, "target", f"duplicate of line {seen[pair]}"))
            seen[pair] = line
        if row_errors:
            preview.errors += row_errors
            continue
        preview.rows.append(
            ParsedRow(
                line=line,
                source=ends["source"],
                target=ends["target"],
                relationship=values["relationship"],
                strength=strength,
                rationale_type=values.get("rationale_type", ""),
                rationale=values.get("rationale", ""),
                method=method,
            )
        )
    if not records:
        preview.errors.append(RowError(1, "file", "no rows"))
    return preview


def _provisions(records: list[tuple[int, dict[str, Any]]], keys: dict) -> dict[tuple, Provision]:
    """Every provision the file names, in two queries."""
    by_public_id = {
        (record.get(keys[side][0]) or "").strip()
        for _, record in records
        for side in ("source", "target")
        if len(keys[side]) == 1
    }
    found: dict[tuple, Provision] = {
        (p.public_id,): p for p in Provision.objects.filter(public_id__in=by_public_id)
    }
    pairs = {
        (
            (record.get(keys[side][0]) or "").strip(),
            _unguard((record.get(keys[side][1]) or "").strip()),
        )
        for _, record in records
        for side in ("source", "target")
        if len(keys[side]) == 2
    }
    if pairs:
        slugs = {slug for slug, _ in pairs}
        for p in Provision.objects.filter(instrument__slug__in=slugs).select_related("instrument"):
            if (p.instrument.slug, p.citation) in pairs:
                found[(p.instrument.slug, p.citation)] = p
    return found


@transaction.atomic
def mappings_csv_commit(
    preview: ImportPreview,
    *,
    author: AbstractBaseUser | None,
    provenance: str = Mapping.Provenance.IMPORTED,
    publish_as: AbstractBaseUser | None = None,
) -> list[Mapping]:
    """Write every row as a draft, or nothing. With `publish_as`, each draft is submitted and
    published by that reviewer (used for the project's seed curation). A row's `method` is kept
    as the change reason of the mapping's first history record."""
    if not preview.ok:
        raise ValidationError("The file has errors; nothing was imported.")
    created = []
    for row in preview.rows:
        mapping = services.mapping_create(
            source=row.source,
            target=row.target,
            relationship=row.relationship,
            strength=row.strength,
            rationale_type=row.rationale_type,
            rationale=row.rationale,
            author=author,
            provenance=provenance,
            note=f"method: {row.method}" if row.method else "",
        )
        if publish_as is not None:
            services.mapping_submit(mapping=mapping, user=author)
            mapping = services.mapping_publish(mapping=mapping, reviewer=publish_as)
        created.append(mapping)
    return created
