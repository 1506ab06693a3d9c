"""Export provisions or mappings as CSV with the API's filters: `export_csv mappings key=value…`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from tqdm import tqdm

from crosswalk.exports import copy_csv, mapping_export_sql, provision_export_sql
from crosswalk.filters import MappingExportFilter, ProvisionExportFilter
from crosswalk.models import Mapping, Provision


class Command(BaseCommand):
    help = (
        "Write provisions or mappings as CSV. Filters as key=value, the same as the API's "
        "(e.g. source_instrument=eu-ai-act relationship=equal). Mappings: published only "
        "unless --include-drafts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["mappings", "provisions"])
        parser.add_argument("filters", nargs="*", metavar="key=value")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
        parser.add_argument("--bom", action="store_true", help="start with a UTF-8 BOM (Excel)")
        parser.add_argument("--include-drafts", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        pairs = MultiValueDict()
        for item in options["filters"]:
            key, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"filters are key=value, not {item!r}")
            pairs.appendlist(key, value)
        try:
            sql, params, total = self._query(options["kind"], pairs, options["include_drafts"])
        except ValidationError as exc:
            problems = "; ".join(
                f"{field}: {' '.join(str(m) for m in messages)}"
                for field, messages in exc.message_dict.items()
            )
            raise CommandError(f"invalid filters: {problems}") from exc
        chunks = copy_csv(sql, params, bom=options["bom"])
        output = options["output"]
        stream = output.open("wb") if output else sys.stdout.buffer
        # A progress bar only when a person watches: stderr on a terminal and output elsewhere.
        show = output is not None and sys.stderr.isatty()
        with tqdm(total=total, unit=" rows", disable=not show, file=sys.stderr) as progress:
            try:
                for chunk in chunks:
                    stream.write(chunk)
                    progress.update(chunk.count(b"\n"))
            finally:
                if output:
                    stream.close()
        if output:
            self.stderr.write(f"Wrote {total} {options['kind']} to {output}")

    def _query(
        self, kind: str, data: MultiValueDict, drafts: bool
    ) -> tuple[str, dict[str, Any], int]:
        if kind == "mappings":
            base = Mapping.objects.visible(drafts=drafts)
            queryset = MappingExportFilter(data, queryset=base).qs
            sql, params = mapping_export_sql(queryset)
        else:
            filterset = ProvisionExportFilter(data, queryset=Provision.objects.all())
            queryset = filterset.qs
            sql, params = provision_export_sql(
                queryset, day=filterset.day, today=timezone.localdate()
            )
        return sql, params, queryset.count()
