"""Deterministic synthetic data for benchmarks, in its own namespace, loaded by COPY.

Everything lives under jurisdiction `ZZ` and instrument slugs `synthetic-NNN`: the real corpus
never uses either, and `synthetic_remove()` deletes exactly this namespace. Benchmark code only
(bench/generate_synthetic.py): nothing in `crosswalk` knows this namespace.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from crosswalk.models import Instrument, Jurisdiction, default_mapping_set_pk

JURISDICTION = "ZZ"
SLUG_PREFIX = "synthetic-"
PROVISIONS_PER_INSTRUMENT = 1000
START = datetime.date(2024, 1, 1)

WORDS = (
    "artificial intelligence system provider deployer operator risk management transparency "
    "accountability human oversight safety security robustness accuracy data governance bias "
    "fairness privacy personal information documentation record keeping incident reporting "
    "conformity assessment market surveillance authority competent national public sector "
    "research development innovation promotion international cooperation standards testing "
    "evaluation monitoring lifecycle model general purpose systemic capability threshold compute "
    "training dataset quality representative content labelling watermark disclosure notice user "
    "rights explanation complaint remedy penalty fine obligation measure guideline principle "
    "shall should may appropriate reasonable proportionate necessary relevant including "
    "ensure establish maintain implement review update publish inform cooperate assess"
).split(" ")
RELATIONSHIPS = (
    ["intersects_with"] * 6 + ["subset_of"] * 2 + ["superset_of"] * 2 + ["equal", "not_related"]
)


@dataclass
class SyntheticReport:
    instruments: int
    provisions: int
    mappings: int
    seconds: float


SYLLABLES = "ka ri to mu se na po li ve da gu ro shi ne ba te lo mi su fa".split()


def _vocabulary(rng: random.Random, size: int = 12_000) -> tuple[list[str], list[float]]:
    """Pseudo-words with Zipfian weights, so term frequencies look like natural language."""
    words = sorted({"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(size)})
    rng.shuffle(words)
    cumulative, total = [], 0.0
    for rank in range(len(words)):
        total += 1.0 / (rank + 2)
        cumulative.append(total)
    return words, cumulative


class _Writer:
    """Sentences mixing policy words (30% of tokens) with a Zipfian filler vocabulary."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.filler, self.weights = _vocabulary(rng)

    def sentence(self) -> str:
        rng, length = self.rng, self.rng.randint(8, 24)
        filler = rng.choices(self.filler, cum_weights=self.weights, k=length)
        words = [rng.choice(WORDS) if rng.random() < 0.3 else word for word in filler]
        return " ".join(words).capitalize() + "."

    def text(self) -> str:
        """Paragraph lengths close to the corpus: a median near 300 characters, a long tail."""
        target = int(min(4000, max(40, self.rng.lognormvariate(5.7, 0.7))))
        parts: list[str] = []
        size = 0
        while size < target:
            parts.append(self.sentence())
            size += len(parts[-1]) + 1
        return " ".join(parts)


