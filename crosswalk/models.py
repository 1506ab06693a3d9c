"""Domain model: jurisdictions, instruments, provisions with dated texts, topics and mappings."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Func, Q
from rest_framework_api_key.models import AbstractAPIKey
from simple_history.models import HistoricalRecords

from crosswalk.querysets import (
    ChangeStampMixin,
    MappingQuerySet,
    ProvisionQuerySet,
    ProvisionTextQuerySet,
)
from crosswalk.status import status_of


class DateRange(Func):
    """daterange(lower, upper, '[]'): both dates inclusive, NULL upper = open-ended."""

    function = "daterange"
    output_field = DateRangeField()


class Jurisdiction(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Instrument(models.Model):
    class Type(models.TextChoices):
        STATUTE = "statute"
        REGULATION = "regulation"
        EXECUTIVE_ORDER = "executive_order", "executive order"
        RECOMMENDATION = "recommendation"
        PRINCIPLES = "principles"
        CODE_OF_CONDUCT = "code_of_conduct", "code of conduct"
        GUIDELINES = "guidelines"
        FRAMEWORK = "framework"

    class LegalForce(models.TextChoices):
        BINDING = "binding"
        NON_BINDING = "non_binding", "non-binding"

    class Status(models.TextChoices):
        PROPOSED = "proposed"
        IN_FORCE = "in_force", "in force"
        REVOKED = "revoked"
        SUPERSEDED = "superseded"

    slug = models.SlugField(max_length=80, unique=True)
    title = models.TextField()
    short_title = models.CharField(max_length=200)
    title_original = models.TextField(blank=True)
    original_language = models.CharField(max_length=8, default="en")
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT)
    issuing_body = models.CharField(max_length=300)
    instrument_type = models.CharField(max_length=32, choices=Type.choices)
    legal_force = models.CharField(max_length=16, choices=LegalForce.choices)
    status = models.CharField(max_length=16, choices=Status.choices)
    adopted_on = models.DateField(null=True, blank=True)
    in_force_from = models.DateField(null=True, blank=True)
    in_force_until = models.DateField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        "Provision", null=True, blank=True, on_delete=models.SET_NULL, related_name="revokes"
    )
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    official_identifier = models.CharField(max_length=300, blank=True)
    identifiers = models.JSONField(default=dict, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    reuse_terms = models.TextField(blank=True)
    english_text_status = models.TextField(
        blank=True, help_text="Legal standing of the English text, e.g. a reference translation."
    )
    amended_by = models.JSONField(default=list, blank=True)
    preamble = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)
    versions = models.JSONField(
        default=list,
        blank=True,
        help_text="Which version of the text was current when: label, valid_from, valid_until, "
        "source_file.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_until__isnull=True)
                | Q(in_force_from__isnull=True)
                | Q(in_force_until__gte=F("in_force_from")),
                name="instrument_in_force_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="revoked") | Q(in_force_until__isnull=False),
                name="instrument_revoked_has_end",
            ),
        ]

    def __str__(self) -> str:
        return self.short_title


class Topic(models.Model):
    """A subject of the topic map, the hub through which any two instruments compare.

    Two levels: a top-level topic groups the topics under it; a provision tagged with a child
    counts for its parent too.
    """

    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        limit_choices_to={"parent__isnull": True},
        help_text="Empty for a top-level topic; otherwise a top-level topic (two levels only).",
    )
    definition = models.TextField(help_text="What a provision must be about to carry it.")
    origin = models.TextField(
        blank=True,
        help_text="Where the topic comes from: the OECD principle, Guidelines principle or EU "
        "chapter that names it.",
    )
    position = models.PositiveIntegerField(default=0, help_text="Order in the topic map.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "slug"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=F("id")), name="topic_not_own_parent"),
            models.CheckConstraint(condition=~Q(definition=""), name="topic_definition_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Provision(models.Model):
    """One addressable unit of an instrument; its words over time live in ProvisionText."""

    class EndReason(models.TextChoices):
        NONE = "", "—"
        DELETED = "deleted"
        REVOKED = "revoked"
        SUPERSEDED = "superseded"

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="provisions")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    position = models.PositiveIntegerField(help_text="Document order within the instrument.")
    kind = models.CharField(max_length=32)
    number = models.CharField(max_length=64, blank=True)
    label = models.CharField(max_length=200, blank=True)
    label_original = models.CharField(max_length=200, blank=True)
    citation = models.CharField(max_length=255, help_text="The source's own reference, verbatim.")
    eid = models.CharField(
        max_length=255, help_text="Akoma-Ntoso-style path within the instrument."
    )
    public_id = models.CharField(max_length=340, unique=True, editable=False)
    # Latest dated text, kept in step by crosswalk.corpus so lists and search need no join.
    heading = models.TextField(blank=True)
    text = models.TextField(blank=True)
    heading_original = models.TextField(blank=True)
    text_original = models.TextField(blank=True)
    original_language = models.CharField(max_length=8, blank=True)
    footnotes = models.JSONField(default=list, blank=True)
    translation_note = models.TextField(blank=True)
    in_force_from = models.DateField()
    in_force_until = models.DateField(null=True, blank=True)
    end_reason = models.CharField(
        max_length=16, choices=EndReason.choices, blank=True, default=EndReason.NONE
    )
    ended_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="ends"
    )
    end_note = models.TextField(blank=True)
    applies_from = models.DateField(null=True, blank=True)
    applies_until = models.DateField(null=True, blank=True)
    application_note = models.TextField(blank=True)
    application_dates = models.JSONField(
        default=list, blank=True, help_text="Every date of application with what it applies to."
    )
    extra = models.JSONField(default=dict, blank=True)
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="provisions", through="ProvisionTopic"
    )
    # Database defaults too: bulk loads by COPY (the benchmarks) name only the columns they fill.
    procedural = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A citable unit with no subject of its own (entry into force, final "
        "provisions, delegation clauses): it carries no topic.",
    )
    topic_note = models.TextField(
        blank=True,
        db_default="",
        help_text="Why the topics (or the procedural mark) were chosen, if not plain.",
    )
    search_vector = models.GeneratedField(
        expression=SearchVector("heading", weight="A", config="english")
        + SearchVector("text", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["search_vector"])

    objects = ProvisionQuerySet.as_manager()

    class Meta:
        ordering = ["instrument_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "citation"], name="provision_citation_uniq"
            ),
            models.UniqueConstraint(fields=["instrument", "eid"], name="provision_eid_uniq"),
            models.UniqueConstraint(
                fields=["instrument", "position"],
                name="provision_position_uniq",
                # Deferred so a reordering load can move positions within one transaction.
                deferrable=models.Deferrable.DEFERRED,
            ),
            # Target of the composite foreign keys tying a mapping's instruments to its provisions.
            models.UniqueConstraint(
                fields=["id", "instrument"], name="provision_id_instrument_uniq"
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="provision_not_own_parent"),
            models.CheckConstraint(condition=~Q(eid=""), name="provision_eid_not_empty"),
            models.CheckConstraint(condition=~Q(citation=""), name="provision_citation_not_empty"),
            models.CheckConstraint(
                condition=Q(in_force_until__isnull=True)
                | Q(in_force_until__gte=F("in_force_from")),
                name="provision_in_force_range",
            ),
            models.CheckConstraint(
                condition=Q(applies_until__isnull=True)
                | Q(applies_from__isnull=True)
                | Q(applies_until__gte=F("applies_from")),
                name="provision_applies_range",
            ),
            models.CheckConstraint(
                condition=Q(end_reason="") | Q(in_force_until__isnull=False),
                name="provision_end_reason_has_date",
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="provision_search_gin"),
            GinIndex(
                fields=["citation"], name="provision_citation_trgm", opclasses=["gin_trgm_ops"]
            ),
            GinIndex(fields=["heading"], name="provision_heading_trgm", opclasses=["gin_trgm_ops"]),
            # Japanese and Korean search is by substring of the originals (querysets.search):
            # trigram indexes over the rows that have one.
            GinIndex(
                fields=["text_original"],
                name="provision_text_original_trgm",
                opclasses=["gin_trgm_ops"],
                condition=~Q(text_original=""),
            ),
            GinIndex(
                fields=["heading_original"],
                name="provision_heading_orig_trgm",
                opclasses=["gin_trgm_ops"],
                condition=~Q(heading_original=""),
            ),
            # A term too short for a trigram (two characters) reads the rows with an original
            # text through these instead of the whole table.
            models.Index(
                fields=["id"], name="provision_has_text_original", condition=~Q(text_original="")
            ),
            models.Index(
                fields=["id"],
                name="provision_has_heading_orig",
                condition=~Q(heading_original=""),
            ),
            models.Index(fields=["instrument", "kind"], name="provision_instrument_kind"),
            models.Index(fields=["updated_at"], name="provision_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_title} {self.citation}"

    def labelled(self, width: int = 60) -> str:
        """Instrument, citation and heading, how pickers and titles name a provision: "EU AI Act
        Article 4 (AI literacy)". A paragraph without a heading takes its nearest ancestor's
        (select_related the parents to save the queries); failing that, its text's start."""
        node: Provision | None = self
        heading = ""
        for _ in range(4):
            if node is None or heading:
                break
            heading, node = node.heading.strip(), node.parent
        heading = " ".join((heading or self.text).split())
        if heading.startswith("(") and heading.endswith(")"):
            heading = heading[1:-1]  # Japanese headings come in brackets
        if len(heading) > width:
            heading = heading[: width - 1].rstrip() + "…"
        return f"{self} ({heading})" if heading else str(self)

    def status_on(self, day: datetime.date) -> str:
        """in_force, not_yet_in_force, not_yet_applicable, no_longer_applicable or why it ended
        (the rule is crosswalk.status)."""
        return status_of(self, day)


