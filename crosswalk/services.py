"""Every write to mappings, and the curation workflow: draft → in_review → published → retired.

A draft may revise a published mapping of the same provision pair (an import of a changed row
makes one): publishing it retires the one it replaces.

One implementation for the admin, the API and the importers. Each service is atomic; state
transitions lock the row (SELECT … FOR UPDATE) so two reviewers cannot both publish.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crosswalk.models import Mapping, MappingSet, Provision, ProvisionText, default_mapping_set
from crosswalk.validators import validate_mapping_fields
from crosswalk.workflow import (
    expect_status,
    four_eyes,
    latest_text,
    retire,
    return_to_draft,
    save_as,
)

Status = Mapping.Status
CONTENT_FIELDS = ("relationship", "strength", "rationale_type", "rationale")


def _locked(mapping: Mapping) -> Mapping:
    return Mapping.objects.select_for_update().select_related("source", "target").get(pk=mapping.pk)


def _validate(mapping: Mapping, *, for_review: bool = False) -> None:
    validate_mapping_fields(
        source=mapping.source,
        target=mapping.target,
        relationship=mapping.relationship,
        strength=mapping.strength,
        rationale_type=mapping.rationale_type,
        rationale=mapping.rationale,
        exclude_pk=mapping.pk,
        for_review=for_review,
        mapping_set_id=mapping.mapping_set_id,
    )


@transaction.atomic
def mapping_create(
    *,
    source: Provision,
    target: Provision,
    relationship: str,
    author: AbstractBaseUser | None,
    strength: int | None = None,
    rationale_type: str = "",
    rationale: str = "",
    provenance: str = Mapping.Provenance.CURATED,
    note: str = "",
    mapping_set: MappingSet | None = None,
) -> Mapping:
    """A new draft; `note` becomes the change reason of its first history record."""
    mapping_set = mapping_set or default_mapping_set()
    validate_mapping_fields(
        source=source,
        target=target,
        relationship=relationship,
        strength=strength,
        rationale_type=rationale_type,
        rationale=rationale,
        mapping_set_id=mapping_set.pk,
    )
    mapping = Mapping(
        source=source,
        target=target,
        source_instrument_id=source.instrument_id,
        target_instrument_id=target.instrument_id,
        relationship=relationship,
        strength=strength,
        rationale_type=rationale_type,
        rationale=rationale,
        provenance=provenance,
        author=author,
        last_editor=author,
        mapping_set=mapping_set,
    )
    if note:
        mapping._change_reason = note
    save_as(mapping, by=author)
    return mapping


@transaction.atomic
def mapping_update(
    *, mapping: Mapping, editor: AbstractBaseUser, version: int, **changes: Any
) -> Mapping:
    """Edit a draft (or a mapping sent back); refused when `version` is stale."""
    locked = _locked(mapping)
    if locked.version != version:
        raise ValidationError(
            {
                "version": [
                    f"This mapping was changed by someone else (now version {locked.version}, "
                    f"you edited version {version}). Reload it and apply your change again."
                ]
            }
        )
    expect_status(locked, Status.DRAFT, action="edit")
    unknown = set(changes) - {"source", "target", *CONTENT_FIELDS}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(locked, field, value)
    _validate(locked)
    locked.source_instrument_id = locked.source.instrument_id
    locked.target_instrument_id = locked.target.instrument_id
    locked.last_editor = editor
    locked.version += 1
    save_as(locked, by=editor)
    return locked


@transaction.atomic
def mapping_submit(*, mapping: Mapping, user: AbstractBaseUser) -> Mapping:
    """Send a draft for review; the rationale must be complete."""
    locked = _locked(mapping)
    expect_status(locked, Status.DRAFT, action="submit")
    _validate(locked, for_review=True)
    locked.status = Status.IN_REVIEW
    locked.review_comment = ""
    locked.version += 1
    save_as(locked, by=user)
    return locked


@transaction.atomic
def mapping_publish(*, mapping: Mapping, reviewer: AbstractBaseUser) -> Mapping:
    """Publish a reviewed mapping; nobody publishes what they authored or last edited. A
    published mapping of the same pair is retired: this one replaces it."""
    # The row lock makes a second, concurrent publish wait and then see `published`.
    locked = _locked(mapping)
    expect_status(locked, Status.IN_REVIEW, action="publish")
    four_eyes(locked, reviewer, "publish")
    replaced = (
        Mapping.objects.select_for_update()
        .filter(source_id=locked.source_id, target_id=locked.target_id, status=Status.PUBLISHED)
        .filter(mapping_set_id=locked.mapping_set_id)
        .first()
    )
    if replaced is not None:
        replaced.status = Status.RETIRED
        replaced.review_comment = f"Replaced by mapping {locked.pk}."
        replaced.version += 1
        save_as(replaced, by=reviewer)
    locked.status = Status.PUBLISHED
    locked.reviewer = reviewer
    locked.published_at = timezone.now()
    locked.source_text = latest_text(locked.source)
    locked.target_text = latest_text(locked.target)
    locked.text_changed = False
    locked.version += 1
    save_as(locked, by=reviewer)
    return locked


@transaction.atomic
def mapping_return(*, mapping: Mapping, reviewer: AbstractBaseUser, comment: str) -> Mapping:
    """Send a mapping under review back to draft with the reviewer's comment."""
    return return_to_draft(_locked(mapping), reviewer=reviewer, comment=comment)


@transaction.atomic
def mapping_retire(*, mapping: Mapping, reviewer: AbstractBaseUser, comment: str = "") -> Mapping:
    """Withdraw a published mapping; the row and its history stay."""
    return retire(_locked(mapping), reviewer=reviewer, comment=comment)


