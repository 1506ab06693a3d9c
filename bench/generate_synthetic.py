"""Generate (or remove) the synthetic benchmark namespace: jurisdiction ZZ, slugs synthetic-NNN.

Usage: .venv/bin/python bench/generate_synthetic.py [--provisions N] [--mappings N] [--seed N]
       .venv/bin/python bench/generate_synthetic.py --remove

Give the benchmarks a database of their own (DATABASE_URL=postgres://…/crosswalk_bench, migrated,
corpus loaded): the product knows nothing of this namespace, so the admin's heatmap and lists
would show a hundred synthetic instruments beside the real ones.
"""

from __future__ import annotations

import argparse
import sys

from common import django_setup

django_setup()

from synthetic import synthetic_generate, synthetic_remove  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provisions", type=int, default=100_000)
    parser.add_argument("--mappings", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--remove", action="store_true", help="delete the synthetic data")
    options = parser.parse_args(argv)
    if options.remove:
        print(f"Removed synthetic data: {synthetic_remove()}")
        return
    if options.provisions < 1 or options.mappings < 0:
        sys.exit("--provisions must be positive and --mappings not negative")
    try:
        report = synthetic_generate(
            provisions=options.provisions, mappings=options.mappings, seed=options.seed
        )
    except ValueError as exc:
        sys.exit(str(exc))
    print(
        f"Generated {report.instruments} instruments, {report.provisions} provisions, "
        f"{report.mappings} mappings in {report.seconds:.1f} s"
    )
    # As autovacuum would after a bulk load: the visibility map lets the crosswalk read the
    # mappings' covering indexes without the table (index-only scans).
    from django.db import connection

    if not connection.in_atomic_block:  # VACUUM cannot run in a transaction (tests)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) crosswalk_mapping, crosswalk_provision")


if __name__ == "__main__":
    main()