class ProvisionTopic(models.Model):
    """One topic tag of a provision: a reviewed judgement, so each one has its history."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="topic_tags")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="tags")
    history = HistoricalRecords()

    class Meta:
        # The table the plain many-to-many field created (migration 0007 keeps it).
        db_table = "crosswalk_provision_topics"
        ordering = ["provision_id", "topic_id"]
        constraints = [
            models.UniqueConstraint(fields=["provision", "topic"], name="provision_topic_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.provision_id} → {self.topic_id}"


class ProvisionText(models.Model):
    """What a provision said during [valid_from, valid_until] (both inclusive; NULL = still)."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="texts")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    heading = models.TextField(blank=True)
    text = models.TextField(blank=True)
    heading_original = models.TextField(blank=True)
    text_original = models.TextField(blank=True)
    original_language = models.CharField(max_length=8, blank=True)
    changed_by = models.TextField(
        blank=True, help_text="The act (and its point) that made this text."
    )
    source_file = models.CharField(max_length=200, blank=True)
    footnotes = models.JSONField(
        default=list, blank=True, help_text='The notes this text calls: [{"number", "text"}].'
    )
    translation_note = models.TextField(
        blank=True,
        help_text="What the English is when it is not a translation of this text, or why there "
        "is none.",
    )
    history = HistoricalRecords()

    objects = ProvisionTextQuerySet.as_manager()

    class Meta:
        ordering = ["provision_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["provision", "valid_from"], name="text_valid_from_uniq"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="text_valid_range",
            ),
            ExclusionConstraint(
                name="text_periods_no_overlap",
                expressions=[
                    ("provision", RangeOperators.EQUAL),
                    (
                        DateRange("valid_from", "valid_until", RangeBoundary(True, True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
            ),
        ]

    def __str__(self) -> str:
        until = self.valid_until.isoformat() if self.valid_until else "…"
        return f"{self.provision_id} {self.valid_from.isoformat()}–{until}"


class Reference(models.Model):
    """A legal link stated by a provision's text: it implements, revokes or reproduces another.

    Read from the texts, not curated: no workflow, but history. The dates are those of the
    dated text that states the link.
    """

    class Type(models.TextChoices):
        IMPLEMENTS = "implements"
        REVOKES = "revokes"
        REPRODUCES = "reproduces"

    source = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="references")
    target = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="referenced_by")
    type = models.CharField(max_length=16, choices=Type.choices)
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["source_id", "type", "target_id", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type", "valid_from"], name="reference_uniq"
            ),
            models.CheckConstraint(condition=~Q(source=F("target")), name="reference_not_self"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="reference_valid_range",
            ),
        ]
        indexes = [models.Index(fields=["target", "type"], name="reference_target_type")]

    def __str__(self) -> str:
        return f"{self.source.public_id} {self.type} {self.target.public_id}"


