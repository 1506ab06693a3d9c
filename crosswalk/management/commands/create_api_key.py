"""Create a partner API key for an organisation and print it once (only its hash is stored)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from crosswalk.models import Organisation, PartnerAPIKey


class Command(BaseCommand):
    help = "Create an API key for ORGANISATION (created if new); prints the key, shown only once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organisation")
        parser.add_argument("--name", default="command line")

    def handle(self, *args: object, organisation: str, name: str, **options: object) -> None:
        holder, _ = Organisation.objects.get_or_create(name=organisation)
        _, key = PartnerAPIKey.objects.create_key(name=name, organisation=holder)
        self.stdout.write(key)
