"""Quality checks on the curation (issue 13, item 6), read by `manage.py audit_mappings`.

Four checks on published mappings (and published gaps, where the Gap model exists):
rationales repeated or too short, identical texts not marked `equal`, provisions no longer in
force, and core pairs below their completeness goal. And a blind second reading: a review sheet
of a reproducible, pair-stratified sample (both texts, nothing of the author's judgement), and
the agreement once another reader has filled it.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import json
import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from crosswalk import models as crosswalk_models
from crosswalk.models import Instrument, Mapping, Provision
from crosswalk.status import END_REASONS, in_force_q, status_of

# A rationale shorter than this many words is not a sentence that names what matches and what
# does not.
MIN_WORDS = 8
# Two rationales whose word trigrams (after normalising) overlap this much are near-duplicates.
NEAR_DUPLICATE = 0.8
# Published mappings or confirmed gaps per core pair (issue 13, item 2).
GOAL = 15

# The nine sides of the core set. Korea's Act and decree are one side; the US executive orders
# in force are one side (US_EOS), chosen by type and date rather than by slug.
CORE_SIDES: dict[str, str] = {
    "eu-ai-act": "EU AI Act",
    "jp-ai-promotion-act": "JP AI Promotion Act",
    "jp-ai-guidelines-for-business": "JP Guidelines",
    "kr-ai-framework-act": "Korea",
    "kr-ai-framework-act-decree": "Korea",
    "oecd-ai-recommendation": "OECD",
    "g7-hiroshima-guiding-principles": "G7 Principles",
    "g7-hiroshima-code-of-conduct": "G7 Code",
    "us-nist-ai-rmf": "NIST AI RMF",
}
US_EOS = "US EOs"
SIDES: tuple[str, ...] = (*dict.fromkeys(CORE_SIDES.values()), US_EOS)

SHEET_COLUMNS = [
    "row",
    "a_unit",
    "a_text",
    "a_original",
    "b_unit",
    "b_text",
    "b_original",
    "relationship",
    "defensible",
    "comment",
    "reader",
]
READER_COLUMNS = ("relationship", "defensible", "comment", "reader")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


def gap_model() -> Any | None:
    """The Gap model once it exists (issue 13, item 3); None before. Extension point: every gap
    count below reads through this."""
    return getattr(crosswalk_models, "Gap", None)


# Findings -----------------------------------------------------------------------------------


@dataclass
class Finding:
    """One thing the audit found. `subjects` names the rows ("mapping 12", "gap 3")."""

    check: str
    message: str
    subjects: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PairCount:
    sides: tuple[str, str]
    mappings: int = 0
    gaps: int = 0

    @property
    def total(self) -> int:
        return self.mappings + self.gaps


@dataclass
class AuditReport:
    as_of: datetime.date
    mappings: int = 0
    gaps: int | None = None  # None: no Gap model yet
    findings: list[Finding] = field(default_factory=list)
    pairs: list[PairCount] = field(default_factory=list)
    goal: int = GOAL

    def by_check(self) -> dict[str, list[Finding]]:
        grouped: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding.check].append(finding)
        return dict(grouped)

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "published_mappings": self.mappings,
            "published_gaps": self.gaps,
            "gaps_counted": self.gaps is not None,
            "goal": self.goal,
            "counts": {check: len(items) for check, items in sorted(self.by_check().items())},
            "findings": [asdict(f) for f in self.findings],
            "pairs": [
                {
                    "sides": list(p.sides),
                    "mappings": p.mappings,
                    "gaps": p.gaps,
                    "total": p.total,
                    "at_goal": p.total >= self.goal,
                }
                for p in self.pairs
            ],
            "pairs_at_goal": sum(p.total >= self.goal for p in self.pairs),
        }


@dataclass(frozen=True)
class _Statement:
    """A mapping or gap as the rationale checks see it."""

    subject: str
    rationale: str


def normalise(text: str) -> str:
    """Case, accents' compatibility forms, numbers, punctuation and whitespace folded away: two
    rationales equal after this differ only in a cited number or in spacing."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\d+(?:[.\-–]\d+)*", "#", text)
    text = re.sub(r"[^\w#]+", " ", text)
    return " ".join(text.split())


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = text.split()
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def rationale_findings(
    statements: Sequence[_Statement], *, min_words: int = MIN_WORDS, near: float = NEAR_DUPLICATE
) -> list[Finding]:
    """Short rationales, exact repeats, repeats after normalising, and near-duplicates (word
    trigram Jaccard ≥ `near`, found through an inverted index rather than all pairs)."""
    findings: list[Finding] = []
    for s in statements:
        words = len(s.rationale.split())
        if words < min_words:
            findings.append(
                Finding(
                    "short_rationale",
                    f"{s.subject}: rationale of {words} word(s), shorter than a sentence "
                    f"({min_words} words): {s.rationale.strip()!r}",
                    [s.subject],
                )
            )
    exact: dict[str, list[_Statement]] = defaultdict(list)
    for s in statements:
        if s.rationale.strip():
            exact[s.rationale.strip()].append(s)
    for text, group in exact.items():
        if len(group) > 1:
            subjects = [s.subject for s in group]
            findings.append(
                Finding(
                    "repeated_rationale",
                    f"{len(group)} rows share one rationale: {', '.join(subjects)}: "
                    f"{_clip(text)!r}",
                    subjects,
                )
            )
    folded: dict[str, list[_Statement]] = defaultdict(list)
    for s in statements:
        key = normalise(s.rationale)
        if key:
            folded[key].append(s)
    for group in folded.values():
        texts = {s.rationale.strip() for s in group}
        if len(group) > 1 and len(texts) > 1:
            subjects = [s.subject for s in group]
            findings.append(
                Finding(
                    "near_duplicate_rationale",
                    f"{len(group)} rows share one rationale up to numbers, case and spacing: "
                    f"{', '.join(subjects)}: {_clip(group[0].rationale)!r}",
                    subjects,
                    {"similarity": 1.0},
                )
            )
    # Near-duplicates beyond normalisation: one finding per pair over the threshold.
    grams = [_trigrams(normalise(s.rationale)) for s in statements]
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, g in enumerate(grams):
        for gram in g:
            index[gram].append(i)
    shared: Counter[tuple[int, int]] = Counter()
    for postings in index.values():
        if len(postings) > 50:  # a stock phrase, not evidence of copying
            continue
        for i, j in itertools.combinations(postings, 2):
            shared[(i, j)] += 1
    for (i, j), common in sorted(shared.items()):
        union = len(grams[i]) + len(grams[j]) - common
        similarity = common / union if union else 0.0
        a, b = statements[i], statements[j]
        if similarity < near or similarity >= 1.0:
            continue  # equal after normalising: reported above
        findings.append(
            Finding(
                "near_duplicate_rationale",
                f"{a.subject} and {b.subject}: rationales {similarity:.0%} alike: "
                f"{_clip(a.rationale)!r} / {_clip(b.rationale)!r}",
                [a.subject, b.subject],
                {"similarity": round(similarity, 3)},
            )
        )
    return findings


