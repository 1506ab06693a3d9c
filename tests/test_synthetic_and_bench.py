"""Synthetic benchmark data (deterministic, namespaced, removable) and the export benchmark's
small mode, so the benchmark code path cannot rot."""

from __future__ import annotations

import hashlib
import io
import re
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from crosswalk.models import Instrument, Mapping, Provision

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def bench_module(name: str):
    """A module of bench/ (scripts import each other by bare name, from their folder)."""
    sys.path.insert(0, str(BENCH))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(BENCH))


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
    script = bench_module("generate_synthetic")
    script.main(["--provisions", "2000", "--mappings", "10000", "--seed", str(seed)])


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
    with pytest.raises(SystemExit, match="already present"):
        generate()
    call_command("verify_corpus", stdout=io.StringIO())  # the real corpus is untouched
    bench_module("generate_synthetic").main(["--remove"])
    assert Provision.objects.count() == real
    assert not Mapping.objects.exists()
    generate()
    assert fingerprint() == first


def test_export_benchmark_small_mode(db):
    generate()
    bench_export = bench_module("bench_export")
    run = bench_export.small()
    assert run.rows == 10000
    assert run.bytes > 10000 * 100
    baseline = bench_export.copy_baseline()
    assert baseline.rows == run.rows and baseline.bytes == run.bytes


def test_product_code_knows_nothing_of_the_benchmark_data():
    """The synthetic namespace and its filters live in bench/; no module of the product (admin,
    API, commands) imports them or spells their slugs."""
    mentions = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "crosswalk").rglob("*.py")
        if re.search(r"synthetic[-_.]|import synthetic|SLUG_PREFIX", path.read_text())
    ]
    assert mentions == []
    assert (BENCH / "synthetic.py").exists()
