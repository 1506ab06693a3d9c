"""Load the project's seed curation (fixtures/mappings/*.csv) as published mappings, once."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crosswalk.importers.mapping_csv import mappings_csv_commit, mappings_csv_parse
from crosswalk.models import Mapping

SEED_AUTHOR = "seed-curation"
SEED_REVIEWER = "seed-review"


class Command(BaseCommand):
    help = "Publish the seed mappings in fixtures/mappings (skipped when already loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        default = Path(settings.BASE_DIR) / "fixtures" / "mappings"
        parser.add_argument("--folder", type=Path, default=default)

    @transaction.atomic
    def handle(self, *args: object, folder: Path, **options: object) -> None:
        if Mapping.objects.filter(provenance=Mapping.Provenance.SEED).exists():
            count = Mapping.objects.filter(provenance=Mapping.Provenance.SEED).count()
            self.stdout.write(f"Seed curation already loaded ({count} mappings); nothing to do.")
            return
        User = get_user_model()
        author, _ = User.objects.get_or_create(
            username=SEED_AUTHOR,
            defaults={"first_name": "Crosswalk seed curation", "is_active": False},
        )
        reviewer, _ = User.objects.get_or_create(
            username=SEED_REVIEWER,
            defaults={"first_name": "Crosswalk seed review", "is_active": False},
        )
        total = 0
        for path in sorted(folder.glob("*.csv")):
            preview = mappings_csv_parse(path.read_bytes())
            if preview.errors:
                problems = "; ".join(str(e) for e in preview.errors[:20])
                raise CommandError(f"{path.name}: {problems} (nothing loaded)")
            created = mappings_csv_commit(
                preview, author=author, provenance=Mapping.Provenance.SEED, publish_as=reviewer
            )
            self.stdout.write(f"{path.name}: {len(created)} published")
            total += len(created)
        self.stdout.write(self.style.SUCCESS(f"Seed curation: {total} mappings published."))