class MappingSet(models.Model):
    """A named body of mappings and gaps with its provenance: the project's own curation is one,
    a partner's imported crosswalk another."""

    class Method(models.TextChoices):
        HUMAN = "human"
        AUTOMATION = "automation"
        HYBRID = "hybrid"

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    made_by = models.CharField(max_length=300, help_text="Who made it (a person or organisation).")
    made_on = models.DateField(help_text="When it was made or handed over.")
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.HUMAN)
    licence = models.CharField(max_length=200, blank=True)
    version = models.CharField(max_length=64, blank=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


# The project's own curation: the seed files and whatever curators add in the admin.
DEFAULT_SET_SLUG = "crosswalk-curation"


def default_mapping_set() -> MappingSet:
    """The project's own set (created by migration; re-created if someone deleted it)."""
    mapping_set, _ = MappingSet.objects.get_or_create(
        slug=DEFAULT_SET_SLUG,
        defaults={
            "name": "Crosswalk curation",
            "made_by": "Crosswalk project curators",
            "made_on": datetime.date(2026, 1, 1),
            "method": MappingSet.Method.HUMAN,
            "description": "The project's own reviewed mappings and gaps: the seed curation in "
            "fixtures/ and what curators add in the admin.",
        },
    )
    return mapping_set


def default_mapping_set_pk() -> int:
    """A mapping or gap made without naming its set joins the project's own."""
    return default_mapping_set().pk


class TextEmbedding(models.Model):
    """The sentence embedding of one dated text in one language (crosswalk.embeddings).

    A Japanese or Korean text has two: its original and its English translation. Kept beside
    ProvisionText rather than in it so that its history does not copy vectors. `input_hash`
    identifies the embedded string: a vector is recomputed only when that string changes. Other
    models' vectors may sit beside the configured model's (the benchmark compares models).
    Stored as little-endian float32 bytes, which every supported PostgreSQL holds (pgvector is
    not needed: ranking reads one instrument's vectors and compares them in numpy)."""

    text = models.ForeignKey(ProvisionText, on_delete=models.CASCADE, related_name="embeddings")
    language = models.CharField(max_length=8)
    model = models.CharField(max_length=120)
    input_hash = models.CharField(max_length=32)
    vector = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["text", "language", "model"], name="embedding_text_language_model_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.text_id} {self.language} {self.model}"


class Mapping(models.Model):
    """A curated relationship, read "source is <relationship> target" (NIST IR 8477 STRM)."""

    # Labels in lower case throughout: they are read inside sentences ("source is subset of
    # target", "Mapping 12 is now published").
    class Relationship(models.TextChoices):
        EQUAL = "equal", "equal"
        SUBSET_OF = "subset_of", "subset of"
        SUPERSET_OF = "superset_of", "superset of"
        INTERSECTS_WITH = "intersects_with", "intersects with"
        NOT_RELATED = "not_related", "not related"

    class RationaleType(models.TextChoices):
        SYNTACTIC = "syntactic", "syntactic"
        SEMANTIC = "semantic", "semantic"
        FUNCTIONAL = "functional", "functional"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        IN_REVIEW = "in_review", "in review"
        PUBLISHED = "published", "published"
        RETIRED = "retired", "retired"

    class Provenance(models.TextChoices):
        CURATED = "curated", "curated"
        IMPORTED = "imported", "imported"
        SUGGESTION = "suggestion", "accepted suggestion"
        SEED = "seed", "seed curation"

    source = models.ForeignKey(
        Provision, on_delete=models.PROTECT, related_name="outgoing_mappings"
    )
    target = models.ForeignKey(
        Provision, on_delete=models.PROTECT, related_name="incoming_mappings"
    )
    # Denormalised so the database can check "different instruments"; composite foreign keys
    # (migration 0002) keep them equal to the provisions' own instruments.
    source_instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    target_instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    strength = models.PositiveSmallIntegerField(null=True, blank=True)
    rationale_type = models.CharField(max_length=12, choices=RationaleType.choices, blank=True)
    rationale = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    provenance = models.CharField(max_length=12, choices=Provenance.choices, default="curated")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    source_text = models.ForeignKey(
        ProvisionText, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_text = models.ForeignKey(
        ProvisionText, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by crosswalk.services.provision_text_change, cleared when a reviewer confirms.
    text_changed = models.BooleanField(
        default=False, help_text="Published, but a provision's text changed since review."
    )
    version = models.PositiveIntegerField(default=1)
    mapping_set = models.ForeignKey(
        MappingSet,
        on_delete=models.PROTECT,
        related_name="mappings",
        default=default_mapping_set_pk,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = MappingQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        permissions = [
            ("submit_mapping", "Can submit a mapping for review"),
            ("publish_mapping", "Can publish a mapping under review"),
            ("return_mapping", "Can return a mapping under review to draft"),
            ("retire_mapping", "Can retire a published mapping"),
            ("confirm_mapping", "Can confirm a mapping after its provisions' texts changed"),
            # Unpublished mappings (drafts, in review) in lists, crosswalk, coverage, suggestions.
            ("view_draft_mapping", "Can see unpublished mappings"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="mapping_not_self"),
            models.CheckConstraint(
                condition=~Q(source_instrument=F("target_instrument")),
                name="mapping_different_instruments",
            ),
            models.CheckConstraint(
                condition=Q(strength__isnull=True) | Q(strength__gte=1, strength__lte=10),
                name="mapping_strength_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(reviewer__isnull=False, published_at__isnull=False),
                name="mapping_published_reviewed",
            ),
            # Per pair and set: at most one published mapping, and at most one open one (a draft or
            # one in review, possibly revising the published one, which publishing it retires).
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target"],
                condition=Q(status="published"),
                name="mapping_pair_uniq_published",
            ),
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target"],
                condition=Q(status__in=["draft", "in_review"]),
                name="mapping_pair_uniq_open",
            ),
        ]
        indexes = [
            models.Index(fields=["source_instrument", "target_instrument", "status"]),
            models.Index(fields=["updated_at"], name="mapping_updated_at"),
            # Derived crosswalks read every mapping leaving either instrument (tens of thousands
            # at a million mappings): from these alone, without the table (index-only scans).
            *(
                models.Index(
                    fields=[side],
                    name=f"mapping_{side[:6]}_edges",
                    include=[other, "status", "source", "target", "relationship", "strength"],
                )
                for side, other in (
                    ("source_instrument", "target_instrument"),
                    ("target_instrument", "source_instrument"),
                )
            ),
        ]

    def __str__(self) -> str:
        """ "Japan AI Promotion Act Article 1 (Purpose) intersects with EU AI Act Article 1
        (Subject matter)": citations and headings, as a reader names them."""
        return (
            f"{self.source.labelled()} {self.get_relationship_display()} {self.target.labelled()}"
        )


class GapQuerySet(ChangeStampMixin, models.QuerySet):
    def published(self) -> GapQuerySet:
        return self.filter(status="published")

    def visible(self, *, drafts: bool) -> GapQuerySet:
        """Everything for those who see drafts; published gaps for everyone else."""
        return self if drafts else self.published()

    def live(self) -> GapQuerySet:
        return self.exclude(status="retired")

    def between(self, first_id: int, second_id: int) -> GapQuerySet:
        """Gaps of either instrument's provisions in the other."""
        return self.filter(
            Q(source_instrument_id=first_id, target_instrument_id=second_id)
            | Q(source_instrument_id=second_id, target_instrument_id=first_id)
        )


class Gap(models.Model):
    """A reviewed statement: `source` has no counterpart in `target_instrument`. Same workflow,
    four eyes and history as a mapping (crosswalk.gaps)."""

    Status = Mapping.Status

    class Method(models.TextChoices):
        INDEPENDENT = "independent-reading"
        SUGGESTION_ASSISTED = "suggestion-assisted"

    source = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="gaps")
    # Denormalised so the database can check "not the provision's own instrument"; a composite
    # foreign key (migration) keeps it equal to the provision's instrument.
    source_instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    target_instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="gaps_in"
    )
    rationale = models.TextField()
    method = models.CharField(max_length=24, choices=Method.choices, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    provenance = models.CharField(
        max_length=12, choices=Mapping.Provenance.choices, default="curated"
    )
    mapping_set = models.ForeignKey(
        MappingSet, on_delete=models.PROTECT, related_name="gaps", default=default_mapping_set_pk
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    source_text = models.ForeignKey(
        ProvisionText, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    objects = GapQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        permissions = [
            ("submit_gap", "Can submit a gap for review"),
            ("publish_gap", "Can publish a gap under review"),
            ("return_gap", "Can return a gap under review to draft"),
            ("retire_gap", "Can retire a published gap"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_instrument=F("target_instrument")),
                name="gap_other_instrument",
            ),
            models.CheckConstraint(
                condition=~Q(status="published")
                | Q(reviewer__isnull=False, published_at__isnull=False),
                name="gap_published_reviewed",
            ),
            models.CheckConstraint(condition=~Q(rationale=""), name="gap_rationale_not_empty"),
            # One live gap per provision and instrument in a set.
            models.UniqueConstraint(
                fields=["mapping_set", "source", "target_instrument"],
                condition=~Q(status="retired"),
                name="gap_uniq_live",
            ),
        ]
        indexes = [
            models.Index(fields=["source_instrument", "target_instrument", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.source.public_id} has no counterpart in {self.target_instrument.slug}"


class Organisation(models.Model):
    """A partner agency that holds API keys."""

    name = models.CharField(max_length=200, unique=True)
    contact_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAPIKey(AbstractAPIKey):
    """A hashed API key of a partner agency: shown once, revocable, last use recorded."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_keys"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"


class ImportUpload(models.Model):
    """A mappings CSV an admin user previewed, kept between the preview and the commit so that
    the commit names it by id instead of posting the file again (any worker can commit it).
    Only its uploader may commit it; it expires EXPIRES_AFTER after the preview, and expired
    rows are deleted whenever the import page stores or reads one."""

    EXPIRES_AFTER = datetime.timedelta(hours=24)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_uploads"
    )
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} ({self.user}, {self.created_at:%Y-%m-%d %H:%M})"

    @property
    def expires_at(self) -> datetime.datetime:
        return self.created_at + self.EXPIRES_AFTER
