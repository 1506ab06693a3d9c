"""The topic map: load it from fixtures/topics, count what it tags, and say what is not tagged.

fixtures/topics/taxonomy.json holds the topics (two levels, each with a definition and its
origin); fixtures/topics/tags/<instrument slug>.csv holds, per citable unit, its topics or its
procedural mark. Loading checks every row before writing any, then writes only differences,
in one transaction, with history.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from crosswalk.models import Instrument, Provision, ProvisionTopic, Topic
from crosswalk.status import in_force_q
from crosswalk.validators import topic_tag_errors

TAXONOMY = "taxonomy.json"
TAGS = "tags"
TAG_COLUMNS = ["public_id", "topics", "procedural", "note"]
MAX_TOPICS = 3
# Paths under /api/v1/topics/ that a topic slug would shadow.
RESERVED_SLUGS = {"matrix"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TOPIC_FIELDS = ("name", "definition", "origin", "position")


@dataclass(frozen=True)
class RowError:
    """One thing wrong with one row of a topics fixture."""

    file: str
    line: int
    key: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}, {self.key}: {self.message}"


class TopicsError(Exception):
    """The fixtures have errors; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:20]))


@dataclass
class TopicsLoadReport:
    topics_created: int = 0
    topics_updated: int = 0
    tags_added: int = 0
    tags_removed: int = 0
    provisions_marked: int = 0
    rows: int = 0
    changes: list[str] = field(default_factory=list)

    @property
    def wrote(self) -> bool:
        return bool(
            self.topics_created
            or self.topics_updated
            or self.tags_added
            or self.tags_removed
            or self.provisions_marked
        )


@dataclass(frozen=True)
class TagRow:
    file: str
    line: int
    public_id: str
    topics: tuple[str, ...]
    procedural: bool
    note: str


def _read_taxonomy(directory: Path) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The topics in file order, each checked; parents must be top-level topics listed first."""
    path = directory / TAXONOMY
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        return [], [RowError(TAXONOMY, 0, "file", f"cannot read: {exc}")]
    entries = document.get("topics") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        return [], [RowError(TAXONOMY, 0, "file", 'expected {"topics": [...]}')]
    errors: list[RowError] = []
    topics: list[dict[str, Any]] = []
    top_level: set[str] = set()
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        slug = entry.get("slug") if isinstance(entry, dict) else None
        key = slug if isinstance(slug, str) and slug else f"topic {number}"

        def add(message: str, key: str = key, number: int = number) -> None:
            errors.append(RowError(TAXONOMY, number, key, message))

        if not isinstance(entry, dict):
            add("expected an object")
            continue
        unknown = sorted(set(entry) - {"slug", "name", "parent", "definition", "origin"})
        if unknown:
            add(f"unknown keys {', '.join(unknown)}")
        if not isinstance(slug, str) or not SLUG.match(slug):
            add("slug must be lower-case words joined by hyphens")
        elif slug in RESERVED_SLUGS:
            add(f"slug {slug!r} is reserved")
        elif slug in seen:
            add("duplicate slug")
        for name in ("name", "definition"):
            if not isinstance(entry.get(name), str) or not entry[name].strip():
                add(f"{name} is required")
        if not isinstance(entry.get("origin", ""), str):
            add("origin must be text")
        parent = entry.get("parent")
        if parent is not None and parent not in top_level:
            add(f"parent {parent!r} is not a top-level topic listed before it")
        if isinstance(slug, str):
            seen.add(slug)
            if parent is None:
                top_level.add(slug)
        topics.append(
            {
                "slug": slug,
                "name": str(entry.get("name", "")).strip(),
                "parent": parent,
                "definition": str(entry.get("definition", "")).strip(),
                "origin": str(entry.get("origin", "")).strip(),
                "position": number,
            }
        )
    return topics, errors


def _tag_row(raw: dict[str, Any], topic_slugs: set[str]) -> tuple[tuple[str, ...], bool, list[str]]:
    """The row's topics and procedural mark, and what is wrong with them."""
    if None in raw or any(value is None for value in raw.values()):
        return (), False, ["wrong number of cells"]
    slugs = tuple(s.strip() for s in raw["topics"].split(";") if s.strip())
    problems = [f"unknown topic {slug!r}" for slug in slugs if slug not in topic_slugs]
    if len(set(slugs)) != len(slugs):
        problems.append("a topic is repeated")
    flag = raw["procedural"].strip().lower()
    if flag not in ("", "yes"):
        problems.append(f"procedural must be 'yes' or empty, not {raw['procedural']!r}")
    procedural = flag == "yes"
    problems += topic_tag_errors(procedural=procedural, topic_count=len(slugs), required=True)
    return slugs, procedural, problems


