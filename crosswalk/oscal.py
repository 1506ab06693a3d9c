"""Published mappings of an instrument pair as an OSCAL 1.2 mapping collection.

What is lossy, and how: OSCAL relationships have no strength (kept as a `strength` prop in the
Crosswalk namespace); `not_related` becomes `no-relationship`; the rationale text becomes the
map's remarks; instruments are referenced as resources of type `catalog` by their API URL and
provisions as items of type `control` by public id, although neither is an OSCAL catalog.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from crosswalk import relations
from crosswalk.models import Instrument, Mapping

OSCAL_VERSION = "1.2.0"
NS = "https://crosswalk.invalid/ns/oscal"
NAMESPACE = uuid.UUID("5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d11")
RELATIONSHIP = {
    relations.EQUAL: "equal-to",
    relations.SUBSET_OF: "subset-of",
    relations.SUPERSET_OF: "superset-of",
    relations.INTERSECTS_WITH: "intersects-with",
    relations.NOT_RELATED: "no-relationship",
}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "|".join(parts)))


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def oscal_mapping_collection(
    *, source: Instrument, target: Instrument, mappings: list[Mapping], base_url: str
) -> dict[str, Any]:
    """`mappings`: published mappings of the pair, either direction, provisions loaded."""
    maps = []
    rationales: set[str] = set()
    for m in mappings:
        forward = m.source_instrument_id == source.pk
        near, far = (m.source, m.target) if forward else (m.target, m.source)
        relationship = m.relationship if forward else relations.inverse(m.relationship)
        entry: dict[str, Any] = {
            "uuid": _uuid("map", str(m.pk), source.slug),
            "relationship": RELATIONSHIP[relationship],
            "sources": [{"type": "control", "id-ref": near.public_id}],
            "targets": [{"type": "control", "id-ref": far.public_id}],
            "props": [{"name": "crosswalk-mapping-id", "ns": NS, "value": str(m.pk)}],
        }
        if m.rationale_type:
            entry["matching-rationale"] = m.rationale_type
            rationales.add(m.rationale_type)
        if m.strength is not None:
            entry["props"].append({"name": "strength", "ns": NS, "value": str(m.strength)})
        if m.rationale:
            entry["remarks"] = m.rationale
        maps.append(entry)
    last = max((m.updated_at for m in mappings), default=None) or source.updated_at
    method_rationale = rationales.pop() if len(rationales) == 1 else "semantic"
    provenance = {
        "method": "human",
        "matching-rationale": method_rationale,
        "status": "not-complete",
        "mapping-description": (
            f"Published Crosswalk mappings from {source.short_title} to {target.short_title}, "
            "read as 'source is <relationship> target' (NIST IR 8477 set-theory relationships)."
        ),
    }
    resource = "{}/api/v1/instruments/{}/"
    return {
        "mapping-collection": {
            "uuid": _uuid("collection", source.slug, target.slug),
            "metadata": {
                "title": f"Crosswalk: {source.short_title} to {target.short_title}",
                "last-modified": _timestamp(last),
                "version": _timestamp(last),
                "oscal-version": OSCAL_VERSION,
            },
            "provenance": provenance,
            "mappings": [
                {
                    "uuid": _uuid("mapping", source.slug, target.slug),
                    "source-resource": {
                        "type": "catalog",
                        "href": resource.format(base_url, source.slug),
                    },
                    "target-resource": {
                        "type": "catalog",
                        "href": resource.format(base_url, target.slug),
                    },
                    "maps": maps,
                }
            ],
        }
    }
