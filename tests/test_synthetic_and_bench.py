"""Synthetic benchmark data (deterministic, namespaced, removable) and the export benchmark's
small mode, so the benchmark code path cannot rot."""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crosswalk.models import Instrument, Mapping, Provision

BENCH = Path(__file__).resolve().parent.parent / "bench"


def fingerprint() -> str:
    rows = Provision.objects.filter(instrument__slug__startswith="synthetic-").order_by(
        "instrument__slug", "position"
    )
    digest = hashlib.sha256()
    for text in rows.values_list("text", flat=True):
        digest.update(text.encode())
    for pair in (
        Mapping.objects.filter(source_instrument__slug__startswith="synthetic-")
        .order_by("source__public_id", "target__public_id")
        .values_list("source__public_id", "target__public_id", "relationship", "strength")
    ):
        digest.update(repr(pair).encode())
    return digest.hexdigest()


def generate(seed: int = 3) -> None:
    call_command(
        "generate_synthetic", "--provisions", "2000", "--mappings", "10000", "--seed", str(seed),
        stdout=io.StringIO(),
    )  # fmt: skip


def test_generate_is_deterministic_namespaced_and_removable(db):
    real = Provision.objects.count()
    generate()
    first = fingerprint()
    assert Provision.objects.filter(instrument__slug__startswith="synthetic-").count() == 2000
    assert Mapping.objects.filter(status="published").count() == 10000
    assert set(
        Instrument.objects.filter(slug__startswith="synthetic-").values_list(
            "jurisdiction__code", flat=True
        )
    ) == {"ZZ"}
    with pytest.raises(CommandError, match="already present"):
        generate()
    call_command("verify_corpus", stdout=io.StringIO())  # the real corpus is untouched
    call_command("generate_synthetic", "--remove", stdout=io.StringIO())
    assert Provision.objects.count() == real
    assert not Mapping.objects.exists()
    generate()
    assert fingerprint() == first


def test_export_benchmark_small_mode(db):
    generate()
    sys.path.insert(0, str(BENCH))
    try:
        import bench_export
    finally:
        sys.path.remove(str(BENCH))
    run = bench_export.small()
    assert run.rows == 10000
    assert run.bytes > 10000 * 100
    baseline = bench_export.copy_baseline()
    assert baseline.rows == run.rows and baseline.bytes == run.bytes