def _read_tags(directory: Path, topic_slugs: set[str]) -> tuple[list[TagRow], list[RowError]]:
    """Every row of every tag file, with what is wrong with it on its own."""
    rows: list[TagRow] = []
    errors: list[RowError] = []
    for path in sorted((directory / TAGS).glob("*.csv")):
        name = f"{TAGS}/{path.name}"
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            errors.append(RowError(name, 0, "file", f"not UTF-8: {exc}"))
            continue
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != TAG_COLUMNS:
            errors.append(
                RowError(name, 1, "header", f"expected the columns {','.join(TAG_COLUMNS)}")
            )
            continue
        for line, raw in enumerate(reader, start=2):
            public_id = (raw["public_id"] or "").strip()
            if not public_id:
                errors.append(RowError(name, line, "public_id", "public_id is required"))
                continue
            slugs, procedural, problems = _tag_row(raw, topic_slugs)
            errors += [RowError(name, line, public_id, problem) for problem in problems]
            if not problems:
                note = raw["note"].strip()
                rows.append(TagRow(name, line, public_id, slugs, procedural, note))
    return rows, errors


def _check_provisions(rows: list[TagRow]) -> tuple[dict[str, Provision], list[RowError]]:
    """Every public id must name a citable unit of the instrument its file is named after,
    once across all files."""
    wanted = {row.public_id for row in rows}
    found = {
        p.public_id: p
        for p in Provision.objects.filter(public_id__in=wanted).select_related("instrument")
    }
    citable = set(
        Provision.objects.filter(public_id__in=wanted).citable().values_list("public_id", flat=True)
    )
    errors: list[RowError] = []
    first: dict[str, TagRow] = {}
    for row in rows:
        provision = found.get(row.public_id)
        error = None
        if provision is None:
            error = "no provision has this public id"
        elif provision.instrument.slug != Path(row.file).stem:
            error = f"belongs to {provision.instrument.slug}, not to this file's instrument"
        elif row.public_id not in citable:
            error = f"not a citable unit ({provision.kind} {provision.citation})"
        elif row.public_id in first:
            earlier = first[row.public_id]
            error = f"already tagged in {earlier.file}, line {earlier.line}"
        if error:
            errors.append(RowError(row.file, row.line, row.public_id, error))
        first.setdefault(row.public_id, row)
    return found, errors


def topics_load(directory: Path) -> TopicsLoadReport:
    """Bring the topics and the tags of every listed provision in line with the fixtures.

    Every row is checked first: with any error, TopicsError lists them all and nothing is
    written. Topics and provisions the fixtures do not list are kept as they are.
    """
    taxonomy, errors = _read_taxonomy(directory)
    slugs = {t["slug"] for t in taxonomy if isinstance(t["slug"], str)}
    rows, tag_errors = _read_tags(directory, slugs)
    errors += tag_errors
    provisions, provision_errors = _check_provisions(rows)
    errors += provision_errors
    if errors:
        raise TopicsError(errors)
    return _write(taxonomy, rows, provisions)


