"""Load the topic map (fixtures/topics) into the database; idempotent, all or nothing."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.topics import TopicsError, topics_load


class Command(BaseCommand):
    help = "Load the topics and the topic tags in fixtures/topics, writing only what differs."

    def add_arguments(self, parser: CommandParser) -> None:
        default = Path(settings.BASE_DIR) / "fixtures" / "topics"
        parser.add_argument("--folder", type=Path, default=default)

    def handle(self, *args: object, folder: Path, **options: object) -> None:
        try:
            report = topics_load(folder)
        except TopicsError as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(
                f"{len(exc.errors)} error(s) in {folder}; nothing was written."
            ) from exc
        for change in report.changes:
            self.stdout.write(f"  {change}")
        if not report.wrote:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Nothing to write: the database already matches the topic map "
                    f"({report.rows} tagged units)."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Topic map loaded: {report.topics_created} topics created, "
                f"{report.topics_updated} updated; {report.tags_added} tags added, "
                f"{report.tags_removed} removed; {report.provisions_marked} units' procedural "
                f"mark or note written ({report.rows} rows)."
            )
        )
