"""Generate (or remove) the synthetic benchmark namespace: jurisdiction ZZ, slugs synthetic-NNN."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from crosswalk.synthetic import synthetic_generate, synthetic_remove


class Command(BaseCommand):
    help = "Load deterministic synthetic provisions and mappings by COPY, or --remove them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--provisions", type=int, default=100_000)
        parser.add_argument("--mappings", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--remove", action="store_true", help="delete the synthetic data")

    def handle(self, *args: object, **options: object) -> None:
        if options["remove"]:
            removed = synthetic_remove()
            self.stdout.write(f"Removed synthetic data: {removed}")
            return
        if options["provisions"] < 1 or options["mappings"] < 0:
            raise CommandError("--provisions must be positive and --mappings not negative")
        try:
            report = synthetic_generate(
                provisions=options["provisions"],
                mappings=options["mappings"],
                seed=options["seed"],
                progress=self.stdout.write,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {report.instruments} instruments, {report.provisions} provisions, "
                f"{report.mappings} mappings in {report.seconds:.1f} s"
            )
        )
