"""A provision's status on a day: one ordered rule table, read by Python, the ORM and raw SQL.

The first rule that holds decides; a NULL date never holds (an open end, or no application date).
Python (`status_of`), the ORM filter (`status_q`, `in_force_q`, `applicable_q`), the ORM
expression (`status_case`) and the SQL text for hand-written queries (`status_sql`, `in_force_sql`,
`applicable_sql`) are all generated from `RULES`; tests/test_status.py checks them against each
other on every provision of the corpus.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, F, Q, Value, When
from django.db.models.functions import Coalesce, NullIf

IN_FORCE = "in_force"
# Why a provision left the law: its `end_reason`, or `deleted` when none is recorded.
END_REASONS = ("deleted", "revoked", "superseded")
DEFAULT_END = "deleted"


@dataclass(frozen=True)
class Rule:
    """`status` when `field` is past (`field < day`) or still ahead (`day < field`)."""

    field: str
    ahead: bool  # True: holds while the day is before the date; False: once the day is after it
    status: str | None  # None: the provision's end reason (see END_REASONS)


RULES: tuple[Rule, ...] = (
    Rule("in_force_until", ahead=False, status=None),
    Rule("in_force_from", ahead=True, status="not_yet_in_force"),
    Rule("applies_from", ahead=True, status="not_yet_applicable"),
    Rule("applies_until", ahead=False, status="no_longer_applicable"),
)
# Rules that take a provision out of the law, as against merely not applying yet (or any more).
OUT_OF_FORCE = RULES[:2]

STATUSES: tuple[str, ...] = (
    IN_FORCE,
    *(rule.status for rule in RULES if rule.status is not None),
    *END_REASONS,
)


# Python -------------------------------------------------------------------------------------


def _holds(rule: Rule, value: datetime.date | None, day: datetime.date) -> bool:
    if value is None:
        return False
    return day < value if rule.ahead else value < day


def status_of(row: Any, day: datetime.date) -> str:
    """The status on `day` of anything with the provision's date fields and `end_reason`
    (attributes, or keys of a dict row)."""
    get = row.get if isinstance(row, dict) else row.__getattribute__
    for rule in RULES:
        if _holds(rule, get(rule.field), day):
            return rule.status or get("end_reason") or DEFAULT_END
    return IN_FORCE


# ORM ----------------------------------------------------------------------------------------


def _holds_q(rule: Rule, day: datetime.date, prefix: str) -> Q:
    return Q(**{f"{prefix}{rule.field}__{'gt' if rule.ahead else 'lt'}": day})


def _fails_q(rule: Rule, day: datetime.date, prefix: str) -> Q:
    # Spelled out rather than ~_holds_q: NOT (NULL < day) is NULL in SQL, which no row passes.
    lookup = "lte" if rule.ahead else "gte"
    return Q(**{f"{prefix}{rule.field}__isnull": True}) | Q(
        **{f"{prefix}{rule.field}__{lookup}": day}
    )


def _none_q(rules: tuple[Rule, ...], day: datetime.date, prefix: str) -> Q:
    condition = Q()
    for rule in rules:
        condition &= _fails_q(rule, day, prefix)
    return condition


def _end_reason_q(status: str, prefix: str) -> Q:
    if status == DEFAULT_END:
        return Q(**{f"{prefix}end_reason__in": ["", DEFAULT_END]})
    return Q(**{f"{prefix}end_reason": status})


def status_q(status: str, day: datetime.date, prefix: str = "") -> Q:
    """Rows whose status on `day` is `status` (`prefix` reaches a provision through a relation)."""
    if status == IN_FORCE:
        return _none_q(RULES, day, prefix)
    for index, rule in enumerate(RULES):
        earlier = _none_q(RULES[:index], day, prefix)
        if rule.status == status:
            return earlier & _holds_q(rule, day, prefix)
        if rule.status is None and status in END_REASONS:
            return earlier & _holds_q(rule, day, prefix) & _end_reason_q(status, prefix)
    raise ValueError(f"unknown provision status {status!r}")


def in_force_q(day: datetime.date, prefix: str = "") -> Q:
    """Part of the law on `day`, whether or not it applies yet."""
    return _none_q(OUT_OF_FORCE, day, prefix)


def applicable_q(day: datetime.date, prefix: str = "") -> Q:
    """In force and applicable on `day`: the status `in_force`."""
    return status_q(IN_FORCE, day, prefix)


def status_case(day: datetime.date, prefix: str = "") -> Case:
    """The status on `day` as a query expression, e.g. for `annotate(status=...)`."""
    whens = []
    for rule in RULES:
        then = (
            Value(rule.status)
            if rule.status is not None
            else Coalesce(NullIf(F(f"{prefix}end_reason"), Value("")), Value(DEFAULT_END))
        )
        whens.append(When(_holds_q(rule, day, prefix), then=then))
    return Case(*whens, default=Value(IN_FORCE), output_field=CharField())


# SQL ----------------------------------------------------------------------------------------


def _holds_sql(rule: Rule, alias: str, day: str) -> str:
    column = f"{alias}.{rule.field}"
    return f"{day} < {column}" if rule.ahead else f"{column} < {day}"


def _none_sql(rules: tuple[Rule, ...], alias: str, day: str) -> str:
    # coalesce(..., false): a NULL date never holds, as in status_of.
    return " AND ".join(f"NOT coalesce({_holds_sql(rule, alias, day)}, false)" for rule in rules)


def status_sql(alias: str = "p", day: str = "%(day)s") -> str:
    """SQL CASE for the status of provision `alias` on `day` (a parameter or an expression such
    as `current_date`); cast the parameter (`%(day)s::date`) where PostgreSQL cannot infer it."""
    lines = ["CASE"]
    for rule in RULES:
        then = (
            f"'{rule.status}'"
            if rule.status is not None
            else f"coalesce(nullif({alias}.end_reason, ''), '{DEFAULT_END}')"
        )
        lines.append(f"    WHEN {_holds_sql(rule, alias, day)} THEN {then}")
    lines.append(f"    ELSE '{IN_FORCE}' END")
    return "\n".join(lines)


def in_force_sql(alias: str = "p", day: str = "%(day)s") -> str:
    """SQL condition: provision `alias` is part of the law on `day` (see in_force_q)."""
    return f"({_none_sql(OUT_OF_FORCE, alias, day)})"


def applicable_sql(alias: str = "p", day: str = "%(day)s") -> str:
    """SQL condition: provision `alias` is in force and applicable on `day` (see applicable_q)."""
    return f"({_none_sql(RULES, alias, day)})"
