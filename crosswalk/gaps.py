"""Every write to gaps ("provision X has no counterpart in instrument Y"), under the mappings'
workflow: draft → in_review → published → retired (and in_review → draft when returned), four
eyes, row locks and history, as crosswalk.services does for mappings.

A gap contradicts a correspondence: it cannot be drafted or published while a live mapping that
covers (relations.covers) joins the provision to a provision of the other instrument.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from crosswalk import relations
from crosswalk.models import (
    Gap,
    Instrument,
    Mapping,
    MappingSet,
    Provision,
    default_mapping_set,
    default_mapping_set_pk,
)
from crosswalk.workflow import (
    expect_status,
    four_eyes,
    latest_text,
    retire,
    return_to_draft,
    save_as,
)

Status = Gap.Status
MIN_RATIONALE = 20


def _locked(gap: Gap) -> Gap:
    return Gap.objects.select_for_update().select_related("source").get(pk=gap.pk)


def covering_mappings(provision: Provision, instrument_id: int) -> Q:
    """Mappings that join `provision` to `instrument_id` (either direction). The caller leaves
    out recitals: they are not citable units, so "the counterpart is only in a recital" is
    itself a reviewed gap (seed gaps say so)."""
    return Q(source=provision, target_instrument_id=instrument_id) | Q(
        target=provision, source_instrument_id=instrument_id
    )


def validate_gap_fields(
    *,
    source: Provision,
    target_instrument: Instrument,
    rationale: str,
    exclude_pk: int | None = None,
    for_review: bool = False,
    mapping_set_id: int | None = None,
) -> None:
    """Field errors of a gap; it conflicts with live gaps and covering mappings of its own set
    (default: the project's), as another set may answer differently."""
    mapping_set_id = mapping_set_id or default_mapping_set_pk()
    errors: dict[str, list[str]] = {}
    if source.instrument_id == target_instrument.pk:
        errors["target_instrument"] = ["A gap names another instrument than the provision's own."]
    if not rationale.strip():
        errors["rationale"] = ["Say why the provision has no counterpart."]
    elif for_review and len(rationale.strip()) < MIN_RATIONALE:
        errors["rationale"] = [f"At least {MIN_RATIONALE} characters: a sentence."]
    if not errors:
        live = Gap.objects.live().filter(
            source=source, target_instrument=target_instrument, mapping_set_id=mapping_set_id
        )
        if exclude_pk is not None:
            live = live.exclude(pk=exclude_pk)
        if live.exists():
            errors["source"] = [
                f"{source.public_id} already has a gap in {target_instrument.slug}."
            ]
        mapped = (
            Mapping.objects.live()
            .exclude(Q(source__kind="recital") | Q(target__kind="recital"))
            .filter(mapping_set_id=mapping_set_id)
            .filter(relationship__in=sorted(relations.COVERING))
            .filter(covering_mappings(source, target_instrument.pk))
        )
        if mapped.exists():
            errors["source"] = [
                f"{source.public_id} is mapped to {target_instrument.slug} (mapping "
                f"{mapped.values_list('pk', flat=True).first()}): retire that mapping first."
            ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def gap_create(
    *,
    source: Provision,
    target_instrument: Instrument,
    rationale: str,
    author: AbstractBaseUser | None,
    method: str = "",
    provenance: str = Mapping.Provenance.CURATED,
    mapping_set: MappingSet | None = None,
    note: str = "",
) -> Gap:
    """A new draft gap."""
    mapping_set = mapping_set or default_mapping_set()
    validate_gap_fields(
        source=source,
        target_instrument=target_instrument,
        rationale=rationale,
        mapping_set_id=mapping_set.pk,
    )
    gap = Gap(
        source=source,
        source_instrument_id=source.instrument_id,
        target_instrument=target_instrument,
        rationale=rationale.strip(),
        method=method,
        provenance=provenance,
        mapping_set=mapping_set,
        author=author,
        last_editor=author,
    )
    save_as(gap, by=author, reason=note)
    return gap


@transaction.atomic
def gap_update(*, gap: Gap, editor: AbstractBaseUser, version: int, rationale: str) -> Gap:
    """Edit a draft's rationale; refused when `version` is stale."""
    locked = _locked(gap)
    if locked.version != version:
        raise ValidationError(
            {"version": [f"This gap was changed by someone else (now version {locked.version})."]}
        )
    expect_status(locked, Status.DRAFT, action="edit")
    validate_gap_fields(
        source=locked.source,
        target_instrument=locked.target_instrument,
        rationale=rationale,
        exclude_pk=locked.pk,
        mapping_set_id=locked.mapping_set_id,
    )
    locked.rationale = rationale.strip()
    locked.last_editor = editor
    locked.version += 1
    save_as(locked, by=editor)
    return locked


@transaction.atomic
def gap_submit(*, gap: Gap, user: AbstractBaseUser) -> Gap:
    locked = _locked(gap)
    expect_status(locked, Status.DRAFT, action="submit")
    validate_gap_fields(
        source=locked.source,
        target_instrument=locked.target_instrument,
        rationale=locked.rationale,
        exclude_pk=locked.pk,
        mapping_set_id=locked.mapping_set_id,
        for_review=True,
    )
    locked.status = Status.IN_REVIEW
    locked.review_comment = ""
    locked.version += 1
    save_as(locked, by=user)
    return locked


@transaction.atomic
def gap_publish(*, gap: Gap, reviewer: AbstractBaseUser) -> Gap:
    """Publish a gap under review; nobody publishes what they authored or last edited."""
    locked = _locked(gap)
    expect_status(locked, Status.IN_REVIEW, action="publish")
    four_eyes(locked, reviewer, "publish")
    validate_gap_fields(
        source=locked.source,
        target_instrument=locked.target_instrument,
        rationale=locked.rationale,
        exclude_pk=locked.pk,
        mapping_set_id=locked.mapping_set_id,
        for_review=True,
    )
    locked.status = Status.PUBLISHED
    locked.reviewer = reviewer
    locked.published_at = timezone.now()
    locked.source_text = latest_text(locked.source)
    locked.version += 1
    save_as(locked, by=reviewer)
    return locked


@transaction.atomic
def gap_return(*, gap: Gap, reviewer: AbstractBaseUser, comment: str) -> Gap:
    return return_to_draft(_locked(gap), reviewer=reviewer, comment=comment)


@transaction.atomic
def gap_retire(*, gap: Gap, reviewer: AbstractBaseUser, comment: str = "") -> Gap:
    """Withdraw a published gap (e.g. a counterpart was found); the row and history stay."""
    return retire(_locked(gap), reviewer=reviewer, comment=comment)
