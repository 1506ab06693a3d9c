"""Bulk CSV by PostgreSQL COPY: the column layout and the spreadsheet formula guard are SQL, the
rows stream from the server in constant memory, and filters reuse the API's querysets."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from crosswalk.status import status_sql

BOM = "\ufeff".encode()
CHUNK = 256 * 1024
# Mappings stream in ranges of ids, each ten times the one before: one COPY of a million rows
# sends nothing until PostgreSQL has joined and sorted them all (seconds), while a first range
# of a thousand is joined and sorted in milliseconds; the large ranges keep COPY's pace.
FIRST_RANGE = 1_000

# A cell a spreadsheet would read as a formula gets a leading apostrophe (OWASP CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = (
    "CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) THEN '''' || {0} ELSE {0} END"
)
UTC = "to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"


def _guard(column: str) -> str:
    return GUARD.format(column)


def guard_cell(value: object) -> object:
    """The same guard for a cell written from Python (the history exports)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


MAPPING_COLUMNS = [
    ("id", "m.id"),
    ("source_public_id", _guard("s.public_id")),
    ("source_citation", _guard("s.citation")),
    ("source_instrument", _guard("si.slug")),
    ("source_heading", _guard("s.heading")),
    ("target_public_id", _guard("t.public_id")),
    ("target_citation", _guard("t.citation")),
    ("target_instrument", _guard("ti.slug")),
    ("target_heading", _guard("t.heading")),
    ("relationship", "m.relationship"),
    ("strength", "m.strength"),
    ("rationale_type", "m.rationale_type"),
    ("rationale", _guard("m.rationale")),
    ("status", "m.status"),
    ("provenance", "m.provenance"),
    ("mapping_set", _guard("ms.slug")),
    ("published_at", UTC.format("m.published_at")),
    ("updated_at", UTC.format("m.updated_at")),
]

MAPPING_FROM = """
FROM crosswalk_mapping m
JOIN crosswalk_provision s ON s.id = m.source_id
JOIN crosswalk_provision t ON t.id = m.target_id
JOIN crosswalk_instrument si ON si.id = m.source_instrument_id
JOIN crosswalk_instrument ti ON ti.id = m.target_instrument_id
JOIN crosswalk_mappingset ms ON ms.id = m.mapping_set_id
"""


def provision_columns(dated: bool) -> list[tuple[str, str]]:
    """With a date, the texts are those valid that day (alias d); without, the latest."""
    text = "d" if dated else "p"
    return [
        ("public_id", _guard("p.public_id")),
        ("instrument", _guard("i.slug")),
        ("citation", _guard("p.citation")),
        ("eid", _guard("p.eid")),
        ("kind", _guard("p.kind")),
        ("label", _guard("p.label")),
        ("parent", _guard("parent.public_id")),
        ("heading", _guard(f"{text}.heading")),
        ("text", _guard(f"{text}.text")),
        ("original_language", f"{text}.original_language"),
        ("heading_original", _guard(f"{text}.heading_original")),
        ("text_original", _guard(f"{text}.text_original")),
        # The status on the requested day (as the API reports it), else today.
        ("status", status_sql("p", "%(status_day)s::date")),
        ("in_force_from", "p.in_force_from"),
        ("in_force_until", "p.in_force_until"),
        ("applies_from", "p.applies_from"),
        ("applies_until", "p.applies_until"),
        ("updated_at", UTC.format("p.updated_at")),
    ]


def _select(columns: list[tuple[str, str]]) -> str:
    return ",\n  ".join(f'{expression} AS "{name}"' for name, expression in columns)


def _ids_subquery(queryset: QuerySet) -> tuple[str, dict[str, Any]]:
    """The filtered queryset as `SELECT id …`, its %s parameters renamed for a dict."""
    sql, params = queryset.order_by().values("pk").query.sql_with_params()
    names = {f"f{index}": value for index, value in enumerate(params)}
    parts = sql.split("%s")
    rebuilt = parts[0] + "".join(f"%(f{i})s{part}" for i, part in enumerate(parts[1:]))
    return rebuilt, names


def mapping_export_sql(
    queryset: QuerySet, *, after: int | None = None, upto: int | None = None
) -> tuple[str, dict[str, Any]]:
    """The export's SELECT; `after` < id <= `upto` (either optional) limits it to a range."""
    ids, params = _ids_subquery(queryset)
    where = f"m.id IN ({ids})"
    if after is not None:
        where += " AND m.id > %(after)s"
        params["after"] = after
    if upto is not None:
        where += " AND m.id <= %(upto)s"
        params["upto"] = upto
    sql = f"SELECT\n  {_select(MAPPING_COLUMNS)}\n{MAPPING_FROM}WHERE {where}\nORDER BY m.id"
    return sql, params


def provision_export_sql(
    queryset: QuerySet, *, day: datetime.date | None, today: datetime.date
) -> tuple[str, dict[str, Any]]:
    ids, params = _ids_subquery(queryset)
    joins = (
        "FROM crosswalk_provision p\n"
        "JOIN crosswalk_instrument i ON i.id = p.instrument_id\n"
        "LEFT JOIN crosswalk_provision parent ON parent.id = p.parent_id\n"
    )
    if day is not None:
        joins += (
            "LEFT JOIN crosswalk_provisiontext d ON d.provision_id = p.id "
            "AND d.valid_from <= %(day)s AND (d.valid_until IS NULL OR d.valid_until >= %(day)s)\n"
        )
        params["day"] = day
    params["status_day"] = day or today
    sql = (
        f"SELECT\n  {_select(provision_columns(day is not None))}\n{joins}"
        f"WHERE p.id IN ({ids})\nORDER BY i.slug, p.position"
    )
    return sql, params


def copy_mappings_csv(queryset: QuerySet, *, bom: bool = False) -> Iterator[bytes]:
    """The mappings of `queryset` as `copy_csv(*mapping_export_sql(queryset))` writes them, in id
    order, but one COPY per range of ids (a thousand rows, then ten times more each time), all
    in one REPEATABLE READ transaction, so the ranges read one snapshot and the first bytes
    leave at once."""
    if bom:
        yield BOM
    ids = queryset.order_by("pk").values_list("pk", flat=True)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # inside a caller's transaction, its snapshot rules
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        after, size, header = 0, FIRST_RANGE, True
        while True:
            last = list(ids.filter(pk__gt=after)[size - 1 : size])
            upto = last[0] if last else None
            batch = (
                queryset.filter(pk__gt=after)
                if upto is None
                else queryset.filter(pk__gt=after, pk__lte=upto)
            )
            yield from copy_csv(*mapping_export_sql(batch, after=after, upto=upto), header=header)
            if upto is None:
                return
            after, size, header = upto, size * 10, False


def copy_csv(
    sql: str, params: dict[str, Any], *, bom: bool = False, header: bool = True
) -> Iterator[bytes]:
    """Stream `sql` as CSV (header row, RFC 4180 quoting, UTF-8) in chunks of about 256 KiB."""
    if bom:
        yield BOM
    statement = (
        f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER {'true' if header else 'false'}, "
        "ENCODING 'UTF8')"
    )
    # Django's cursor wrapper hides psycopg's copy(); the raw cursor shares its connection.
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        buffer = bytearray()
        for data in copy:
            buffer += data
            if len(buffer) >= CHUNK:
                yield bytes(buffer)
                buffer.clear()
        if buffer:
            yield bytes(buffer)