@transaction.atomic
def _write(
    taxonomy: list[dict[str, Any]], rows: list[TagRow], provisions: dict[str, Provision]
) -> TopicsLoadReport:
    report = TopicsLoadReport(rows=len(rows))
    reason = f"load_topics: {TAXONOMY}"
    existing = {t.slug: t for t in Topic.objects.select_related("parent")}
    # Parents are listed before their children, so one pass in file order finds them saved.
    for entry in taxonomy:
        topic = existing.get(entry["slug"])
        parent = existing[entry["parent"]] if entry["parent"] else None
        if topic is None:
            topic = Topic(slug=entry["slug"])
        elif all(getattr(topic, k) == entry[k] for k in TOPIC_FIELDS) and (
            topic.parent_id == (parent.pk if parent else None)
        ):
            continue
        created = topic.pk is None
        for key in TOPIC_FIELDS:
            setattr(topic, key, entry[key])
        topic.parent = parent
        topic._change_reason = reason
        topic.save()
        existing[topic.slug] = topic
        if created:
            report.topics_created += 1
        else:
            report.topics_updated += 1
            report.changes.append(f"topic {topic.slug} updated")
    listed = {entry["slug"] for entry in taxonomy}
    for slug in sorted(set(existing) - listed):
        report.changes.append(f"topic {slug} is in the database but not in {TAXONOMY} (kept)")

    ids = [provisions[row.public_id].pk for row in rows]
    current: dict[int, dict[int, ProvisionTopic]] = defaultdict(dict)
    for tag in ProvisionTopic.objects.filter(provision_id__in=ids):
        current[tag.provision_id][tag.topic_id] = tag
    new_tags: list[ProvisionTopic] = []
    marked: list[Provision] = []
    for row in rows:
        provision = provisions[row.public_id]
        wanted = {existing[slug].pk for slug in row.topics}
        have = current.get(provision.pk, {})
        for topic_id in sorted(set(have) - wanted):
            tag = have[topic_id]
            tag._change_reason = f"load_topics: {row.file}"
            tag.delete()  # one by one, so the history records each removal
            report.tags_removed += 1
        new_tags += [
            ProvisionTopic(provision=provision, topic_id=topic_id)
            for topic_id in sorted(wanted - set(have))
        ]
        if (provision.procedural, provision.topic_note) != (row.procedural, row.note):
            provision.procedural, provision.topic_note = row.procedural, row.note
            marked.append(provision)
    if new_tags:
        bulk_create_with_history(
            new_tags, ProvisionTopic, batch_size=500, default_change_reason="load_topics"
        )
        report.tags_added = len(new_tags)
    if marked:
        bulk_update_with_history(
            marked,
            Provision,
            ["procedural", "topic_note"],
            batch_size=500,
            default_change_reason="load_topics",
        )
        report.provisions_marked = len(marked)
    return report


# Reading the map -----------------------------------------------------------------------------


def core_instruments(day: datetime.date) -> QuerySet[Instrument]:
    """The instruments in force on `day`, in display order."""
    return (
        Instrument.objects.filter(in_force_q(day))
        .select_related("jurisdiction")
        .order_by("jurisdiction__code", "slug")
    )


def topic_counts(day: datetime.date) -> dict[int, dict[str, int]]:
    """Per topic id, per instrument slug: the provisions in force on `day` tagged with it (a
    top-level topic counts its children's provisions once each). One query."""
    rows = ProvisionTopic.objects.filter(in_force_q(day, "provision__")).values_list(
        "topic_id", "topic__parent_id", "provision__instrument__slug", "provision_id"
    )
    seen: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for topic_id, parent_id, slug, provision_id in rows:
        seen[topic_id][slug].add(provision_id)
        if parent_id is not None:
            seen[parent_id][slug].add(provision_id)
    return {
        topic_id: {slug: len(ids) for slug, ids in sorted(by_slug.items())}
        for topic_id, by_slug in seen.items()
    }


@dataclass
class InstrumentCoverage:
    """How much of an instrument's citable units the topic map reaches."""

    instrument: Instrument
    citable_units: int = 0
    tagged: int = 0
    procedural: int = 0
    untagged: list[Provision] = field(default_factory=list)
    too_many: list[Provision] = field(default_factory=list)

    @property
    def share_covered(self) -> float:
        """Tagged or procedural, over all citable units."""
        if not self.citable_units:
            return 1.0
        return (self.tagged + self.procedural) / self.citable_units


