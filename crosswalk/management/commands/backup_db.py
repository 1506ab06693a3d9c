"""Write a pg_dump archive of the database (with the pg_dump matching the server)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.backup import BackupError, database_backup


class Command(BaseCommand):
    help = "Back up the whole database to FILE (pg_dump custom format; restore with restore_db)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: object, file: Path, **options: object) -> None:
        try:
            database_backup(output=file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {file} ({file.stat().st_size} bytes).")
