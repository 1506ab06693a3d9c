"""Restore a backup_db archive into the (new, empty) database DATABASE_URL points at."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore FILE (made by backup_db) into the database DATABASE_URL names, which must be "
        "empty; then run migrate and verify_corpus."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            database_restore(archive=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {file}.")
