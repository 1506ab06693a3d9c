"""Compare the database with fixtures/corpus; exit non-zero on any difference."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.corpus import CorpusError, corpus_differences


class Command(BaseCommand):
    help = "Check that the database holds exactly the corpus in fixtures/corpus."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", type=Path, default=settings.CORPUS_FIXTURES_DIR)

    def handle(self, *args: object, fixtures: Path, **options: object) -> None:
        try:
            differences = list(corpus_differences(fixtures))
        except CorpusError as exc:
            raise CommandError(str(exc)) from exc
        for line in differences[:200]:
            self.stderr.write(line)
        if differences:
            raise CommandError(
                f"{len(differences)} difference(s) between the database and {fixtures}"
            )
        self.stdout.write(self.style.SUCCESS("The database matches the corpus fixtures."))
