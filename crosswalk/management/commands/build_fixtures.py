"""Regenerate fixtures/corpus from ../shared/sources, byte for byte reproducibly."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.corpus import write_fixtures
from crosswalk.importers import CATALOGUE, JURISDICTIONS, SourceError


class Command(BaseCommand):
    help = "Convert the instrument sources into fixtures/corpus (no database needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sources", type=Path, default=settings.SHARED_SOURCES_DIR)
        parser.add_argument("--output", type=Path, default=settings.CORPUS_FIXTURES_DIR)

    def handle(self, *args: object, sources: Path, output: Path, **options: object) -> None:
        if not sources.is_dir():
            raise CommandError(f"sources folder not found: {sources}")
        docs = {}
        for index, (slug, build) in enumerate(CATALOGUE.items(), start=1):
            try:
                docs[slug] = build(sources)
            except SourceError as exc:
                raise CommandError(f"{exc} (nothing written)") from exc
            count = len(docs[slug]["provisions"])
            self.stdout.write(f"[{index}/{len(CATALOGUE)}] {slug}: {count} provisions")
        write_fixtures(output, JURISDICTIONS, docs)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(docs)} instruments to {output}"))
