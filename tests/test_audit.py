"""manage.py audit_mappings: each finding on crafted data, the blind sheet and its scoring."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from crosswalk.audit import gap_model
from crosswalk.models import Instrument, Mapping, Provision
from tests.factories import mapping

OECD = "oecd-ai-recommendation:principle_1-{}"
G7P = "g7-hiroshima-guiding-principles:principle_{}"
G7C = "g7-hiroshima-code-of-conduct:action_{}"
LONG = "Both texts ask {} to assess risks before deployment; only one names incident reporting."


def audit(*args: str) -> dict:
    out = io.StringIO()
    call_command("audit_mappings", "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def found(report: dict, check: str) -> list[dict]:
    return [f for f in report["findings"] if f["check"] == check]


@pytest.mark.django_db
def test_short_and_repeated_rationales():
    short = mapping(OECD.format(1), G7P.format(1), rationale="Same idea.")
    first = mapping(OECD.format(2), G7P.format(2), rationale=LONG.format("developers"))
    second = mapping(OECD.format(3), G7P.format(3), rationale=LONG.format("developers"))
    # Differs from the next only in a number and spacing.
    near_a = mapping(OECD.format(4), G7P.format(4), rationale="Principle 4 and  action 4 " + LONG)
    near_b = mapping(OECD.format(5), G7P.format(5), rationale="Principle 5 and action 5 " + LONG)
    # Most of the words shared, not all: a near-duplicate by trigram overlap.
    base = "Both texts require organisations to identify evaluate and mitigate risks across "
    base += "the AI lifecycle including testing before deployment and monitoring after it "
    like_a = mapping(OECD.format(1), G7C.format(1), rationale=base + "for developers.")
    like_b = mapping(OECD.format(2), G7C.format(2), rationale=base + "for all actors.")
    mapping(OECD.format(3), G7C.format(3), rationale="An unrelated, " + LONG.format("actors"))

    report = audit()
    assert [f["subjects"] for f in found(report, "short_rationale")] == [[f"mapping {short.pk}"]]
    assert [f["subjects"] for f in found(report, "repeated_rationale")] == [
        [f"mapping {first.pk}", f"mapping {second.pk}"]
    ]
    near = {tuple(f["subjects"]) for f in found(report, "near_duplicate_rationale")}
    assert near == {
        (f"mapping {near_a.pk}", f"mapping {near_b.pk}"),
        (f"mapping {like_a.pk}", f"mapping {like_b.pk}"),
    }
    assert report["counts"]["short_rationale"] == 1


@pytest.mark.django_db
def test_identical_texts_not_marked_equal():
    source = Provision.objects.get(public_id=G7P.format(1))
    # A restatement, crafted: the Code action's heading and text made the principle's.
    Provision.objects.filter(public_id=G7C.format(1)).update(
        heading=source.heading, text=source.text
    )
    Provision.objects.filter(public_id=G7C.format(2)).update(
        text_original="同一の原文", heading_original=""
    )
    Provision.objects.filter(public_id=G7P.format(2)).update(
        text_original="同一の原文", heading_original=""
    )
    wrong = mapping(G7P.format(1), G7C.format(1), "subset_of", rationale=LONG)
    original = mapping(G7P.format(2), G7C.format(2), "intersects_with", rationale=LONG + " 2")
    mapping(G7P.format(3), G7C.format(3), "intersects_with", rationale=LONG + " 3")  # differ
    Provision.objects.filter(public_id=G7C.format(4)).update(
        heading=Provision.objects.get(public_id=G7P.format(4)).heading,
        text=Provision.objects.get(public_id=G7P.format(4)).text,
    )
    mapping(G7P.format(4), G7C.format(4), "equal", rationale=LONG + " 4")  # marked equal

    findings = found(audit(), "identical_not_equal")
    assert sorted(f["subjects"][0] for f in findings) == sorted(
        [f"mapping {wrong.pk}", f"mapping {original.pk}"]
    )


@pytest.mark.django_db
def test_provisions_no_longer_in_force():
    revoked = mapping("us-eo-14110:sec_2", OECD.format(1), rationale=LONG)
    mapping("us-eo-14179:sec_2", OECD.format(2), rationale=LONG + " again")

    before = audit("--as-of", "2024-06-01")
    assert found(before, "not_in_force") == []
    after = audit("--as-of", "2026-01-01")
    [finding] = found(after, "not_in_force")
    assert finding["subjects"] == [f"mapping {revoked.pk}"]
    assert finding["details"]["provisions"] == ["us-eo-14110:sec_2"]
    assert "revoked" in finding["message"]


@pytest.mark.django_db
def test_pairs_below_goal_and_the_core_set():
    # 15 OECD × G7 Principles, counted whichever way they point; 3 OECD × EU.
    for n, (o, g) in enumerate([(o, g) for o in range(1, 6) for g in range(1, 4)]):
        a, b = OECD.format(o), G7P.format(g)
        mapping(*((a, b) if n % 2 else (b, a)), rationale=LONG + f" {n}")
    for n in range(1, 4):
        mapping(OECD.format(n), f"eu-ai-act:art_{n}", rationale=LONG + f" eu {n}")
    # Not counted: a recital is not a citable unit; a revoked order is not on the US side.
    mapping("eu-ai-act:rec_12", OECD.format(5), rationale=LONG + " recital")
    mapping("us-eo-14110:sec_2", OECD.format(4), rationale=LONG + " revoked")

    report = audit("--as-of", "2026-01-01")
    pairs = {frozenset(p["sides"]): p for p in report["pairs"]}
    assert len(pairs) == 36
    assert pairs[frozenset({"OECD", "G7 Principles"})]["mappings"] == 15
    assert pairs[frozenset({"OECD", "G7 Principles"})]["at_goal"]
    assert pairs[frozenset({"EU AI Act", "OECD"})]["mappings"] == 3
    assert pairs[frozenset({"OECD", "US EOs"})]["mappings"] == 0
    assert report["pairs_at_goal"] == 1
    below = found(report, "pair_below_goal")
    assert len(below) == 35
    assert audit("--as-of", "2026-01-01", "--goal", "3")["pairs_at_goal"] == 2


@pytest.mark.django_db
def test_human_summary_and_strict_exit():
    mapping(OECD.format(1), G7P.format(1), rationale="Too short.")
    out = io.StringIO()
    call_command("audit_mappings", "--goal", "0", stdout=out)
    text = out.getvalue()
    assert "Rationales shorter than a sentence: 1" in text
    assert "Core pairs at goal (≥ 0): 36 of 36" in text
    with pytest.raises(CommandError) as raised:
        call_command("audit_mappings", "--goal", "0", "--strict", stdout=io.StringIO())
    assert raised.value.returncode == 1
    Mapping.objects.update(rationale=LONG)
    call_command("audit_mappings", "--goal", "0", "--strict", stdout=io.StringIO())  # clean


# The blind review sheet -----------------------------------------------------------------------


def _curation() -> list[Mapping]:
    author = get_user_model().objects.create_user("alice")
    rows = []
    relationships = ["intersects_with", "subset_of", "superset_of", "equal"]
    for o in range(1, 6):
        for g in range(1, 9):
            rows.append(
                mapping(
                    OECD.format(o),
                    G7P.format(g),
                    relationships[(o + g) % 4],
                    rationale=f"Rationale {o}-{g}: " + LONG.format("developers"),
                )
            )
    for n in range(1, 7):
        rows.append(mapping(G7C.format(n), f"eu-ai-act:art_{n + 8}", rationale=f"EU {n} {LONG}"))
    Mapping.objects.filter(pk__in=[m.pk for m in rows]).update(author=author)
    return rows


def _sheet(path: Path, *args: str) -> list[dict]:
    call_command("audit_mappings", "--sample", "12", "-o", str(path), *args, stdout=io.StringIO())
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.django_db
def test_sample_is_blind_stratified_and_reproducible(tmp_path):
    rows = _curation()
    sheet = _sheet(tmp_path / "sheet.csv", "--seed", "7")
    again = tmp_path / "again.csv"
    _sheet(again, "--seed", "7")
    assert (tmp_path / "sheet.csv").read_bytes() == again.read_bytes()
    assert (tmp_path / "sheet.key.json").read_text() == (tmp_path / "again.key.json").read_text()
    other = _sheet(tmp_path / "other.csv", "--seed", "8")
    assert [r["a_unit"] + r["b_unit"] for r in other] != [r["a_unit"] + r["b_unit"] for r in sheet]

    assert len(sheet) == 12
    raw = (tmp_path / "sheet.csv").read_text()
    for m in rows:  # nothing of the author's judgement or identity
        assert m.rationale not in raw
    assert "alice" not in raw
    assert all(not r[c] for r in sheet for c in ("relationship", "defensible", "comment", "reader"))
    assert all(r["a_text"] and r["b_text"] for r in sheet)
    # Both pairs are drawn, in proportion: 40 OECD × G7 Principles, 6 G7 Code × EU.
    key = json.loads((tmp_path / "sheet.key.json").read_text())
    assert key["strata"] == {"EU AI Act × G7 Code": 2, "G7 Principles × OECD": 10}
    assert {r["author"] for r in key["rows"]} == {"alice"}
    eu = [r for r in sheet if r["b_unit"].startswith("EU AI Act")]
    assert len(eu) == 2
    # The original text travels too where the unit has one (Korea's, Japan's).
    kr = mapping("kr-ai-framework-act:art_1", OECD.format(1), rationale=LONG + " korea")
    kr_sheet = _sheet(tmp_path / "kr.csv", "--seed", "1", "--sample", "60")
    row = next(r for r in kr_sheet if r["a_unit"].startswith(str(kr.source)))
    assert row["a_original"] and row["a_original"] != row["a_text"]


def _fill(path: Path, reader: str, answers: dict[int, tuple[str, str, str]]) -> None:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for r in rows:
        relationship, defensible, comment = answers[int(r["row"])]
        r.update(relationship=relationship, defensible=defensible, comment=comment, reader=reader)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.django_db
def test_score_a_filled_sheet(tmp_path):
    _curation()
    path = tmp_path / "sheet.csv"
    _sheet(path, "--seed", "3")
    key = {r["row"]: r for r in json.loads((tmp_path / "sheet.key.json").read_text())["rows"]}
    answers = {n: (r["relationship"], "yes", "") for n, r in key.items()}
    # The reader disagrees on rows 2 and 5, and finds row 5 indefensible.
    answers[2] = ("not_related" if key[2]["relationship"] != "not_related" else "equal", "yes", "")
    answers[5] = ("not related", "no", "different subjects")
    _fill(path, "bob", answers)

    out = io.StringIO()
    call_command("audit_mappings", "--score", str(path), "--json", stdout=out)
    score = json.loads(out.getvalue())
    assert score["rows"] == 12 and score["reader"] == "bob"
    assert score["agreement"] == round(10 / 12, 4)
    authors = [key[n]["relationship"] for n in sorted(key)]
    readers = [_norm(answers[n][0]) for n in sorted(key)]
    observed = sum(a == b for a, b in zip(authors, readers, strict=True)) / 12
    expected = sum(authors.count(x) * readers.count(x) for x in set(authors)) / 144
    assert math.isclose(score["kappa"], round((observed - expected) / (1 - expected), 4))
    assert score["share_indefensible"] == round(1 / 12, 4)
    [bad] = score["indefensible"]
    assert bad["row"] == 5 and bad["mapping"] == key[5]["mapping"]
    assert bad["comment"] == "different subjects"

    text = io.StringIO()
    call_command("audit_mappings", "--score", str(path), stdout=text)
    assert "83.3% exact" in text.getvalue() and "row 5:" in text.getvalue()


def _norm(value: str) -> str:
    return value.replace(" ", "_")


@pytest.mark.django_db
def test_author_cannot_be_the_reader_and_unfilled_sheets_are_refused(tmp_path):
    _curation()
    path = tmp_path / "sheet.csv"
    _sheet(path)
    key = {r["row"]: r for r in json.loads((tmp_path / "sheet.key.json").read_text())["rows"]}
    with pytest.raises(CommandError, match="row 1: no reader"):
        call_command("audit_mappings", "--score", str(path), stdout=io.StringIO())
    _fill(path, "Alice", {n: (r["relationship"], "yes", "") for n, r in key.items()})
    with pytest.raises(CommandError, match="reader is the author"):
        call_command("audit_mappings", "--score", str(path), stdout=io.StringIO())
    _fill(path, "bob", {n: ("maybe", "perhaps", "") for n in key})
    with pytest.raises(CommandError, match="is not one of"):
        call_command("audit_mappings", "--score", str(path), stdout=io.StringIO())


@pytest.mark.django_db
@pytest.mark.skipif(gap_model() is None, reason="no Gap model yet (issue 13, item 3)")
def test_published_gaps_count_towards_their_pair():
    from django.utils import timezone

    from tests.factories import reviewer

    Gap = gap_model()

    def gap(source: str, target: str, rationale: str):
        provision = Provision.objects.get(public_id=source)
        return Gap.objects.create(
            source=provision,
            source_instrument_id=provision.instrument_id,
            target_instrument=Instrument.objects.get(slug=target),
            rationale=rationale,
            status="published",
            reviewer=reviewer(),
            published_at=timezone.now(),
        )

    for n in range(1, 4):
        gap(OECD.format(n), "g7-hiroshima-code-of-conduct", f"{LONG} gap {n}")
    gap(OECD.format(4), "us-eo-14179", LONG + " one order only")  # not for the whole US side
    mapping(OECD.format(5), G7C.format(1), rationale=LONG + " mapped")
    short = gap("us-eo-14179:sec_2", "oecd-ai-recommendation", "None.")

    report = audit("--as-of", "2026-01-01")
    assert report["gaps_counted"] and report["published_gaps"] == 5
    pairs = {frozenset(p["sides"]): p for p in report["pairs"]}
    assert pairs[frozenset({"OECD", "G7 Code"})]["gaps"] == 3
    assert pairs[frozenset({"OECD", "G7 Code"})]["total"] == 4
    assert pairs[frozenset({"OECD", "US EOs"})]["gaps"] == 1  # the order's own section
    assert [f["subjects"] for f in found(report, "short_rationale")] == [[f"gap {short.pk}"]]
