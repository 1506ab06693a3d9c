"""Load fixtures/corpus into the database; idempotent, one transaction per instrument. Then the
texts' vectors (fixtures/embeddings; the model runs only for texts whose string changed)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.corpus import CorpusError, corpus_load
from crosswalk.text_vectors import vectors_sync


class Command(BaseCommand):
    help = "Load the corpus from fixtures/corpus, writing only what differs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", type=Path, default=settings.CORPUS_FIXTURES_DIR)
        parser.add_argument("--embeddings", type=Path, default=settings.EMBEDDING_FIXTURES_DIR)

    def handle(self, *args: object, fixtures: Path, embeddings: Path, **options: object) -> None:
        try:
            reports = corpus_load(fixtures, progress=self.stdout.write)
        except CorpusError as exc:
            raise CommandError(f"{exc} (nothing of it was written)") from exc
        kept, shipped, computed = vectors_sync(embeddings, progress=self.stdout.write)
        if shipped or computed:
            self.stdout.write(
                f"Text vectors: {shipped} from {embeddings.name}/, {computed} computed, "
                f"{kept} unchanged."
            )
        for report in reports:
            for change in report.changes:
                self.stdout.write(f"  {change}")
        written = [r for r in reports if r.wrote]
        if not written:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to write: the database already matches the corpus "
                    f"({len(reports)} instruments)."
                )
            )
            return
        created = sum(r.created for r in reports)
        updated = sum(r.updated for r in reports)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(written)} of {len(reports)} instruments: "
                f"{created} provisions created, {updated} updated."
            )
        )
