"""Import mappings from CSV: a dry run by default, `--commit` writes all rows or none."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.importers.mapping_csv import mappings_csv_commit, mappings_csv_parse


class Command(BaseCommand):
    help = "Dry-run a mappings CSV; with --commit, import it as drafts (provenance imported)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--commit", action="store_true")
        parser.add_argument("--author", help="username recorded as the drafts' author")

    def handle(
        self, *args: object, file: Path, commit: bool, author: str | None, **options: object
    ) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        preview = mappings_csv_parse(content)
        for error in preview.errors:
            self.stderr.write(str(error))
        if preview.errors:
            raise CommandError(
                f"{len(preview.errors)} error(s) in {file}; nothing imported "
                f"({len(preview.rows)} row(s) were fine)."
            )
        if not commit:
            self.stdout.write(f"Dry run: {len(preview.rows)} row(s) valid. Add --commit to import.")
            return
        user = None
        if author:
            user = get_user_model().objects.filter(username=author).first()
            if user is None:
                raise CommandError(f"no user {author!r}")
        created = mappings_csv_commit(preview, author=user)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(created)} mapping(s) as drafts."))
