"""Publish the seed curation (fixtures/mappings/*.csv) once per file."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crosswalk.importers.mapping_csv import mappings_csv_commit, mappings_csv_parse
from crosswalk.models import Mapping

SEED_AUTHOR = "seed-curation"
SEED_REVIEWER = "seed-review"


def _pairs(content: bytes) -> set[tuple[str, str]]:
    """The (source, target) public ids a seed file names."""
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {((row.get("source") or "").strip(), (row.get("target") or "").strip()) for row in rows}


class Command(BaseCommand):
    help = "Publish the seed mappings in fixtures/mappings (files already loaded are skipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        default = Path(settings.BASE_DIR) / "fixtures" / "mappings"
        parser.add_argument("--folder", type=Path, default=default)

    @transaction.atomic
    def handle(self, *args: object, folder: Path, **options: object) -> None:
        User = get_user_model()
        author, _ = User.objects.get_or_create(
            username=SEED_AUTHOR,
            defaults={"first_name": "Crosswalk seed curation", "is_active": False},
        )
        reviewer, _ = User.objects.get_or_create(
            username=SEED_REVIEWER,
            defaults={"first_name": "Crosswalk seed review", "is_active": False},
        )
        loaded = set(
            Mapping.objects.filter(provenance=Mapping.Provenance.SEED).values_list(
                "source__public_id", "target__public_id"
            )
        )
        total = 0
        for path in sorted(folder.glob("*.csv")):
            content = path.read_bytes()
            pairs = _pairs(content)
            if pairs and pairs <= loaded:
                self.stdout.write(f"{path.name}: already loaded ({len(pairs)} mappings)")
                continue
            if pairs & loaded:
                self.stderr.write(
                    f"{path.name}: skipped, {len(pairs & loaded)} of its {len(pairs)} rows are "
                    "loaded already (a file changed after loading; reload on a fresh database)"
                )
                continue
            preview = mappings_csv_parse(content)
            if preview.errors:
                problems = "; ".join(str(e) for e in preview.errors[:20])
                raise CommandError(f"{path.name}: {problems} (nothing loaded)")
            created = mappings_csv_commit(
                preview, author=author, provenance=Mapping.Provenance.SEED, publish_as=reviewer
            )
            methods = Counter(row.method or "unrecorded" for row in preview.rows)
            how = ", ".join(f"{count} {method}" for method, count in sorted(methods.items()))
            self.stdout.write(f"{path.name}: {len(created)} published (method: {how})")
            total += len(created)
        if total:
            self.stdout.write(self.style.SUCCESS(f"Seed curation: {total} mappings published."))
        else:
            self.stdout.write("Seed curation already loaded; nothing to do.")