def _clip(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _flat(*parts: str) -> str:
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip())


def identical_findings(mappings: Iterable[Mapping]) -> list[Finding]:
    """Published mappings between two units with the same heading and text (English), or the
    same original, whose relationship is not `equal`."""
    findings = []
    for m in mappings:
        if m.relationship == Mapping.Relationship.EQUAL:
            continue
        s, t = m.source, m.target
        english = _flat(s.text) and _flat(s.heading, s.text) == _flat(t.heading, t.text)
        original = _flat(s.text_original) and _flat(s.heading_original, s.text_original) == _flat(
            t.heading_original, t.text_original
        )
        if english or original:
            which = "English heading and text" if english else "original text"
            findings.append(
                Finding(
                    "identical_not_equal",
                    f"mapping {m.pk}: {s.public_id} and {t.public_id} have the same {which} "
                    f"but are marked {m.get_relationship_display()!r}, not 'equal'",
                    [f"mapping {m.pk}"],
                    {"source": s.public_id, "target": t.public_id, "relationship": m.relationship},
                )
            )
    return findings


def out_of_force_findings(rows: Iterable[Any], day: datetime.date, kind: str) -> list[Finding]:
    """Published mappings (or gaps) with a provision no longer in force on `day`."""
    findings = []
    for row in rows:
        ends = [row.source] + ([row.target] if kind == "mapping" else [])
        gone = [(p, status_of(p, day)) for p in ends if status_of(p, day) in END_REASONS]
        if gone:
            what = "; ".join(
                f"{p.public_id} {status} since {p.in_force_until + datetime.timedelta(days=1)}"
                for p, status in gone
            )
            findings.append(
                Finding(
                    "not_in_force",
                    f"{kind} {row.pk}: {what} (on {day.isoformat()})",
                    [f"{kind} {row.pk}"],
                    {"provisions": [p.public_id for p, _ in gone]},
                )
            )
    return findings