def topic_coverage(day: datetime.date) -> list[InstrumentCoverage]:
    """Per core instrument in force on `day`: its citable units in force that day, how many
    carry 1–3 topics, how many are procedural, and the ones that are neither. Two queries."""
    instruments = list(core_instruments(day))
    report = {i.pk: InstrumentCoverage(instrument=i) for i in instruments}
    units = (
        Provision.objects.filter(instrument__in=instruments)
        .filter(in_force_q(day))
        .citable()
        .only("pk", "public_id", "citation", "kind", "heading", "instrument_id", "procedural")
        .order_by("instrument_id", "position")
    )
    tag_counts: dict[int, int] = defaultdict(int)
    for provision_id in ProvisionTopic.objects.filter(
        provision__instrument__in=instruments
    ).values_list("provision_id", flat=True):
        tag_counts[provision_id] += 1
    for unit in units:
        entry = report[unit.instrument_id]
        entry.citable_units += 1
        count = tag_counts.get(unit.pk, 0)
        if unit.procedural and not count:
            entry.procedural += 1
        elif 1 <= count <= MAX_TOPICS and not unit.procedural:
            entry.tagged += 1
        elif count > MAX_TOPICS or (count and unit.procedural):
            entry.too_many.append(unit)
        else:
            entry.untagged.append(unit)
    return [report[i.pk] for i in instruments]


def topic_matrix(day: datetime.date) -> dict[str, Any]:
    """Topics × core instruments: provisions in force on `day` per topic and instrument, with
    each instrument's coverage. Four queries."""
    coverage = topic_coverage(day)
    counts = topic_counts(day)
    topics = list(Topic.objects.select_related("parent").order_by("position", "slug"))
    ordered = _tree_order(topics)
    slugs = [c.instrument.slug for c in coverage]
    return {
        "as_of": day,
        "coverage": coverage,
        "topics": [
            {
                "topic": topic,
                "counts": [counts.get(topic.pk, {}).get(slug, 0) for slug in slugs],
                "total": sum(counts.get(topic.pk, {}).get(slug, 0) for slug in slugs),
            }
            for topic in ordered
        ],
    }


def _tree_order(topics: Iterable[Topic]) -> list[Topic]:
    """Each top-level topic followed by its children, in map order."""
    children: dict[int | None, list[Topic]] = defaultdict(list)
    for topic in topics:
        children[topic.parent_id].append(topic)
    ordered = []
    for top in children[None]:
        ordered.append(top)
        ordered.extend(children[top.pk])
    return ordered


def topic_compare(
    *,
    topic: Topic,
    instruments: list[Instrument],
    as_of: datetime.date | None,
    today: datetime.date,
) -> dict[str, Any]:
    """Each instrument's provisions on `topic` (a top-level topic includes its children), side
    by side in the order asked. Without `as_of`: those in force today, applicable or not; with
    it: those in force and applicable that day, with that day's text. Five queries."""
    day = as_of or today
    tagged = Provision.objects.filter(instrument__in=instruments).on_topic(topic.pk)
    rows = tagged.as_of(day) if as_of else tagged.in_force_on(day)
    rows = (
        rows.defer("search_vector", "extra")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("position", "slug")))
        .order_by("instrument_id", "position")
    )
    by_instrument: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for provision in rows:
        by_instrument[provision.instrument_id].append(_compare_row(provision, day))
    children = sorted(topic.children.all(), key=lambda t: (t.position, t.slug))
    return {
        "topic": {
            "slug": topic.slug,
            "name": topic.name,
            "parent": topic.parent.slug if topic.parent else None,
            "definition": topic.definition,
        },
        "includes": [topic.slug, *(child.slug for child in children)],
        "as_of": as_of,
        "in_force_on": day,
        "instruments": [
            {
                "instrument": instrument.slug,
                "short_title": instrument.short_title,
                "jurisdiction": instrument.jurisdiction.code,
                "count": len(by_instrument[instrument.pk]),
                "provisions": by_instrument[instrument.pk],
            }
            for instrument in instruments
        ],
    }


def _compare_row(provision: Provision, day: datetime.date) -> dict[str, Any]:
    texts = getattr(provision, "texts_on_day", None)
    source = texts[0] if texts else provision
    # No English beside an original: say so (null), as the provision endpoints do.
    text = source.text or (None if source.text_original else "")
    return {
        "public_id": provision.public_id,
        "citation": provision.citation,
        "kind": provision.kind,
        "heading": source.heading,
        "text": text,
        "heading_original": source.heading_original,
        "text_original": source.text_original,
        "original_language": source.original_language,
        "status": provision.status_on(day),
        "topics": [t.slug for t in provision.topics.all()],
    }
