"""Publish the seed curation once per file: mappings (fixtures/mappings/*.csv), then gaps
(fixtures/gaps/*.csv: source,target_instrument,rationale,method), in the project's own set."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crosswalk.importers.gap_csv import gaps_csv_commit, gaps_csv_parse
from crosswalk.importers.mapping_csv import mappings_csv_commit, mappings_csv_parse
from crosswalk.models import Gap, Mapping, default_mapping_set

SEED_AUTHOR = "seed-curation"
SEED_REVIEWER = "seed-review"


def _pairs(content: bytes, target: str = "target") -> set[tuple[str, str]]:
    """The (source, target) keys a seed file names (target: a public id, or for gaps an
    instrument slug)."""
    rows = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
    return {((row.get("source") or "").strip(), (row.get(target) or "").strip()) for row in rows}


class Command(BaseCommand):
    help = "Publish the seed mappings in fixtures/mappings (files already loaded are skipped)."

    def add_arguments(self, parser: CommandParser) -> None:
        fixtures = Path(settings.BASE_DIR) / "fixtures"
        parser.add_argument("--folder", type=Path, default=fixtures / "mappings")
        parser.add_argument("--gaps-folder", type=Path, default=fixtures / "gaps")

    @transaction.atomic
    def handle(self, *args: object, folder: Path, gaps_folder: Path, **options: object) -> None:
        User = get_user_model()
        author, _ = User.objects.get_or_create(
            username=SEED_AUTHOR,
            defaults={"first_name": "Crosswalk seed curation", "is_active": False},
        )
        reviewer, _ = User.objects.get_or_create(
            username=SEED_REVIEWER,
            defaults={"first_name": "Crosswalk seed review", "is_active": False},
        )
        mapping_set = default_mapping_set()
        loaded_mappings = set(
            Mapping.objects.filter(provenance=Mapping.Provenance.SEED).values_list(
                "source__public_id", "target__public_id"
            )
        )
        loaded_gaps = set(
            Gap.objects.filter(provenance=Mapping.Provenance.SEED).values_list(
                "source__public_id", "target_instrument__slug"
            )
        )
        total = self._load_files(
            folder, "mappings", loaded_mappings, "target", mappings_csv_parse,
            lambda preview: mappings_csv_commit(
                preview, author=author, provenance=Mapping.Provenance.SEED, publish_as=reviewer,
                mapping_set=mapping_set,
            ),
        )  # fmt: skip
        gaps = self._load_files(
            gaps_folder, "gaps", loaded_gaps, "target_instrument", gaps_csv_parse,
            lambda preview: gaps_csv_commit(
                preview, author=author, provenance=Mapping.Provenance.SEED, publish_as=reviewer,
                mapping_set=mapping_set,
            ),
        )  # fmt: skip
        if total or gaps:
            self.stdout.write(
                self.style.SUCCESS(f"Seed curation: {total} mappings and {gaps} gaps published.")
            )
        else:
            self.stdout.write("Seed curation already loaded; nothing to do.")

    def _load_files(
        self,
        folder: Path,
        noun: str,
        loaded: set[tuple[str, str]],
        target: str,
        parse: Callable[[bytes], Any],
        commit: Callable[[Any], list],
    ) -> int:
        """Publish each file of `folder` once: skipped when all its rows are loaded, refused
        (with a message) when only some are, all or nothing otherwise."""
        total = 0
        for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
            content = path.read_bytes()
            keys = _pairs(content, target=target)
            if keys and keys <= loaded:
                self.stdout.write(f"{path.name}: already loaded ({len(keys)} {noun})")
                continue
            if keys & loaded:
                rows = "rows" if noun == "mappings" else noun
                self.stderr.write(
                    f"{path.name}: skipped, {len(keys & loaded)} of its {len(keys)} {rows} are "
                    "loaded already (a file changed after loading; reload on a fresh database)"
                )
                continue
            preview = parse(content)
            if preview.errors:
                problems = "; ".join(str(e) for e in preview.errors[:20])
                raise CommandError(f"{path.name}: {problems} (nothing loaded)")
            created = commit(preview)
            methods = Counter(row.method or "unrecorded" for row in preview.rows)
            how = ", ".join(f"{count} {method}" for method, count in sorted(methods.items()))
            published = "published" if noun == "mappings" else "gaps published"
            self.stdout.write(f"{path.name}: {len(created)} {published} (method: {how})")
            total += len(created)
        return total