def side_of(instrument: Instrument, day: datetime.date) -> str | None:
    """The core side an instrument belongs to on `day`, or None."""
    if instrument.slug in CORE_SIDES:
        return CORE_SIDES[instrument.slug]
    in_force = (instrument.in_force_from is None or instrument.in_force_from <= day) and (
        instrument.in_force_until is None or day <= instrument.in_force_until
    )
    us_order = instrument.instrument_type == Instrument.Type.EXECUTIVE_ORDER and (
        instrument.jurisdiction.code == "US"
    )
    return US_EOS if us_order and in_force else None


def _within(pk: int | None, citable: set[int], parents: dict[int, int | None]) -> bool:
    """A citable unit, or part of one (a paragraph of an article): a recital or a bare
    container is neither."""
    while pk is not None:
        if pk in citable:
            return True
        pk = parents.get(pk)
    return False


def pair_counts(day: datetime.date) -> list[PairCount]:
    """Per unordered pair of the nine core sides (36): published mappings between citable units
    (or their parts) in force on `day`, plus published gaps of such a unit. A gap says "no
    counterpart in this one instrument", so a gap against one executive order does not speak
    for the US side (all orders in force); gaps from an order's sections do count."""
    instruments = Instrument.objects.select_related("jurisdiction")
    sides = {i.pk: side_of(i, day) for i in instruments}
    core = Provision.objects.filter(instrument_id__in=[pk for pk, s in sides.items() if s])
    citable = set(core.filter(in_force_q(day)).citable().values_list("pk", flat=True))
    parents = dict(core.filter(in_force_q(day)).values_list("pk", "parent_id"))
    live = {pk for pk in parents if _within(pk, citable, parents)}
    counts = {frozenset(p): PairCount(p) for p in itertools.combinations(SIDES, 2)}
    rows = Mapping.objects.published().values_list(
        "source_id", "target_id", "source_instrument_id", "target_instrument_id"
    )
    for source, target, a, b in rows:
        sa, sb = sides.get(a), sides.get(b)
        if sa and sb and sa != sb and source in live and target in live:
            counts[frozenset((sa, sb))].mappings += 1
    Gap = gap_model()
    if Gap is not None:
        gaps = Gap.objects.filter(status="published").values_list(
            "source_id", "source_instrument_id", "target_instrument_id"
        )
        for source, a, b in gaps:
            sa, sb = sides.get(a), sides.get(b)
            if sa and sb and sa != sb and sb != US_EOS and source in live:
                counts[frozenset((sa, sb))].gaps += 1
    return list(counts.values())


def run_audit(
    day: datetime.date,
    *,
    goal: int = GOAL,
    min_words: int = MIN_WORDS,
    near: float = NEAR_DUPLICATE,
) -> AuditReport:
    """Every check on the published curation as of `day`."""
    mappings = list(
        Mapping.objects.published()
        .select_related("source", "target", "source_instrument", "target_instrument")
        .order_by("pk")
    )
    report = AuditReport(as_of=day, mappings=len(mappings), goal=goal)
    statements = [_Statement(f"mapping {m.pk}", m.rationale) for m in mappings]
    Gap = gap_model()
    gaps: list[Any] = []
    if Gap is not None:
        gaps = list(Gap.objects.filter(status="published").select_related("source").order_by("pk"))
        report.gaps = len(gaps)
        statements += [_Statement(f"gap {g.pk}", g.rationale) for g in gaps]
    report.findings += rationale_findings(statements, min_words=min_words, near=near)
    report.findings += identical_findings(mappings)
    report.findings += out_of_force_findings(mappings, day, "mapping")
    report.findings += out_of_force_findings(gaps, day, "gap")
    report.pairs = sorted(
        pair_counts(day), key=lambda p: (p.total, SIDES.index(p.sides[0]), p.sides[1])
    )
    for pair in report.pairs:
        if pair.total < goal:
            gaps_note = f" + {pair.gaps} gaps" if report.gaps is not None else ""
            report.findings.append(
                Finding(
                    "pair_below_goal",
                    f"{pair.sides[0]} × {pair.sides[1]}: {pair.mappings} mappings{gaps_note} "
                    f"= {pair.total} < {goal}",
                    [],
                    {"sides": list(pair.sides), "total": pair.total},
                )
            )
    return report


