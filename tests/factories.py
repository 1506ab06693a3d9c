"""Test data built through the models: mappings between real corpus provisions."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from crosswalk.models import Mapping, Provision


def reviewer():
    user, _ = get_user_model().objects.get_or_create(username="factory-reviewer")
    return user


def mapping(
    source: str,
    target: str,
    relationship: str = "intersects_with",
    *,
    strength: int | None = 5,
    status: str = "published",
    rationale: str = "Test mapping.",
) -> Mapping:
    """A mapping between two public ids; published ones carry a reviewer and a date."""
    source_row = Provision.objects.get(public_id=source)
    target_row = Provision.objects.get(public_id=target)
    published = status == "published"
    return Mapping.objects.create(
        source=source_row,
        target=target_row,
        source_instrument_id=source_row.instrument_id,
        target_instrument_id=target_row.instrument_id,
        relationship=relationship,
        strength=strength,
        rationale_type="semantic",
        rationale=rationale,
        status=status,
        reviewer=reviewer() if published else None,
        published_at=timezone.now() if published else None,
        source_text=source_row.texts.order_by("-valid_from").first() if published else None,
        target_text=target_row.texts.order_by("-valid_from").first() if published else None,
    )
