"""How much of each in-force instrument the topic map covers, and what it does not."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from crosswalk.topics import topic_coverage


class Command(BaseCommand):
    help = (
        "Per in-force instrument: citable units, tagged, procedural, share covered, and every "
        "citable unit that is neither (by public id)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", type=datetime.date.fromisoformat, default=None, help="YYYY-MM-DD (today)."
        )

    def handle(self, *args: object, on: datetime.date | None, **options: object) -> None:
        day = on or timezone.localdate()
        coverage = topic_coverage(day)
        self.stdout.write(f"Topic map coverage of citable units in force on {day.isoformat()}")
        self.stdout.write(
            f"{'instrument':<36} {'units':>6} {'tagged':>7} {'proced.':>7} {'covered':>8}"
        )
        for entry in coverage:
            self.stdout.write(
                f"{entry.instrument.slug:<36} {entry.citable_units:>6} {entry.tagged:>7} "
                f"{entry.procedural:>7} {entry.share_covered:>8.1%}"
            )
        for entry in coverage:
            for unit in entry.untagged:
                self.stdout.write(f"  untagged: {unit.public_id} ({unit.citation})")
            for unit in entry.too_many:
                self.stdout.write(
                    f"  invalid: {unit.public_id} ({unit.citation}): more than 3 topics, or "
                    "topics on a procedural unit"
                )
