"""Import an OSCAL 1.2 mapping collection into a mapping set as drafts (dry run unless --commit)."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from crosswalk.importers.oscal_import import oscal_commit, oscal_parse, set_for_import
from crosswalk.models import MappingSet

IMPORTER = "oscal-import"


class Command(BaseCommand):
    help = (
        "Check an OSCAL mapping collection against the schema and the corpus, and with --commit "
        "write every map as a draft in the set SLUG (created from the document's metadata when "
        "new). All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--set", dest="slug", required=True, help="Slug of the mapping set.")
        parser.add_argument("--commit", action="store_true", help="Write (default: dry run).")
        parser.add_argument("--author", default="", help="Username recorded as the author.")

    @transaction.atomic
    def handle(self, *args: object, file: Path, slug: str, commit: bool, author: str, **_: object):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        existing = MappingSet.objects.filter(slug=slug).first()
        preview = oscal_parse(file.read_bytes(), mapping_set=existing)
        for error in preview.errors:
            self.stderr.write(str(error))
        if preview.errors:
            raise CommandError(f"{file.name}: {len(preview.errors)} error(s); nothing imported")
        summary = f"{len(preview.mappings)} mappings and {len(preview.gaps)} gaps"
        if not commit:
            self.stdout.write(f"{file.name}: {summary} would be imported into {slug} (dry run)")
            return
        User = get_user_model()
        if author:
            user = User.objects.filter(username=author).first()
            if user is None:
                raise CommandError(f"no user {author!r}")
        else:
            user, _ = User.objects.get_or_create(
                username=IMPORTER, defaults={"first_name": "OSCAL import", "is_active": False}
            )
        mapping_set = set_for_import(slug, preview.metadata)
        mappings, gaps = oscal_commit(preview, mapping_set=mapping_set, author=user)
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {len(mappings)} mappings and {len(gaps)} gaps imported as drafts "
                f"into {mapping_set.slug}"
            )
        )