def _ids(sequence_table: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [sequence_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def synthetic_generate(
    *, provisions: int, mappings: int, seed: int, progress: Callable[[str], None] = print
) -> SyntheticReport:
    """Create `provisions` provisions (1,000 per instrument) and `mappings` published mappings."""
    started = timezone.now()
    if synthetic_instruments().exists():
        raise ValueError("synthetic data already present: remove it first (--remove)")
    rng = random.Random(seed)
    writer = _Writer(rng)
    jurisdiction, _ = Jurisdiction.objects.get_or_create(
        code=JURISDICTION, defaults={"name": "Synthetic (benchmark data)"}
    )
    count = max(1, -(-provisions // PROVISIONS_PER_INSTRUMENT))
    instruments = Instrument.objects.bulk_create(
        Instrument(
            slug=f"{SLUG_PREFIX}{n:03d}",
            title=f"Synthetic instrument {n:03d} (benchmark data, not law)",
            short_title=f"Synthetic {n:03d}",
            jurisdiction=jurisdiction,
            issuing_body="Crosswalk benchmark generator",
            instrument_type=Instrument.Type.GUIDELINES,
            legal_force=Instrument.LegalForce.NON_BINDING,
            status=Instrument.Status.IN_FORCE,
            in_force_from=START,
            notes=f"Generated by generate_synthetic --seed {seed}.",
        )
        for n in range(count)
    )
    provision_ids = _ids("crosswalk_provision", provisions)
    now = timezone.now()
    owner: list[int] = []
    progress(f"writing {provisions} provisions…")
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY crosswalk_provision (id, instrument_id, position, kind, number, label, "
            "label_original, citation, eid, public_id, heading, text, heading_original, "
            "text_original, original_language, in_force_from, end_reason, end_note, applies_from, "
            "application_note, application_dates, extra, created_at, updated_at, footnotes, "
            "translation_note) FROM STDIN"
        ) as copy,
    ):
        for index, pk in enumerate(provision_ids):
            instrument = instruments[index // PROVISIONS_PER_INSTRUMENT]
            number = index % PROVISIONS_PER_INSTRUMENT + 1
            owner.append(instrument.pk)
            copy.write_row(
                (
                    pk, instrument.pk, number, "article", str(number), f"Article {number}", "",
                    f"Article {number}", f"art_{number}", f"{instrument.slug}:art_{number}",
                    writer.sentence()[:120], writer.text(), "", "", "", START, "", "", START, "",
                    "[]", "{}", now, now, "[]", "",
                )
            )  # fmt: skip
    progress("writing dated texts…")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO crosswalk_provisiontext (provision_id, valid_from, heading, text, "
            "heading_original, text_original, original_language, changed_by, source_file, "
            "footnotes, translation_note) "
            "SELECT id, in_force_from, heading, text, '', '', '', 'synthetic', '', '[]', '' "
            "FROM crosswalk_provision WHERE instrument_id = ANY(%s)",
            [[i.pk for i in instruments]],
        )
    progress(f"writing {mappings} mappings…")
    reviewer = _reviewer_id()  # before COPY: the connection serves nothing else while it runs
    mapping_set = default_mapping_set_pk()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(
            "COPY crosswalk_mapping (source_id, target_id, source_instrument_id, "
            "target_instrument_id, relationship, strength, rationale_type, rationale, status, "
            "provenance, published_at, version, created_at, updated_at, reviewer_id, "
            "review_comment, text_changed, mapping_set_id) FROM STDIN"
        ) as copy,
    ):
        for source, target in _pairs(rng, provision_ids, owner, mappings):
            copy.write_row(
                (
                    provision_ids[source], provision_ids[target], owner[source], owner[target],
                    rng.choice(RELATIONSHIPS), rng.randint(1, 10),
                    rng.choice(["syntactic", "semantic", "functional"]), writer.sentence(),
                    "published", "imported", now, 1, now, now, reviewer, "", False, mapping_set,
                )
            )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crosswalk_provision; ANALYZE crosswalk_mapping")
    seconds = (timezone.now() - started).total_seconds()
    return SyntheticReport(len(instruments), provisions, mappings, seconds)


def _pairs(
    rng: random.Random, ids: list[int], owner: list[int], count: int
) -> Iterator[tuple[int, int]]:
    """Distinct (source, target) index pairs across different instruments."""
    seen: set[tuple[int, int]] = set()
    size = len(ids)
    if count > size * (size - PROVISIONS_PER_INSTRUMENT):
        raise ValueError("more mappings requested than distinct cross-instrument pairs exist")
    while len(seen) < count:
        source, target = rng.randrange(size), rng.randrange(size)
        if owner[source] == owner[target] or (source, target) in seen:
            continue
        seen.add((source, target))
        yield source, target


def _reviewer_id() -> int:
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(
        username="synthetic-reviewer", defaults={"is_active": False}
    )
    return user.pk


def synthetic_instruments() -> QuerySet:
    """The synthetic namespace's instruments."""
    return Instrument.objects.filter(slug__startswith=SLUG_PREFIX, jurisdiction__code=JURISDICTION)


@transaction.atomic
def synthetic_remove() -> dict[str, int]:
    """Delete the synthetic namespace and nothing else."""
    instruments = list(synthetic_instruments().values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM crosswalk_mapping WHERE source_instrument_id = ANY(%s) "
            "OR target_instrument_id = ANY(%s)",
            [instruments, instruments],
        )
        removed_mappings = cursor.rowcount
        cursor.execute(
            "DELETE FROM crosswalk_provisiontext USING crosswalk_provision p "
            "WHERE provision_id = p.id AND p.instrument_id = ANY(%s)",
            [instruments],
        )
        cursor.execute(
            "DELETE FROM crosswalk_provision WHERE instrument_id = ANY(%s)", [instruments]
        )
        removed_provisions = cursor.rowcount
    Instrument.objects.filter(pk__in=instruments).delete()
    Jurisdiction.objects.filter(code=JURISDICTION).delete()
    return {
        "instruments": len(instruments),
        "provisions": removed_provisions,
        "mappings": removed_mappings,
    }
