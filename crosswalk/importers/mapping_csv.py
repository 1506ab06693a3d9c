"""Mappings from CSV (the export's columns, or instrument + citation): a dry-run preview with
row- and file-level errors, then an all-or-nothing commit through the workflow services.

Re-importing is idempotent. Each row is compared with the live mappings of its provision pair:
- a row that repeats one (in either direction, read through the inverse) is unchanged: skipped
  and counted;
- a changed row of a draft becomes that draft's next version;
- a changed row of a published mapping becomes a new draft revising it (publishing the draft
  retires the old one); a row for a pair under review is refused (return it to draft first);
- a row for a new pair becomes a new draft;
- a row the export marked retired (its `status` column) is skipped and counted.
A row stated the other way round from a stored mapping, or from another row, with a relationship
that is not that one's inverse contradicts it: both cannot hold, so it is refused.

Never a traceback: bad encoding, a bad header (missing, unknown or repeated columns), a file over
MAX_FILE_BYTES, a cell over MAX_CELL characters or holding a NUL character, a malformed CSV
record — each is a reported error, and nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from crosswalk import relations, services
from crosswalk.exports import FORMULA_START
from crosswalk.models import Mapping, Provision
from crosswalk.validators import parse_strength, validate_mapping_fields

REQUIRED = ("relationship",)
OPTIONAL = ("strength", "rationale_type", "rationale", "method")
# The export's other columns: accepted so that its file re-imports as it is, and not read.
INFORMATIONAL = (
    "id", "source_heading", "target_heading", "status", "provenance", "published_at",
    "updated_at",
)  # fmt: skip
SIDE_COLUMNS = tuple(
    f"{side}{suffix}"
    for side in ("source", "target")
    for suffix in ("", "_public_id", "_instrument", "_citation")
)
KNOWN = frozenset((*REQUIRED, *OPTIONAL, *INFORMATIONAL, *SIDE_COLUMNS))
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_CELL = 10_000
MAX_ERRORS = 500
CONTENT = ("relationship", "strength", "rationale_type", "rationale")
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
    # "new": a new draft (revising `existing` when that is published); "changed": the next
    # version of the draft `existing`.
    method: str = ""
    action: str = "new"
    existing: Mapping | None = None

    def content(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CONTENT}


@dataclass
class ImportPreview:
    rows: list[ParsedRow] = field(default_factory=list)
    unchanged: list[tuple[int, Mapping]] = field(default_factory=list)
    retired: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows or self.unchanged or self.retired)

    @property
    def valid_count(self) -> int:
        return len(self.rows) + len(self.unchanged) + len(self.retired)

    def counts(self) -> dict[str, int]:
        return {
            "new": sum(1 for row in self.rows if row.action == "new"),
            "changed": sum(1 for row in self.rows if row.action == "changed"),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
        }

    def summary(self) -> str:
        c = self.counts()
        text = f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged (skipped)"
        return text + (f", {c['retired']} retired (skipped)" if c["retired"] else "")


def _row_errors(line: int, error: ValidationError) -> list[RowError]:
    return [RowError(line, f, m) for f, messages in error.message_dict.items() for m in messages]


def _unguard(value: str) -> str:
    """Undo the export's formula guard: "'=x" was exported for "=x"."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_START:
        return value[1:]
    return value


def _clean(value: str) -> str:
    """A cell as stored: no formula guard, Unix line endings, no surrounding blanks."""
    return _unguard(value.replace("\r\n", "\n").replace("\r", "\n").strip())


def _shown(value: str, width: int = 80) -> str:
    return value if len(value) <= width else value[: width - 1] + "…"


def _side_keys(header: list[str], side: str) -> tuple[str, ...] | None:
    if f"{side}_public_id" in header:
        return (f"{side}_public_id",)
    if side in header:
        return (side,)
    if f"{side}_instrument" in header and f"{side}_citation" in header:
        return (f"{side}_instrument", f"{side}_citation")
    return None


