"""Source importers, one per format, and the catalogue of what the corpus holds, in load order."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from crosswalk.importers import (
    eu_ai_act,
    g7_hiroshima,
    jp_ai_act,
    jp_guidelines,
    kr_ai_act,
    kr_decree,
    nist_ai_rmf,
    oecd,
    us_eo,
)
from crosswalk.importers.common import Raw, SourceError

__all__ = ["CATALOGUE", "JURISDICTIONS", "SourceError", "build_all"]

JURISDICTIONS = {
    "EU": "European Union",
    "INT": "International",
    "JP": "Japan",
    "KR": "Republic of Korea",
    "US": "United States",
}

# Load order matters only where one instrument points at another: EO 14148 revokes EO 14110,
# the Korean decree's articles implement the Act's.
CATALOGUE: dict[str, Callable[[Path], Raw]] = {
    eu_ai_act.SLUG: eu_ai_act.build,
    jp_ai_act.SLUG: jp_ai_act.build,
    jp_guidelines.SLUG: jp_guidelines.build,
    **{us_eo.slug_for(n): partial(us_eo.build, number=n) for n in us_eo.ORDERS},
    oecd.SLUG: oecd.build,
    **{slug: partial(g7_hiroshima.build, slug=slug) for slug in g7_hiroshima.DOCUMENTS},
    nist_ai_rmf.SLUG: nist_ai_rmf.build,
    kr_ai_act.SLUG: kr_ai_act.build,
    kr_decree.SLUG: kr_decree.build,
}


def build_all(sources_dir: Path) -> dict[str, Raw]:
    return {slug: build(sources_dir) for slug, build in CATALOGUE.items()}