@transaction.atomic
def mapping_confirm_texts(*, mapping: Mapping, reviewer: AbstractBaseUser) -> Mapping:
    """A reviewer confirms a published mapping still holds for its provisions' current texts;
    not the mapping's author or last editor (as for publishing)."""
    locked = _locked(mapping)
    expect_status(locked, Status.PUBLISHED, action="confirm")
    four_eyes(locked, reviewer, "confirm")
    locked.source_text = latest_text(locked.source)
    locked.target_text = latest_text(locked.target)
    locked.text_changed = False
    locked.reviewer = reviewer
    locked.version += 1
    save_as(locked, by=reviewer)
    return locked


# --- Provision texts -------------------------------------------------------------------------

# The words of a dated text; a change to any of them flags the published mappings that rest on it.
WORD_FIELDS = ("heading", "text", "heading_original", "text_original")
TEXT_CONTENT_FIELDS = (*WORD_FIELDS, "original_language", "footnotes", "translation_note")
# The provision row keeps a copy of its latest text so lists and search need no join.
COPIED_FIELDS = (*WORD_FIELDS, "original_language", "footnotes", "translation_note")


def normalise_newlines(value: Any) -> Any:
    """Browsers post CRLF; the corpus stores LF."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _flag_mappings(provision: Provision, *, by: AbstractBaseUser | None, reason: str) -> int:
    """Flag every published mapping that rests on this provision as needing re-review."""
    flagged = 0
    rows = (
        Mapping.objects.select_for_update()
        .filter(status=Status.PUBLISHED, text_changed=False)
        .filter(Q(source=provision) | Q(target=provision))
    )
    for mapping in rows:
        mapping.text_changed = True
        mapping.version += 1
        mapping._change_reason = reason
        save_as(mapping, by=by)
        flagged += 1
    return flagged


def provision_copy_latest(
    *, provision: Provision, by: AbstractBaseUser | None, reason: str
) -> None:
    """Keep the provision's copy of its latest dated text in step with that text."""
    latest = provision.texts.order_by("-valid_from").first()
    if latest is None:
        return
    changed = [f for f in COPIED_FIELDS if getattr(provision, f) != getattr(latest, f)]
    if changed:
        for f in changed:
            setattr(provision, f, getattr(latest, f))
        provision._change_reason = reason
        provision._history_user = by
        provision.save()


@transaction.atomic
def provision_text_change(
    *,
    dated_text: ProvisionText,
    values: dict[str, Any],
    by: AbstractBaseUser | None,
    reason: str,
) -> bool:
    """Change what one dated text says, in place (a correction or an edit, not an amendment:
    its dates stay). Keeps the provision's copy of its latest text in step, records the change
    with its reason, and flags the published mappings that rest on the provision. Returns
    whether anything changed."""
    unknown = set(values) - set(TEXT_CONTENT_FIELDS)
    if unknown:
        raise ValidationError({key: ["Not a field of a dated text."] for key in sorted(unknown)})
    values = {key: normalise_newlines(value) for key, value in values.items()}
    changed = [key for key, value in values.items() if getattr(dated_text, key) != value]
    if not changed:
        return False
    for key in changed:
        setattr(dated_text, key, values[key])
    dated_text._change_reason = reason
    dated_text._history_user = by
    dated_text.save()
    provision = dated_text.provision
    provision_copy_latest(provision=provision, by=by, reason=reason)
    if set(changed) & set(WORD_FIELDS):
        _flag_mappings(provision, by=by, reason=reason)
    return True


@transaction.atomic
def provision_texts_replace(
    *,
    provision: Provision,
    texts: list[dict[str, Any]],
    by: AbstractBaseUser | None,
    reason: str,
) -> bool:
    """Bring a provision's dated texts in line with `texts` (each a dict of ProvisionText
    fields, oldest first). Texts with the same dates change in place through
    `provision_text_change`; a new set of dates replaces the old texts. Either way the copy,
    the history and the mapping flags follow. Returns whether anything changed."""
    current = list(provision.texts.order_by("valid_from"))
    dates = [(t.valid_from, t.valid_until) for t in current]
    wanted = [(t["valid_from"], t["valid_until"]) for t in texts]
    if dates == wanted:
        changed = False
        for row, values in zip(current, texts, strict=True):
            other = {k: v for k, v in values.items() if k not in TEXT_CONTENT_FIELDS}
            if any(getattr(row, k) != v for k, v in other.items()):
                for k, v in other.items():
                    setattr(row, k, v)
                row._change_reason = reason
                row._history_user = by
                row.save()
                changed = True
            content = {k: v for k, v in values.items() if k in TEXT_CONTENT_FIELDS}
            changed |= provision_text_change(dated_text=row, values=content, by=by, reason=reason)
        return changed
    old_words = {tuple(getattr(t, f) for f in WORD_FIELDS) for t in current}
    new_words = {tuple(t.get(f, "") for f in WORD_FIELDS) for t in texts}
    for row in current:
        row._change_reason = reason
        row._history_user = by
        row.delete()
    for values in texts:
        row = ProvisionText(provision=provision, **values)
        row._change_reason = reason
        row._history_user = by
        row.save()
    provision_copy_latest(provision=provision, by=by, reason=reason)
    if current and new_words != old_words:
        _flag_mappings(provision, by=by, reason=reason)
    return True


@transaction.atomic
def mapping_delete_draft(*, mapping: Mapping, user: AbstractBaseUser) -> None:
    """Delete a draft (never anything that was submitted or published); the history keeps it."""
    locked = _locked(mapping)
    expect_status(locked, Status.DRAFT, action="delete")
    locked._history_user = user
    locked.delete()
