"""Rebuild fixtures/embeddings from the texts in the database, running the model only where a
text's embedded string changed."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from crosswalk import embeddings
from crosswalk.models import TextEmbedding
from crosswalk.text_vectors import fixtures_write, vectors_sync


class Command(BaseCommand):
    help = "Compute the vectors of changed texts and write fixtures/embeddings/*.npz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, default=settings.EMBEDDING_FIXTURES_DIR)
        parser.add_argument(
            "--recompute", action="store_true", help="Run the model over every text again."
        )

    def handle(self, *args: object, output: Path, recompute: bool, **options: object) -> None:
        if recompute:
            TextEmbedding.objects.filter(model=embeddings.model_id()).delete()
        # The shipped files are not a source here: what changed must be computed.
        kept, _, computed = vectors_sync(None, progress=self.stdout.write)
        counts = fixtures_write(output)
        self.stdout.write(
            self.style.SUCCESS(
                f"{sum(counts.values())} vectors of {embeddings.model_id()} in {len(counts)} "
                f"files under {output} ({computed} computed, {kept} unchanged)."
            )
        )
