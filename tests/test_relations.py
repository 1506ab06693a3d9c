"""The relationship algebra: every pair of values, checked against DESIGN §4 and set semantics."""

from __future__ import annotations

import itertools

import pytest

from crosswalk import relations as r

EXPECTED = {
    # equal composed with R gives R, either side
    **{(r.EQUAL, x): x for x in r.ALL},
    **{(x, r.EQUAL): x for x in r.ALL},
    (r.SUBSET_OF, r.SUBSET_OF): r.SUBSET_OF,
    (r.SUPERSET_OF, r.SUPERSET_OF): r.SUPERSET_OF,
    (r.SUPERSET_OF, r.SUBSET_OF): r.OVERLAPS,
    (r.SUPERSET_OF, r.INTERSECTS_WITH): r.OVERLAPS,
    (r.INTERSECTS_WITH, r.SUBSET_OF): r.OVERLAPS,
    (r.SUBSET_OF, r.NOT_RELATED): r.NOT_RELATED,
    (r.NOT_RELATED, r.SUPERSET_OF): r.NOT_RELATED,
}


@pytest.mark.parametrize(("first", "second"), list(itertools.product(r.ALL, repeat=2)))
def test_every_pair(first, second):
    assert r.compose(first, second) == EXPECTED.get((first, second))


# Small sets standing for provision contents: each pair realises one relationship.
SETS = {
    r.EQUAL: ({1, 2}, {1, 2}),
    r.SUBSET_OF: ({1}, {1, 2}),
    r.SUPERSET_OF: ({1, 2}, {1}),
    r.INTERSECTS_WITH: ({1, 2}, {2, 3}),
    r.NOT_RELATED: ({1}, {2}),
}


def relation_of(a: set, b: set) -> str:
    if a == b:
        return r.EQUAL
    if a < b:
        return r.SUBSET_OF
    if a > b:
        return r.SUPERSET_OF
    return r.INTERSECTS_WITH if a & b else r.NOT_RELATED


def holds(claim: str, a: set, c: set) -> bool:
    actual = relation_of(a, c)
    if claim == r.OVERLAPS:
        return bool(a & c)
    return actual == claim


@pytest.mark.parametrize(("first", "second"), list(itertools.product(r.CURATED, repeat=2)))
def test_every_derived_claim_holds_on_all_small_models(first, second):
    """Whenever compose() claims something, it is true for every A, B, C over a small universe."""
    claim = r.compose(first, second)
    if claim is None:
        return
    universe = [set(s) for n in range(1, 4) for s in itertools.combinations(range(4), n)]
    checked = 0
    for a, b, c in itertools.product(universe, repeat=3):
        if relation_of(a, b) == first and relation_of(b, c) == second:
            assert holds(claim, a, c), (a, b, c)
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("relationship", r.ALL)
def test_inverse_is_an_involution(relationship):
    assert r.inverse(r.inverse(relationship)) == relationship
    if relationship in SETS:
        a, b = SETS[relationship]
        assert relation_of(b, a) == r.inverse(relationship)


def test_compose_path_and_unknown_values():
    assert r.compose_path([r.EQUAL, r.SUBSET_OF, r.SUBSET_OF]) == r.SUBSET_OF
    assert r.compose_path([r.INTERSECTS_WITH, r.INTERSECTS_WITH, r.EQUAL]) is None
    with pytest.raises(ValueError):
        r.compose("same", r.EQUAL)
