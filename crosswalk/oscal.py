"""Published mappings of an instrument pair as an OSCAL 1.2 mapping collection.

What is lossy, and how: OSCAL relationships have no strength (kept as a `strength` prop in the
Crosswalk namespace); `not_related` becomes `no-relationship`; the rationale text becomes the
map's remarks; provisions are items of type `control` by public id, although no instrument is an
OSCAL catalog.

Instruments are resources of type `catalog` whose `href` is a stable public URI of the
instrument itself, never an address of this service (`instrument_uri`): its ELI, else its DOI,
else its Federal Register document, else the official publication it was imported from. A
`crosswalk-instrument` prop gives its slug here. Props are in the namespace `NS`, a `urn:uuid`
URI: globally unique without a domain of its own.

The collection's `uuid` is derived from a hash of its content, so it changes exactly when the
document does; the inner mapping's and each map's `uuid` identify the same subject across
revisions (the pair; the stored mapping and the side it is read from).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from typing import Any

from crosswalk import relations
from crosswalk.models import Instrument, Mapping

OSCAL_VERSION = "1.2.0"
NAMESPACE = uuid.UUID("5b0f3c0e-7a3c-4c1e-9a55-2f1f6f0c8d11")
NS = NAMESPACE.urn
FEDERAL_REGISTER = "https://www.federalregister.gov/d/{}"
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


def instrument_uri(instrument: Instrument) -> str:
    """The most stable public URI of an instrument: ELI, DOI, Federal Register document, or the
    official source it was imported from."""
    identifiers = instrument.identifiers or {}
    if identifiers.get("eli"):
        return identifiers["eli"]
    if identifiers.get("doi"):
        return identifiers["doi"]
    if identifiers.get("fr_doc"):
        return FEDERAL_REGISTER.format(identifiers["fr_doc"])
    if instrument.source_url:
        return instrument.source_url
    raise ValueError(f"{instrument.slug} has no public URI (no identifier and no source_url)")


def _resource(instrument: Instrument) -> dict[str, Any]:
    return {
        "type": "catalog",
        "href": instrument_uri(instrument),
        "props": [{"name": "crosswalk-instrument", "ns": NS, "value": instrument.slug}],
        "remarks": instrument.title,
    }


def oscal_mapping_collection(
    *,
    source: Instrument,
    target: Instrument,
    mappings: list[Mapping],
    as_of: datetime.date | None = None,
) -> dict[str, Any]:
    """`mappings`: published mappings of the pair, either direction, provisions loaded; at least
    one (OSCAL requires a map)."""
    if not mappings:
        raise ValueError("an OSCAL mapping collection needs at least one mapping")
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
    last = max(m.updated_at for m in mappings)
    method_rationale = rationales.pop() if len(rationales) == 1 else "semantic"
    scope = f" in force and applicable on {as_of.isoformat()}" if as_of else ""
    provenance = {
        "method": "human",
        "matching-rationale": method_rationale,
        "status": "not-complete",
        "mapping-description": (
            f"Published Crosswalk mappings from {source.short_title} to {target.short_title}, "
            f"between provisions{scope or ' of any date'}, read as 'source is <relationship> "
            "target' (NIST IR 8477 set-theory relationships)."
        ),
    }
    metadata: dict[str, Any] = {
        "title": f"Crosswalk: {source.short_title} to {target.short_title}"
        + (f", as of {as_of.isoformat()}" if as_of else ""),
        "last-modified": _timestamp(last),
        "version": _timestamp(last),
        "oscal-version": OSCAL_VERSION,
    }
    if as_of:
        metadata["props"] = [{"name": "as-of", "ns": NS, "value": as_of.isoformat()}]
    collection = {
        "uuid": "",
        "metadata": metadata,
        "provenance": provenance,
        "mappings": [
            {
                "uuid": _uuid("mapping", source.slug, target.slug),
                "source-resource": _resource(source),
                "target-resource": _resource(target),
                "maps": maps,
            }
        ],
    }
    collection["uuid"] = _uuid("collection", _content_hash(collection))
    return {"mapping-collection": collection}


def _content_hash(collection: dict[str, Any]) -> str:
    canonical = json.dumps(collection, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