# The blind review sheet ---------------------------------------------------------------------


class SheetError(Exception):
    """The sheet or its key cannot be scored; nothing was computed."""


def key_path(sheet: Path) -> Path:
    """Where the private key of a sheet lives: sheet.csv -> sheet.key.json."""
    return sheet.with_name(sheet.stem + ".key.json")


def _stratum(m: Mapping, day: datetime.date, sides: dict[int, str | None]) -> str:
    """The pair a mapping samples under: its two core sides, else its two instruments."""
    ends = []
    for instrument in (m.source_instrument, m.target_instrument):
        if instrument.pk not in sides:
            sides[instrument.pk] = side_of(instrument, day)
        ends.append(sides[instrument.pk] or instrument.slug)
    return " × ".join(sorted(ends))


def allocate(sizes: dict[str, int], n: int, rng: random.Random) -> dict[str, int]:
    """How many to draw per stratum: one each while n allows, the rest in proportion to what is
    left (largest remainder, ties broken by `rng`), never more than a stratum holds."""
    strata = sorted(sizes)
    n = min(n, sum(sizes.values()))
    if n < len(strata):
        chosen = rng.sample(strata, n)
        return {s: int(s in chosen) for s in strata}
    take = {s: 1 for s in strata}
    left = n - len(strata)
    while left > 0:
        room = {s: sizes[s] - take[s] for s in strata if sizes[s] > take[s]}
        total = sum(room.values())
        quotas = {s: left * r / total for s, r in room.items()}
        whole = {s: min(int(q), room[s]) for s, q in quotas.items()}
        for s, k in whole.items():
            take[s] += k
        left -= sum(whole.values())
        if left <= 0:
            break
        order = sorted(room, key=lambda s: (-(quotas[s] - int(quotas[s])), rng.random()))
        for s in order:
            if left == 0:
                break
            if take[s] < sizes[s]:
                take[s] += 1
                left -= 1
    return take


def _texts(provision: Provision, dated: Any | None) -> tuple[str, str]:
    """English heading and text, and the original, as the mapping's reviewer read them."""
    row = dated or provision
    english = _flat(row.heading, row.text)
    original = _flat(row.heading_original, row.text_original)
    return english, ("" if original == english else original)


def write_sheet(
    sheet: Path, n: int, seed: int, day: datetime.date, key: Path | None = None
) -> dict[str, Any]:
    """A blind review sheet of `n` published mappings, stratified by pair, drawn with `seed`.

    The sheet holds both texts and empty reader columns; nothing of the author's judgement (no
    relationship, rationale, strength, ids or author). The key (mapping, relationship,
    rationale, author per row) goes to a separate file kept from the reader."""
    rng = random.Random(seed)
    mappings = list(
        Mapping.objects.published()
        .select_related(
            "source__parent__parent",
            "target__parent__parent",
            "source_instrument__jurisdiction",
            "target_instrument__jurisdiction",
            "source_text",
            "target_text",
            "author",
        )
        .order_by("pk")
    )
    sides: dict[int, str | None] = {}
    strata: dict[str, list[Mapping]] = defaultdict(list)
    for m in mappings:
        strata[_stratum(m, day, sides)].append(m)
    take = allocate({s: len(ms) for s, ms in strata.items()}, n, rng)
    drawn: list[tuple[str, Mapping]] = []
    for name in sorted(strata):
        drawn += [(name, m) for m in rng.sample(strata[name], take[name])]
    rng.shuffle(drawn)
    key_rows = []
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=SHEET_COLUMNS)
        writer.writeheader()
        for number, (stratum, m) in enumerate(drawn, start=1):
            a_text, a_original = _texts(m.source, m.source_text)
            b_text, b_original = _texts(m.target, m.target_text)
            writer.writerow(
                {
                    "row": number,
                    "a_unit": m.source.labelled(),
                    "a_text": a_text,
                    "a_original": a_original,
                    "b_unit": m.target.labelled(),
                    "b_text": b_text,
                    "b_original": b_original,
                }
            )
            key_rows.append(
                {
                    "row": number,
                    "mapping": m.pk,
                    "pair": stratum,
                    "source": m.source.public_id,
                    "target": m.target.public_id,
                    "relationship": m.relationship,
                    "rationale": m.rationale,
                    "author": m.author.get_username() if m.author else "",
                }
            )
    document = {
        "seed": seed,
        "as_of": day.isoformat(),
        "requested": n,
        "published_mappings": len(mappings),
        "strata": {s: take[s] for s in sorted(take) if take[s]},
        "rows": key_rows,
    }
    (key or key_path(sheet)).write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return document


