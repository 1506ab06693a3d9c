"""The relationship algebra of DESIGN §4 (NIST IR 8477 STRM): inverses and composition. No ORM."""

from __future__ import annotations

EQUAL = "equal"
SUBSET_OF = "subset_of"
SUPERSET_OF = "superset_of"
INTERSECTS_WITH = "intersects_with"
NOT_RELATED = "not_related"
# Derived only: composition proves the two share content but not the shape of the overlap.
OVERLAPS = "overlaps"

CURATED = (EQUAL, SUBSET_OF, SUPERSET_OF, INTERSECTS_WITH, NOT_RELATED)
ALL = (*CURATED, OVERLAPS)
# What makes a provision "mapped": a correspondence. A not_related mapping records a reviewed
# answer (checked, nothing shared), not coverage. Every count of mapped provisions (API
# crosswalk and coverage, the admin heatmap and its "maps to nothing" filter) reads this.
COVERING = frozenset({EQUAL, SUBSET_OF, SUPERSET_OF, INTERSECTS_WITH})


def covers(relationship: str) -> bool:
    """Whether a mapping with this relationship makes both its provisions mapped."""
    return relationship in COVERING


_INVERSE = {
    EQUAL: EQUAL,
    SUBSET_OF: SUPERSET_OF,
    SUPERSET_OF: SUBSET_OF,
    INTERSECTS_WITH: INTERSECTS_WITH,
    NOT_RELATED: NOT_RELATED,
    OVERLAPS: OVERLAPS,
}

_COMPOSITION = {
    (SUBSET_OF, SUBSET_OF): SUBSET_OF,
    (SUPERSET_OF, SUPERSET_OF): SUPERSET_OF,
    (SUPERSET_OF, SUBSET_OF): OVERLAPS,
    (SUPERSET_OF, INTERSECTS_WITH): OVERLAPS,
    (INTERSECTS_WITH, SUBSET_OF): OVERLAPS,
    (SUBSET_OF, NOT_RELATED): NOT_RELATED,
    (NOT_RELATED, SUPERSET_OF): NOT_RELATED,
}


def inverse(relationship: str) -> str:
    """The relationship read from the other side: A subset_of B  <=>  B superset_of A."""
    return _INVERSE[relationship]


def compose(first: str, second: str) -> str | None:
    """From A first B and B second C, what A is to C; None when set algebra proves nothing."""
    if first not in _INVERSE or second not in _INVERSE:
        raise ValueError(f"unknown relationship: {first!r} or {second!r}")
    if first == EQUAL:
        return second
    if second == EQUAL:
        return first
    return _COMPOSITION.get((first, second))


def compose_path(relationships: list[str]) -> str | None:
    """Fold compose() along a path; None as soon as a step proves nothing."""
    result: str | None = relationships[0]
    for step in relationships[1:]:
        result = compose(result, step) if result is not None else None
    return result
