"""Every invariant the database can express is a constraint: each one violated once."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from crosswalk.models import Instrument, Mapping, Provision, ProvisionText

D = datetime.date


@pytest.fixture
def pair(db):
    source = Provision.objects.get(public_id="eu-ai-act:art_4")
    target = Provision.objects.get(public_id="jp-ai-promotion-act:art_1")
    return source, target


def mapping(source, target, **fields) -> Mapping:
    values = {
        "source": source,
        "target": target,
        "source_instrument_id": source.instrument_id,
        "target_instrument_id": target.instrument_id,
        "relationship": "intersects_with",
        **fields,
    }
    return Mapping(**values)


def violates(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_valid_mapping_saves(pair):
    saved = mapping(*pair, strength=5)
    saved.save()
    assert Mapping.objects.filter(pk=saved.pk).exists()


def test_mapping_source_differs_from_target(pair):
    source, _ = pair
    violates(lambda: mapping(source, source).save())


def test_mapping_between_different_instruments(pair):
    source, _ = pair
    same_instrument = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(lambda: mapping(source, same_instrument).save())


def test_mapping_instruments_match_provisions(pair):
    source, target = pair
    other = Instrument.objects.get(slug="us-eo-14110")
    violates(lambda: mapping(source, target, target_instrument_id=other.pk).save())


@pytest.mark.parametrize("strength", [0, 11])
def test_mapping_strength_between_1_and_10(pair, strength):
    violates(lambda: mapping(*pair, strength=strength).save())


def test_published_mapping_needs_reviewer_and_date(pair):
    violates(lambda: mapping(*pair, status="published").save())
    reviewer = get_user_model().objects.create_user("reviewer")
    violates(lambda: mapping(*pair, status="published", reviewer=reviewer).save())
    ok = mapping(*pair, status="published", reviewer=reviewer, published_at=timezone.now())
    ok.save()
    assert ok.pk


def test_one_live_mapping_per_pair(pair):
    mapping(*pair).save()
    violates(lambda: mapping(*pair, relationship="equal").save())
    mapping(*pair, status="retired").save()  # retired rows may repeat the pair


def test_public_id_unique(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(lambda: Provision.objects.filter(pk=art_5.pk).update(public_id="eu-ai-act:art_4"))


def test_citation_unique_within_instrument(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(lambda: Provision.objects.filter(pk=art_5.pk).update(citation="Article 4"))


def test_eid_unique_within_instrument(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(lambda: Provision.objects.filter(pk=art_5.pk).update(eid="art_4"))


def test_provision_in_force_range(db):
    violates(
        lambda: Provision.objects.filter(public_id="eu-ai-act:art_5").update(
            in_force_until=D(2020, 1, 1), end_reason="deleted"
        )
    )


def test_end_reason_needs_an_end_date(db):
    violates(
        lambda: Provision.objects.filter(public_id="eu-ai-act:art_5").update(end_reason="revoked")
    )


def test_dated_texts_of_one_provision_never_overlap(db):
    art_4 = Provision.objects.get(public_id="eu-ai-act:art_4")
    violates(
        lambda: ProvisionText.objects.create(
            provision=art_4, valid_from=D(2025, 1, 1), valid_until=D(2025, 12, 31), text="x"
        )
    )
    violates(
        lambda: ProvisionText.objects.create(provision=art_4, valid_from=D(2030, 1, 1), text="x")
    )


def test_dated_text_range(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(
        lambda: ProvisionText.objects.create(
            provision=art_5, valid_from=D(2020, 1, 2), valid_until=D(2020, 1, 1), text="x"
        )
    )


def test_revoked_instrument_needs_an_end_date(db):
    violates(lambda: Instrument.objects.filter(slug="us-eo-14179").update(status="revoked"))


def test_provision_is_not_its_own_parent(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(lambda: Provision.objects.filter(pk=art_5.pk).update(parent=art_5.pk))


def test_provision_applies_range(db):
    violates(
        lambda: Provision.objects.filter(public_id="eu-ai-act:art_5").update(
            applies_until=D(2020, 1, 1)
        )
    )


def test_two_dated_texts_never_start_on_one_day(db):
    art_5 = Provision.objects.get(public_id="eu-ai-act:art_5")
    violates(
        lambda: ProvisionText.objects.create(
            provision=art_5, valid_from=art_5.texts.first().valid_from, text="x"
        )
    )


def test_instrument_slug_unique(db):
    violates(lambda: Instrument.objects.filter(slug="us-eo-14179").update(slug="us-eo-14110"))
