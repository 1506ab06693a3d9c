"""Completeness of the Japan rows (issue 13, item 2): every Japanese citable unit has, for
each of the EU, Korea, OECD and G7 sides, a mapping to a citable unit in force or a reviewed gap."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
TODAY = "2026-12-01"
ACT = "jp-ai-promotion-act"
GFB = "jp-ai-guidelines-for-business"
# Articles whose paragraphs are distinct principles or duties are answered paragraph by paragraph.
BROAD_ARTICLES = {"art_3", "art_4", "art_6"}
SIDES = {
    "EU": {"eu-ai-act"},
    "KR": {"kr-ai-framework-act", "kr-ai-framework-act-decree"},
    "OECD": {"oecd-ai-recommendation"},
    "G7": {"g7-hiroshima-guiding-principles", "g7-hiroshima-code-of-conduct"},
}
# Not citable on their own: recitals, containers and framing text.
NOT_CITABLE = {
    "recital",
    "chapter",
    "section",
    "annex",
    "preamble",
    "heading",
    "operative_paragraph",
    "addenda_group",
}


def _in_force(record: dict) -> bool:
    until = record.get("in_force_until")
    return record["in_force_from"] <= TODAY and (until is None or until >= TODAY)


def _corpus() -> dict[str, dict[str, dict]]:
    out = {}
    for path in (ROOT / "corpus").glob("*.json"):
        if path.name == "manifest.json":
            continue
        data = json.loads(path.read_text())
        slug = data["instrument"]["slug"]
        out[slug] = {p["eid"]: p for p in data["provisions"]}
    return out


def _units(corpus) -> dict[str, set[str]]:
    """Japanese citable unit -> public ids whose mappings answer it."""
    units: dict[str, set[str]] = {}
    act = corpus[ACT]
    for eid, p in act.items():
        if p["kind"] != "article" or eid.startswith("suppl"):
            continue  # supplementary provisions are out of scope
        if eid in BROAD_ARTICLES:
            for sub in act:
                if re.fullmatch(eid + r"__para_\d+", sub):
                    units[f"{ACT}:{sub}"] = {f"{ACT}:{sub}"}
        else:
            units[f"{ACT}:{eid}"] = {
                f"{ACT}:{e}" for e in act if e == eid or e.startswith(eid + "__")
            }
    pattern = re.compile(
        r"part_2__sec_c__principle_\d+(__subprinciple_\d+)?|part_2__sec_d__para_\d+__principle_\d+"
    )
    for eid, p in corpus[GFB].items():
        if pattern.fullmatch(eid) and _in_force(p):
            units[f"{GFB}:{eid}"] = {f"{GFB}:{eid}"}
    return units


def _rows(folder: str) -> list[dict]:
    rows = []
    for path in sorted((ROOT / folder).glob("*.csv")):
        with path.open(newline="") as handle:
            rows += [dict(r, _file=path.name) for r in csv.DictReader(handle)]
    return rows


def _citable(corpus, public_id: str) -> bool:
    slug, eid = public_id.split(":", 1)
    p = corpus.get(slug, {}).get(eid)
    return bool(p) and p["kind"] not in NOT_CITABLE and _in_force(p)


def _completeness(corpus):
    units = _units(corpus)
    answered: dict[str, set[tuple[str, str]]] = {}
    for r in _rows("mappings"):
        for here, there in ((r["source"], r["target"]), (r["target"], r["source"])):
            if _citable(corpus, there):
                answered.setdefault(here, set()).add((there.split(":")[0], "mapping"))
    gaps = {(r["source"], r["target_instrument"]) for r in _rows("gaps")}
    result = {}
    for unit, ids in units.items():
        for side, slugs in SIDES.items():
            mapped = any(s in slugs for i in ids for s, _ in answered.get(i, ()))
            gap = any((unit, s) in gaps for s in slugs)
            result[(unit, side)] = "mapping" if mapped else ("gap" if gap else None)
    return result


def test_every_japan_unit_has_an_answer_on_every_side():
    corpus = _corpus()
    result = _completeness(corpus)
    units = {u for u, _ in result}
    assert (
        len(units) == 87
    )  # 35 Act units, 40 Part 2 C principles/sub-items, 12 Part 2 D principles
    per_side = Counter(side for (_, side), state in result.items() if state)
    assert per_side == {"EU": 87, "KR": 87, "OECD": 87, "G7": 87}, sorted(
        key for key, state in result.items() if not state
    )


def test_jp_rows_gaps_are_well_formed():
    corpus = _corpus()
    gaps = [r for r in _rows("gaps") if r["_file"].startswith("jp-rows-")]
    assert gaps
    keys = [(r["source"], r["target_instrument"]) for r in gaps]
    assert len(keys) == len(set(keys))
    rationales = [r["rationale"].strip() for r in gaps]
    assert all(rationales) and len(rationales) == len(set(rationales))
    for r in gaps:
        slug, eid = r["source"].split(":", 1)
        assert eid in corpus[slug] and _in_force(corpus[slug][eid]), r["source"]
        assert r["target_instrument"] in corpus, r["target_instrument"]
        assert r["method"] in {"independent-reading", "suggestion-assisted"}
    # A gap says "no counterpart anywhere in that instrument": none may coexist with a mapping
    # from the same provision to a citable unit of that instrument.
    unit_of = {i: unit for unit, ids in _units(corpus).items() for i in ids}
    mapped = set()
    for r in _rows("mappings"):
        for here, there in ((r["source"], r["target"]), (r["target"], r["source"])):
            if here in unit_of and _citable(corpus, there):
                mapped.add((unit_of[here], there.split(":")[0]))
    assert not [k for k in keys if k in mapped]


@pytest.mark.django_db
def test_jp_rows_mappings_are_new_citable_and_distinct():
    corpus = _corpus()
    rows = _rows("mappings")
    pairs = Counter((r["source"], r["target"]) for r in rows)
    assert [p for p, n in pairs.items() if n > 1] == []
    mine = [r for r in rows if r["_file"].startswith("jp-rows-")]
    assert all(_citable(corpus, r["target"]) and _citable(corpus, r["source"]) for r in mine)
    rationales = [r["rationale"] for r in rows]
    assert len(set(rationales)) == len(rationales)
    for path in sorted((ROOT / "mappings").glob("jp-rows-*.csv")):
        out = io.StringIO()
        call_command("import_mappings", str(path), stdout=out)
        assert "row(s) valid" in out.getvalue()
