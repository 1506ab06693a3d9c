"""Audit the published curation; write or score a blind second-reading sheet (crosswalk.audit)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crosswalk.audit import (
    GOAL,
    MIN_WORDS,
    NEAR_DUPLICATE,
    SheetError,
    key_path,
    run_audit,
    score_sheet,
    write_sheet,
)

CHECKS = {
    "short_rationale": "Rationales shorter than a sentence",
    "repeated_rationale": "Rationales repeated word for word",
    "near_duplicate_rationale": "Rationales nearly repeated",
    "identical_not_equal": "Identical texts not marked equal",
    "not_in_force": "Published rows whose provisions are no longer in force",
    "pair_below_goal": "Core pairs below their completeness goal",
}


class Command(BaseCommand):
    help = (
        "Audit published mappings (rationales repeated or short, identical texts not equal, "
        "provisions no longer in force, core pairs below goal); --sample N -o FILE writes a "
        "blind review sheet, --score FILE scores it once another reader has filled it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (today)."
        )
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")
        parser.add_argument(
            "--strict", action="store_true", help="Exit non-zero when there is any finding."
        )
        parser.add_argument("--goal", type=int, default=GOAL, help=f"Per core pair ({GOAL}).")
        parser.add_argument("--min-words", type=int, default=MIN_WORDS)
        parser.add_argument("--near", type=float, default=NEAR_DUPLICATE)
        parser.add_argument("--sample", type=int, metavar="N", help="Write a blind sheet of N.")
        parser.add_argument("--seed", type=int, default=0, help="Sample seed (0).")
        parser.add_argument("-o", "--output", type=Path, help="The sheet to write.")
        parser.add_argument("--score", type=Path, metavar="SHEET", help="Score a filled sheet.")
        parser.add_argument(
            "--key", type=Path, help="The sheet's private key (default: SHEET.key.json)."
        )

    def handle(self, *args: object, **options: object) -> None:
        day = options["as_of"] or timezone.localdate()
        if options["sample"] is not None and options["score"] is not None:
            raise CommandError("--sample and --score are separate steps")
        if options["sample"] is not None:
            self._sample(day, **options)
        elif options["score"] is not None:
            self._score(**options)
        else:
            self._audit(day, **options)

    def _audit(self, day: datetime.date, **options: object) -> None:
        report = run_audit(
            day, goal=options["goal"], min_words=options["min_words"], near=options["near"]
        )
        if options["json"]:
            self.stdout.write(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
        else:
            self._summary(report)
        if options["strict"] and report.findings:
            raise CommandError(f"{len(report.findings)} finding(s)", returncode=1)

    def _summary(self, report) -> None:
        write = self.stdout.write
        gaps = (
            f"{report.gaps} published gaps"
            if report.gaps is not None
            else "gaps not counted (no Gap model yet)"
        )
        write(f"Audit of the curation on {report.as_of.isoformat()}")
        write(f"{report.mappings} published mappings; {gaps}")
        grouped = report.by_check()
        for check, title in CHECKS.items():
            found = grouped.get(check, [])
            write(f"\n{title}: {len(found)}")
            if check == "pair_below_goal":
                continue  # the table below lists every pair
            for finding in found:
                write(f"  {finding.message}")
        at_goal = sum(p.total >= report.goal for p in report.pairs)
        write(f"\nCore pairs at goal (≥ {report.goal}): {at_goal} of {len(report.pairs)}")
        for pair in report.pairs:
            mark = "ok" if pair.total >= report.goal else "--"
            gap_part = f" {pair.gaps:>4} gaps" if report.gaps is not None else ""
            write(
                f"  {mark} {pair.sides[0] + ' × ' + pair.sides[1]:<42} "
                f"{pair.mappings:>4} mappings{gap_part}"
            )
        write(f"\n{len(report.findings)} finding(s)")

    def _sample(self, day: datetime.date, **options: object) -> None:
        output = options["output"]
        if output is None:
            raise CommandError("--sample needs -o FILE for the sheet")
        if options["sample"] < 1:
            raise CommandError("--sample needs a positive number")
        key = options["key"] or key_path(output)
        document = write_sheet(output, options["sample"], options["seed"], day, key)
        rows = len(document["rows"])
        self.stdout.write(
            f"Wrote {rows} rows (of {document['published_mappings']} published mappings, "
            f"{len(document['strata'])} pairs, seed {document['seed']}) to {output}; "
            f"the key is {key}: keep it from the reader."
        )

    def _score(self, **options: object) -> None:
        try:
            score = score_sheet(options["score"], options["key"])
        except SheetError as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(score.as_json(), ensure_ascii=False, indent=1))
            return
        write = self.stdout.write
        kappa = "n/a" if score.kappa is None else f"{score.kappa:.3f}"
        write(f"Second reading by {score.reader}: {score.rows} rows")
        write(f"Relationship agreement: {score.agreement:.1%} exact, Cohen's kappa {kappa}")
        write(
            f"Judged defensible: {1 - score.share_indefensible:.1%}; "
            f"indefensible: {len(score.indefensible)} ({score.share_indefensible:.1%})"
        )
        for row in score.indefensible:
            write(
                f"  row {row['row']}: mapping {row['mapping']} {row['source']} "
                f"{row['relationship']} {row['target']} (reader: {row['reader_relationship']})"
                + (f": {row['comment']}" if row["comment"] else "")
            )