def _header_errors(header: list[str], keys: dict) -> list[str]:
    problems = []
    missing = [name for name in REQUIRED if name not in header] + [
        f"{side}_public_id (or {side}_instrument and {side}_citation)"
        for side, key in keys.items()
        if key is None
    ]
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    unknown = [name for name in header if name not in KNOWN]
    if unknown:
        problems.append(
            f"unknown column(s): {', '.join(repr(_shown(n, 40)) for n in unknown)}; "
            f"known: {', '.join(sorted(KNOWN))}"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    return problems


def _records(text: str, preview: ImportPreview) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and each record with its row number (a spreadsheet's, header = 1); records
    the csv module cannot read become errors."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    records: list[tuple[int, list[str]]] = []
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            where = "header" if header is None else "row"
            preview.errors.append(RowError(number, where, f"unreadable CSV record: {exc}"))
            if header is None:
                return [], []
            continue
        if header is None:
            header = [name.strip() for name in cells]
            continue
        if any(cell.strip() for cell in cells):
            records.append((number, cells))
    return header or [], records


def mappings_csv_parse(content: str | bytes) -> ImportPreview:
    """Read and check every row, and compare it with the database; nothing is written."""
    preview = ImportPreview()
    size = len(content.encode() if isinstance(content, str) else content)
    if size > MAX_FILE_BYTES:
        preview.errors.append(
            RowError(1, "file", f"over the limit of {MAX_FILE_BYTES:,} bytes: split the file")
        )
        return preview
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportPreview(errors=[RowError(1, "file", "Not UTF-8 text.")])
    header, records = _records(content.lstrip("\ufeff"), preview)
    if preview.errors and not header:
        return preview
    if "\x00" in "".join(header):
        preview.errors.append(RowError(1, "header", "contains a NUL character"))
        return preview
    keys = {side: _side_keys(header, side) for side in ("source", "target")}
    problems = _header_errors(header, keys)
    if problems:
        preview.errors += [RowError(1, "header", problem) for problem in problems]
        return preview
    if not records and not preview.errors:
        preview.errors.append(RowError(1, "file", "no rows"))
        return preview

    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in records:
        if len(cells) > len(header):
            preview.errors.append(RowError(line, "row", "more cells than header columns"))
            continue
        values = dict(zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=True))
        bad = [
            RowError(line, name, problem)
            for name, value in values.items()
            for problem in (
                "contains a NUL character" if "\x00" in value else "",
                f"{len(value):,} characters; the limit is {MAX_CELL:,}"
                if len(value) > MAX_CELL
                else "",
            )
            if problem
        ]
        if bad:
            preview.errors += bad
            continue
        if values.get("status", "").strip() == Mapping.Status.RETIRED:
            preview.retired.append(line)
            continue
        rows.append((line, {name: _clean(value) for name, value in values.items()}))

    lookup = _provisions(rows, keys)
    parsed: list[ParsedRow] = []
    for line, values in rows:
        row_errors: list[RowError] = []
        ends = {}
        for side in ("source", "target"):
            ref = tuple(values[k] for k in keys[side])
            ends[side] = lookup.get(ref)
            if ends[side] is None:
                shown = _shown(" ".join(ref))
                row_errors.append(RowError(line, side, f"unknown provision {shown!r}"))
        method = values.get("method", "")
        if method and method not in METHODS:
            row_errors.append(RowError(line, "method", f"Must be one of {', '.join(METHODS)}."))
        try:
            strength = parse_strength(values.get("strength"))
        except ValidationError as exc:
            row_errors += _row_errors(line, exc)
            strength = None
        if row_errors:
            preview.errors += row_errors
            continue
        parsed.append(
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
    _compare(parsed, preview)
    if len(preview.errors) > MAX_ERRORS:
        hidden = len(preview.errors) - MAX_ERRORS
        preview.errors = [
            *preview.errors[:MAX_ERRORS],
            RowError(0, "file", f"… and {hidden} more error(s)"),
        ]
    return preview


def _same_content(row: ParsedRow, mapping: Mapping, *, reversed_: bool = False) -> bool:
    relationship = relations.inverse(row.relationship) if reversed_ else row.relationship
    if relationship not in relations.CURATED:
        return False
    stored = (
        mapping.relationship,
        mapping.strength,
        mapping.rationale_type,
        _clean(mapping.rationale),
    )
    return (relationship, row.strength, row.rationale_type, row.rationale) == stored


def _compare(parsed: list[ParsedRow], preview: ImportPreview) -> None:
    """Each row against the live mappings of its pair (one query) and the file's earlier rows."""
    ids = {p.pk for row in parsed for p in (row.source, row.target)}
    live: dict[tuple[int, int], list[Mapping]] = {}
    for m in Mapping.objects.live().filter(source_id__in=ids, target_id__in=ids).order_by("pk"):
        live.setdefault((m.source_id, m.target_id), []).append(m)
    seen: dict[frozenset[int], ParsedRow] = {}
    for row in parsed:
        try:
            unchanged = _classify(row, live)
        except ValidationError as exc:
            preview.errors += _row_errors(row.line, exc)
            continue
        key = frozenset((row.source.pk, row.target.pk))
        if key in seen:
            preview.errors.append(RowError(row.line, "target", _against_row(row, seen[key])))
            continue
        seen[key] = row
        if unchanged is not None:
            preview.unchanged.append((row.line, unchanged))
        else:
            preview.rows.append(row)


def _classify(row: ParsedRow, live: dict[tuple[int, int], list[Mapping]]) -> Mapping | None:
    """The live mapping `row` repeats, or None after setting what the row becomes; a
    ValidationError (field keys) when it cannot be imported."""
    pair = (row.source.pk, row.target.pk)
    if row.relationship in relations.CURATED:
        problem = _against_database(row, live)
        if problem:
            raise ValidationError({"target": [problem]})
        repeated = [m for m in live.get(pair, []) if _same_content(row, m)] + [
            m for m in live.get(pair[::-1], []) if _same_content(row, m, reversed_=True)
        ]
        if repeated:
            return repeated[0]
        open_ = next((m for m in live.get(pair, []) if m.status != Mapping.Status.PUBLISHED), None)
        if open_ is not None and open_.status == Mapping.Status.IN_REVIEW:
            raise ValidationError(
                {
                    "target": [
                        f"mapping {open_.pk} of this pair is in review: return it to draft "
                        "before importing a change"
                    ]
                }
            )
        if open_ is not None:
            row.action, row.existing = "changed", open_
        else:
            row.existing = next(iter(live.get(pair, [])), None)  # published: a revision
    validate_mapping_fields(
        source=row.source,
        target=row.target,
        relationship=row.relationship,
        strength=row.strength,
        rationale_type=row.rationale_type,
        rationale=row.rationale,
        exclude_pk=row.existing.pk if row.action == "changed" else None,
    )
    return None


def _against_row(row: ParsedRow, other: ParsedRow) -> str:
    if (row.source.pk, row.target.pk) == (other.source.pk, other.target.pk):
        return f"duplicate of line {other.line}"
    if (
        other.relationship in relations.CURATED
        and relations.inverse(other.relationship) == row.relationship
    ):
        return f"repeats line {other.line} the other way round"
    return (
        f"contradicts line {other.line}: {other.source.public_id} {other.relationship} "
        f"{other.target.public_id}"
    )


def _against_database(row: ParsedRow, live: dict[tuple[int, int], list[Mapping]]) -> str:
    """A row stated the other way round from a stored mapping must repeat it exactly."""
    for stored in live.get((row.target.pk, row.source.pk), []):
        if _same_content(row, stored, reversed_=True):
            return ""
        if relations.inverse(row.relationship) != stored.relationship:
            return (
                f"contradicts mapping {stored.pk} ({stored.get_status_display()}): "
                f"{row.target.public_id} {stored.relationship} {row.source.public_id}"
            )
        return (
            f"mapping {stored.pk} stores this pair the other way round "
            f"({row.target.public_id} → {row.source.public_id}): a changed row must use "
            "that direction"
        )
    return ""


def _provisions(rows: list[tuple[int, dict[str, str]]], keys: dict) -> dict[tuple, Provision]:
    """Every provision the file names, in two queries."""
    by_public_id = {
        values[keys[side][0]]
        for _, values in rows
        for side in ("source", "target")
        if len(keys[side]) == 1
    }
    found: dict[tuple, Provision] = {
        (p.public_id,): p for p in Provision.objects.filter(public_id__in=by_public_id)
    }
    pairs = {
        (values[keys[side][0]], values[keys[side][1]])
        for _, values in rows
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
    """Write every new or changed row as a draft, or nothing; unchanged rows are skipped. With
    `publish_as`, each draft is submitted and published by that reviewer (used for the
    project's seed curation). A new row's `method` is kept as the change reason of the
    mapping's first history record. Returns the mappings written."""
    if not preview.ok:
        raise ValidationError("The file has errors; nothing was imported.")
    written = []
    for row in preview.rows:
        if row.action == "changed":
            mapping = services.mapping_update(
                mapping=row.existing, editor=author, version=row.existing.version, **row.content()
            )
        else:
            mapping = services.mapping_create(
                source=row.source,
                target=row.target,
                author=author,
                provenance=provenance,
                note=f"method: {row.method}" if row.method else "",
                **row.content(),
            )
        if publish_as is not None:
            services.mapping_submit(mapping=mapping, user=author)
            mapping = services.mapping_publish(mapping=mapping, reviewer=publish_as)
        written.append(mapping)
    return written
