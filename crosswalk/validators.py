"""Rules for mappings shared by the admin form, the API and the CSV importer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from crosswalk.models import Mapping, Provision, default_mapping_set_pk

OPEN = (Mapping.Status.DRAFT, Mapping.Status.IN_REVIEW)
RELATIONSHIP_MEANINGS = {
    "equal": "same content",
    "subset_of": "everything in the source is in the target; the target has more",
    "superset_of": "the source contains all of the target and more",
    "intersects_with": "they share content and each has content the other lacks",
    "not_related": "checked: no shared content",
}


def validate_mapping_fields(
    *,
    source: Provision | None,
    target: Provision | None,
    relationship: str,
    strength: int | None,
    rationale_type: str = "",
    rationale: str = "",
    exclude_pk: int | None = None,
    for_review: bool = False,
    mapping_set_id: int | None = None,
) -> None:
    """Raise ValidationError with field keys for everything wrong with a mapping's content;
    pairs conflict within one mapping set (default: the project's own)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if source is None:
        add("source", "Choose the source provision.")
    if target is None:
        add("target", "Choose the target provision.")
    if source is not None and target is not None:
        if source.pk == target.pk:
            add("target", "A provision cannot be mapped to itself.")
        elif source.instrument_id == target.instrument_id:
            add("target", "Source and target must belong to different instruments.")
        else:
            conflicts = pair_conflicts(
                source, target, exclude_pk=exclude_pk, mapping_set_id=mapping_set_id
            )
            for message in conflicts:
                add("target", message)
    if relationship not in Mapping.Relationship.values:
        add("relationship", f"Must be one of {', '.join(Mapping.Relationship.values)}.")
    if strength is not None and not 1 <= strength <= 10:
        add("strength", "Must be from 1 to 10.")
    if rationale_type and rationale_type not in Mapping.RationaleType.values:
        add("rationale_type", f"Must be one of {', '.join(Mapping.RationaleType.values)}.")
    if for_review:
        if not rationale_type:
            add("rationale_type", "Required before review.")
        if not rationale.strip():
            add("rationale", "Required before review.")
    if errors:
        raise ValidationError(errors)


def pair_conflicts(
    source: Provision,
    target: Provision,
    *,
    exclude_pk: int | None = None,
    mapping_set_id: int | None = None,
) -> list[str]:
    """Why a new or edited unpublished mapping source → target cannot be stored: per pair, one
    open mapping (draft or in review) beside at most one published one, which it may revise;
    and one direction only, so a crosswalk never shows A superset_of B and B superset_of A."""
    # Another set (a partner's crosswalk) may answer for the same pair differently.
    live = Mapping.objects.live().filter(mapping_set_id=mapping_set_id or default_mapping_set_pk())
    if exclude_pk is not None:
        live = live.exclude(pk=exclude_pk)
    problems = []
    same = live.filter(source=source, target=target, status__in=OPEN).first()
    if same is not None:
        problems.append(
            f"Mapping {same.pk} between these provisions is already {same.get_status_display()}:"
            " edit that one."
        )
    reverse = live.filter(source=target, target=source).first()
    if reverse is not None:
        problems.append(
            f"Mapping {reverse.pk} already relates these provisions the other way round "
            f"({target.public_id} {reverse.relationship} {source.public_id}): revise that one."
        )
    return problems


def parse_strength(raw: Any) -> int | None:
    """'' -> None; '7' -> 7; anything else is a field error."""
    if raw is None or str(raw).strip() == "":
        return None
    try:
        return int(str(raw).strip())
    except ValueError as exc:
        raise ValidationError({"strength": ["Must be a whole number from 1 to 10."]}) from exc


def topic_tag_errors(*, procedural: bool, topic_count: int, required: bool) -> list[str]:
    """What is wrong with a provision's topic tags: at most three, none on a procedural unit,
    and (`required`, for a citable unit in the topic map's fixtures) one at least otherwise."""
    if procedural and topic_count:
        return ["A procedural unit carries no topics."]
    if topic_count > 3:
        return ["At most 3 topics."]
    if required and not procedural and not topic_count:
        return ["Needs 1 to 3 topics or the procedural mark."]
    return []


def footnote_errors(value: Any) -> list[str]:
    """A dated text's footnotes: a list of {"number": text, "text": text or null}, as the
    corpus stores and the API serves them."""
    if not isinstance(value, list):
        return ['A list of notes: [{"number": "1", "text": "…"}].']
    for index, note in enumerate(value, start=1):
        if not isinstance(note, dict) or set(note) - {"number", "text"}:
            return [f'Note {index}: an object with "number" and "text" only.']
        if not isinstance(note.get("number"), str) or not note["number"].strip():
            return [f'Note {index}: "number" is a non-empty text.']
        if note.get("text") is not None and not isinstance(note["text"], str):
            return [f'Note {index}: "text" is a text or null.']
    return []
