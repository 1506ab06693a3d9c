"""The curation workflow's shared steps, for mappings (crosswalk.services) and gaps
(crosswalk.gaps): draft → in_review → published → retired, and in_review → draft when returned.

Each step works on a row its service has already locked (SELECT … FOR UPDATE) and says what
it refuses in the row's own noun ("a mapping", "a gap").
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Model

from crosswalk.models import Mapping, Provision, ProvisionText

Status = Mapping.Status


def latest_text(provision: Provision) -> ProvisionText | None:
    """The dated text a reviewer reads today: the one a publication records."""
    return provision.texts.order_by("-valid_from").first()


def save_as(item: Model, *, by: AbstractBaseUser | None, reason: str = "") -> None:
    """Save, recording `by` (and why) in the history even outside a request."""
    item._history_user = by
    if reason:
        item._change_reason = reason
    item.save()


def expect_status(item: Model, *allowed: str, action: str) -> None:
    if item.status not in allowed:
        state = item.get_status_display().lower()
        noun = item._meta.verbose_name
        raise ValidationError({"status": [f"Cannot {action} a {noun} that is {state}."]})


def four_eyes(item: Model, reviewer: AbstractBaseUser, action: str) -> None:
    """Nobody reviews what they authored or last edited."""
    if reviewer.pk in {item.author_id, item.last_editor_id}:
        noun = item._meta.verbose_name
        raise ValidationError(
            {
                "reviewer": [
                    f"You authored or last edited this {noun}: someone else must {action} it."
                ]
            }
        )


def return_to_draft(locked: Model, *, reviewer: AbstractBaseUser, comment: str) -> Model:
    """Send a row under review back to draft with the reviewer's comment."""
    expect_status(locked, Status.IN_REVIEW, action="return")
    if not comment.strip():
        raise ValidationError({"review_comment": ["Say what needs to change."]})
    locked.status = Status.DRAFT
    locked.review_comment = comment.strip()
    locked.reviewer = reviewer
    locked.version += 1
    save_as(locked, by=reviewer)
    return locked


def retire(locked: Model, *, reviewer: AbstractBaseUser, comment: str = "") -> Model:
    """Withdraw a published row; the row and its history stay."""
    expect_status(locked, Status.PUBLISHED, action="retire")
    locked.status = Status.RETIRED
    if comment.strip():
        locked.review_comment = comment.strip()
    locked.version += 1
    save_as(locked, by=reviewer)
    return locked
