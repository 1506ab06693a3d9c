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
from django.utils import timezone

from crosswalk.models import Mapping, Provision, ProvisionText
from crosswalk.validators import validate_mapping_fields

Status = Mapping.Status
CONTENT_FIELDS = ("relationship", "strength", "rationale_type", "rationale")


def _latest_text(provision: Provision) -> ProvisionText | None:
    return provision.texts.order_by("-valid_from").first()


def _save(mapping: Mapping, *, by: AbstractBaseUser | None) -> None:
    """Save, recording `by` in the history even outside a request (commands, importers)."""
    mapping._history_user = by
    mapping.save()


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
    )


def _expect(mapping: Mapping, *allowed: str, action: str) -> None:
    if mapping.status not in allowed:
        state = mapping.get_status_display().lower()
        raise ValidationError({"status": [f"Cannot {action} a mapping that is {state}."]})


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
) -> Mapping:
    """A new draft."""
    validate_mapping_fields(
        source=source,
        target=target,
        relationship=relationship,
        strength=strength,
        rationale_type=rationale_type,
        rationale=rationale,
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
    )
    _save(mapping, by=author)
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
    _expect(locked, Status.DRAFT, action="edit")
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
    _save(locked, by=editor)
    return locked


@transaction.atomic
def mapping_submit(*, mapping: Mapping, user: AbstractBaseUser) -> Mapping:
    """Send a draft for review; the rationale must be complete."""
    locked = _locked(mapping)
    _expect(locked, Status.DRAFT, action="submit")
    _validate(locked, for_review=True)
    locked.status = Status.IN_REVIEW
    locked.review_comment = ""
    locked.version += 1
    _save(locked, by=user)
    return locked


def _four_eyes(mapping: Mapping, reviewer: AbstractBaseUser, action: str) -> None:
    if reviewer.pk in {mapping.author_id, mapping.last_editor_id}:
        raise ValidationError(
            {
                "reviewer": [
                    f"You authored or last edited this mapping: someone else must {action} it."
                ]
            }
        )


@transaction.atomic
def mapping_publish(*, mapping: Mapping, reviewer: AbstractBaseUser) -> Mapping:
    """Publish a reviewed mapping; nobody publishes what they authored or last edited. A
    published mapping of the same pair is retired: this one replaces it."""
    # The row lock makes a second, concurrent publish wait and then see `published`.
    locked = _locked(mapping)
    _expect(locked, Status.IN_REVIEW, action="publish")
    _four_eyes(locked, reviewer, "publish")
    replaced = (
        Mapping.objects.select_for_update()
        .filter(source_id=locked.source_id, target_id=locked.target_id, status=Status.PUBLISHED)
        .first()
    )
    if replaced is not None:
        replaced.status = Status.RETIRED
        replaced.review_comment = f"Replaced by mapping {locked.pk}."
        replaced.version += 1
        _save(replaced, by=reviewer)
    locked.status = Status.PUBLISHED
    locked.reviewer = reviewer
    locked.published_at = timezone.now()
    locked.source_text = _latest_text(locked.source)
    locked.target_text = _latest_text(locked.target)
    locked.version += 1
    _save(locked, by=reviewer)
    return locked


@transaction.atomic
def mapping_return(*, mapping: Mapping, reviewer: AbstractBaseUser, comment: str) -> Mapping:
    """Send a mapping under review back to draft with the reviewer's comment."""
    locked = _locked(mapping)
    _expect(locked, Status.IN_REVIEW, action="return")
    if not comment.strip():
        raise ValidationError({"review_comment": ["Say what needs to change."]})
    locked.status = Status.DRAFT
    locked.review_comment = comment.strip()
    locked.reviewer = reviewer
    locked.version += 1
    _save(locked, by=reviewer)
    return locked


@transaction.atomic
def mapping_retire(*, mapping: Mapping, reviewer: AbstractBaseUser, comment: str = "") -> Mapping:
    """Withdraw a published mapping; the row and its history stay."""
    locked = _locked(mapping)
    _expect(locked, Status.PUBLISHED, action="retire")
    locked.status = Status.RETIRED
    if comment.strip():
        locked.review_comment = comment.strip()
    locked.version += 1
    _save(locked, by=reviewer)
    return locked


@transaction.atomic
def mapping_confirm_texts(*, mapping: Mapping, reviewer: AbstractBaseUser) -> Mapping:
    """A reviewer confirms a published mapping still holds for its provisions' current texts;
    not the mapping's author or last editor (as for publishing)."""
    locked = _locked(mapping)
    _expect(locked, Status.PUBLISHED, action="confirm")
    _four_eyes(locked, reviewer, "confirm")
    locked.source_text = _latest_text(locked.source)
    locked.target_text = _latest_text(locked.target)
    locked.reviewer = reviewer
    locked.version += 1
    _save(locked, by=reviewer)
    return locked


@transaction.atomic
def mapping_delete_draft(*, mapping: Mapping, user: AbstractBaseUser) -> None:
    """Delete a draft (never anything that was submitted or published); the history keeps it."""
    locked = _locked(mapping)
    _expect(locked, Status.DRAFT, action="delete")
    locked._history_user = user
    locked.delete()
