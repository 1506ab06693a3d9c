"""load_corpus, verify_corpus and build_fixtures through their management commands."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from crosswalk.models import Instrument, Provision, ProvisionText

FIXTURES = Path(settings.CORPUS_FIXTURES_DIR)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def counts() -> tuple[int, int, int, int]:
    return (
        Provision.objects.count(),
        ProvisionText.objects.count(),
        Provision.history.count(),
        ProvisionText.history.count(),
    )


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURES, target)
    return target


def edit(directory: Path, slug: str, change) -> None:
    path = directory / f"{slug}.json"
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False))


def test_second_load_writes_nothing(db):
    before = counts()
    output = run("load_corpus")
    assert "Nothing to write" in output
    assert counts() == before


def test_verify_corpus_passes_then_fails_on_a_difference(db):
    assert "matches" in run("verify_corpus")
    Provision.objects.filter(public_id="eu-ai-act:art_4").update(heading="Tampered")
    with pytest.raises(CommandError, match="1 difference"):
        run("verify_corpus")


def test_changed_text_updates_that_provision_and_is_recorded(db, fixture_copy):
    def change(doc):
        row = next(p for p in doc["provisions"] if p["citation"] == "Principle 1")
        row["texts"][-1]["text"] += " (corrected)"

    edit(fixture_copy, "g7-hiroshima-guiding-principles", change)
    history_before = ProvisionText.history.count()
    principle = Provision.objects.get(public_id="g7-hiroshima-guiding-principles:principle_1")
    # Created by load_corpus, then (its topic note) by load_topics.
    provision_history = principle.history.count()
    output = run("load_corpus", "--fixtures", str(fixture_copy))
    assert "Principle 1 updated" in output
    assert "0 created, 1 updated" in output
    principle.refresh_from_db()
    assert principle.text.endswith(" (corrected)")
    assert principle.history.count() == provision_history + 1
    # Same dates, new words: the dated text changes in place, recorded once with its reason.
    assert ProvisionText.history.count() == history_before + 1
    record = ProvisionText.history.latest("history_id")
    assert record.history_type == "~"
    assert record.history_change_reason == "load_corpus: g7-hiroshima-guiding-principles.json"


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda p: p.update(parent="Article 999"), "parent 'Article 999' does not precede it"),
        (lambda p: p["texts"][0].update(valid_from="2024-13-01"), "valid_from is not an ISO date"),
        (lambda p: p.update(texts=[]), "has no dated text"),
    ],
)
def test_corrupted_fixture_names_file_and_citation_and_writes_nothing(
    db, fixture_copy, corrupt, message
):
    def change(doc):
        doc["provisions"][0]["texts"][0]["text"] = "changed but must not land"
        corrupt(next(p for p in doc["provisions"] if p["citation"] == "Article 9(1)"))

    edit(fixture_copy, "eu-ai-act", change)
    before = counts()
    with pytest.raises(CommandError) as error:
        run("load_corpus", "--fixtures", str(fixture_copy))
    assert "eu-ai-act.json: Article 9(1)" in str(error.value)
    assert message in str(error.value)
    assert counts() == before
    assert not Provision.objects.filter(text="changed but must not land").exists()


def test_constraint_failure_rolls_back_the_whole_instrument(db, fixture_copy):
    def change(doc):
        doc["provisions"][0]["texts"][0]["text"] = "changed but must not land"
        last = doc["provisions"][-1]
        last["in_force_until"] = "2000-01-01"  # before in_force_from: the database refuses it
        last["end_reason"] = "deleted"

    edit(fixture_copy, "us-eo-14179", change)
    with pytest.raises(Exception, match="provision_in_force_range"):
        run("load_corpus", "--fixtures", str(fixture_copy))
    assert not Provision.objects.filter(text="changed but must not land").exists()


def test_build_fixtures_is_reproducible_byte_for_byte(sources, tmp_path):
    run("build_fixtures", "--sources", str(sources), "--output", str(tmp_path))
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in FIXTURES.iterdir())
    for name in built:
        assert (tmp_path / name).read_bytes() == (FIXTURES / name).read_bytes(), name


def test_build_fixtures_reports_a_corrupted_source_by_file_and_citation(sources, tmp_path):
    broken = tmp_path / "sources"
    shutil.copytree(sources, broken, ignore=shutil.ignore_patterns("*.pdf", "*.html", "*.xml"))
    path = broken / "us-eo-14179.json"
    doc = json.loads(path.read_text())
    doc["provisions"][3]["parent"] = "Sec. 99"
    path.write_text(json.dumps(doc))
    out = tmp_path / "out"
    with pytest.raises(CommandError, match=r"us-eo-14179.json: Sec. 4: parent 'Sec. 99'"):
        run("build_fixtures", "--sources", str(broken), "--output", str(out))
    assert not out.exists()


def test_instrument_metadata(db):
    eu = Instrument.objects.get(slug="eu-ai-act")
    assert eu.identifiers["celex"] == "32024R1689"
    assert eu.amended_by[0]["celex"] == "32026R1744"
    assert eu.legal_force == "binding" and eu.jurisdiction.code == "EU"
    jp = Instrument.objects.get(slug="jp-ai-promotion-act")
    assert jp.original_language == "ja"
    assert "no legal effect" in jp.english_text_status
    kr = Instrument.objects.get(slug="kr-ai-framework-act")
    assert "Korean text prevails" in kr.english_text_status
