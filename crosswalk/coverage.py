"""Coverage in three states, per provision and instrument pair.

- `mapped`: a live mapping that covers (relations.covers: any relationship but not_related)
  joins the provision to a provision of the other instrument;
- `gap_confirmed`: not mapped, and a live gap says it has no counterpart there;
- `not_reviewed`: neither. A not_related mapping answers for one pair of provisions, not for
  the instrument, so on its own it leaves the provision not reviewed.

Callers pass the mappings and gaps their reader may see (`visible(drafts=...)`); retired rows
never count. The API's coverage, the coverage CSV, the admin heatmap and the worklist all read
`pair_states`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from crosswalk import relations

MAPPED = "mapped"
GAP_CONFIRMED = "gap_confirmed"
NOT_REVIEWED = "not_reviewed"
STATES = (MAPPED, GAP_CONFIRMED, NOT_REVIEWED)


@dataclass
class PairState:
    """Per provision id of either instrument: its counterparts (mapped) or its gap."""

    counterparts: dict[int, set[int]] = field(default_factory=dict)
    gaps: dict[int, dict[str, Any]] = field(default_factory=dict)

    def state(self, provision_id: int) -> str:
        if self.counterparts.get(provision_id):
            return MAPPED
        if provision_id in self.gaps:
            return GAP_CONFIRMED
        return NOT_REVIEWED


def pair_states(
    *,
    first_id: int,
    second_id: int,
    mappings: Any,
    gaps: Any,
    provision_ids: Iterable[int] | None = None,
) -> PairState:
    """The mapped and gap facts between two instruments, in two queries. With `provision_ids`,
    only mappings whose two ends are among them (a dated view) count."""
    wanted = set(provision_ids) if provision_ids is not None else None
    result = PairState()
    edges = (
        mappings.live()
        .covering()
        .between(first_id, second_id)
        .values_list("source_id", "target_id", "relationship")
    )
    for source, target, relationship in edges:
        if not relations.covers(relationship):
            continue
        if wanted is not None and not (source in wanted and target in wanted):
            continue
        result.counterparts.setdefault(source, set()).add(target)
        result.counterparts.setdefault(target, set()).add(source)
    rows = (
        gaps.live()
        .filter(
            Q(source_instrument_id=first_id, target_instrument_id=second_id)
            | Q(source_instrument_id=second_id, target_instrument_id=first_id)
        )
        .values("id", "source_id", "rationale", "status")
    )
    for row in rows:
        result.gaps[row["source_id"]] = row
    return result


def counts(provision_ids: Iterable[int], states: PairState) -> dict[str, int]:
    """How many of `provision_ids` are in each state."""
    tally = dict.fromkeys(STATES, 0)
    for pk in provision_ids:
        tally[states.state(pk)] += 1
    return tally