@dataclass
class Score:
    rows: int
    reader: str
    agreement: float
    kappa: float | None
    indefensible: list[dict[str, Any]]
    confusion: dict[str, dict[str, int]]

    @property
    def share_indefensible(self) -> float:
        return len(self.indefensible) / self.rows if self.rows else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "reader": self.reader,
            "agreement": round(self.agreement, 4),
            "kappa": None if self.kappa is None else round(self.kappa, 4),
            "share_defensible": round(1 - self.share_indefensible, 4),
            "share_indefensible": round(self.share_indefensible, 4),
            "indefensible": self.indefensible,
            "confusion": self.confusion,
        }


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two readers' labels; None when chance agreement is total (one label)."""
    n = len(first)
    if not n:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    a_counts, b_counts = Counter(first), Counter(second)
    expected = sum(a_counts[label] * b_counts[label] for label in a_counts) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


def _relationship(value: str) -> str | None:
    value = "_".join(value.strip().casefold().replace("-", " ").split())
    return value if value in Mapping.Relationship.values else None


def score_sheet(sheet: Path, key: Path | None = None) -> Score:
    """Agreement between the author's relationships (from the key) and the second reader's
    (from the filled sheet), and the rows the reader judged indefensible. Refuses a sheet with
    unfilled or invalid rows, rows the key does not know, or a reader who is a row's author."""
    key = key or key_path(sheet)
    try:
        document = json.loads(key.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SheetError(f"cannot read the sheet's key {key}: {exc}") from exc
    expected = {str(r["row"]): r for r in document["rows"]}
    try:
        with sheet.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise SheetError(f"cannot read {sheet}: {exc}") from exc
    missing_columns = [c for c in ("row", *READER_COLUMNS) if rows and c not in rows[0]]
    if missing_columns:
        raise SheetError(f"the sheet lacks column(s) {', '.join(missing_columns)}")
    errors: list[str] = []
    seen = {(r.get("row") or "").strip() for r in rows}
    if seen != set(expected):
        errors.append(
            f"the sheet's rows do not match its key (missing {sorted(set(expected) - seen)}, "
            f"unknown {sorted(seen - set(expected))})"
        )
    authors_reading: list[str] = []
    readers: set[str] = set()
    pairs: list[tuple[str, str]] = []
    indefensible: list[dict[str, Any]] = []
    for r in rows:
        number = (r.get("row") or "").strip()
        if number not in expected:
            continue
        entry = expected[number]
        reader = (r.get("reader") or "").strip()
        relationship = _relationship(r.get("relationship") or "")
        defensible = (r.get("defensible") or "").strip().casefold()
        if not reader:
            errors.append(f"row {number}: no reader")
        if relationship is None:
            errors.append(
                f"row {number}: relationship {r.get('relationship')!r} is not one of "
                f"{', '.join(Mapping.Relationship.values)}"
            )
        if defensible not in YES | NO:
            errors.append(f"row {number}: defensible must be yes or no")
        if reader and entry["author"] and reader.casefold() == entry["author"].casefold():
            authors_reading.append(number)
        readers.add(reader)
        if relationship is not None:
            pairs.append((entry["relationship"], relationship))
        if defensible in NO:
            indefensible.append(
                {
                    "row": int(number),
                    "mapping": entry["mapping"],
                    "source": entry["source"],
                    "target": entry["target"],
                    "relationship": entry["relationship"],
                    "reader_relationship": relationship,
                    "comment": (r.get("comment") or "").strip(),
                }
            )
    if authors_reading:
        raise SheetError(
            f"the reader is the author of row(s) {', '.join(authors_reading)}: a second "
            "reading must be by someone other than the author; nothing scored"
        )
    if errors:
        raise SheetError("; ".join(errors[:20]) + "; nothing scored")
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for author_label, reader_label in pairs:
        confusion[author_label][reader_label] += 1
    return Score(
        rows=len(pairs),
        reader=", ".join(sorted(readers)),
        agreement=sum(a == b for a, b in pairs) / len(pairs) if pairs else 0.0,
        kappa=cohen_kappa([a for a, _ in pairs], [b for _, b in pairs]),
        indefensible=sorted(indefensible, key=lambda d: d["row"]),
        confusion={a: dict(sorted(b.items())) for a, b in sorted(confusion.items())},
    )
