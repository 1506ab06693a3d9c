"""Gaps from CSV (`source,target_instrument,rationale,method`): a preview with row-level errors,
then an all-or-nothing commit through the gap services (crosswalk.gaps)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from crosswalk import gaps
from crosswalk.importers.mapping_csv import METHODS, RowError
from crosswalk.models import Gap, Instrument, Mapping, MappingSet, Provision

COLUMNS = ("source", "target_instrument", "rationale")


@dataclass
class GapRow:
    line: int
    source: Provision
    target_instrument: Instrument
    rationale: str
    method: str = ""


@dataclass
class GapPreview:
    rows: list[GapRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def gaps_csv_parse(content: str | bytes) -> GapPreview:
    """Read and check every row; nothing is written."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return GapPreview(errors=[RowError(1, "file", "Not UTF-8 text.")])
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff"), newline=""))
    header = reader.fieldnames or []
    preview = GapPreview()
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        preview.errors.append(RowError(1, "header", f"missing column(s): {', '.join(missing)}"))
        return preview
    records = list(enumerate(reader, start=2))
    public_ids = {(r.get("source") or "").strip() for _, r in records}
    slugs = {(r.get("target_instrument") or "").strip() for _, r in records}
    provisions = {p.public_id: p for p in Provision.objects.filter(public_id__in=public_ids)}
    instruments = {i.slug: i for i in Instrument.objects.filter(slug__in=slugs)}
    seen: dict[tuple[int, int], int] = {}
    for line, record in records:
        if None in record:
            preview.errors.append(RowError(line, "row", "more cells than header columns"))
            continue
        values = {name: (record.get(name) or "").strip() for name in header}
        row_errors: list[RowError] = []
        source = provisions.get(values["source"])
        target = instruments.get(values["target_instrument"])
        if source is None:
            row_errors.append(RowError(line, "source", f"unknown provision {values['source']!r}"))
        if target is None:
            row_errors.append(
                RowError(
                    line,
                    "target_instrument",
                    f"unknown instrument {values['target_instrument']!r}",
                )
            )
        method = values.get("method", "")
        if method and method not in METHODS:
            row_errors.append(RowError(line, "method", f"Must be one of {', '.join(METHODS)}."))
        if not row_errors:
            key = (source.pk, target.pk)
            if key in seen:
                row_errors.append(RowError(line, "source", f"duplicate of line {seen[key]}"))
            else:
                seen[key] = line
                try:
                    gaps.validate_gap_fields(
                        source=source,
                        target_instrument=target,
                        rationale=values["rationale"],
                        for_review=True,
                    )
                except ValidationError as exc:
                    row_errors += [
                        RowError(line, f, m) for f, ms in exc.message_dict.items() for m in ms
                    ]
        if row_errors:
            preview.errors += row_errors
            continue
        preview.rows.append(GapRow(line, source, target, values["rationale"], method))
    if not records:
        preview.errors.append(RowError(1, "file", "no rows"))
    return preview


@transaction.atomic
def gaps_csv_commit(
    preview: GapPreview,
    *,
    author: AbstractBaseUser | None,
    provenance: str = Mapping.Provenance.IMPORTED,
    mapping_set: MappingSet | None = None,
    publish_as: AbstractBaseUser | None = None,
) -> list[Gap]:
    """Write every row as a draft, or nothing; with `publish_as`, submitted and published."""
    if not preview.ok:
        raise ValidationError("The file has errors; nothing was imported.")
    created = []
    for row in preview.rows:
        gap = gaps.gap_create(
            source=row.source,
            target_instrument=row.target_instrument,
            rationale=row.rationale,
            method=row.method,
            author=author,
            provenance=provenance,
            mapping_set=mapping_set,
            note=f"method: {row.method}" if row.method else "",
        )
        if publish_as is not None:
            gaps.gap_submit(gap=gap, user=author)
            gap = gaps.gap_publish(gap=gap, reviewer=publish_as)
        created.append(gap)
    return created
