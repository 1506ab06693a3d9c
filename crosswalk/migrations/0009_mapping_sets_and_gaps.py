"""Mapping sets with their provenance (the project's own curation is the first; every existing
mapping joins it) and gaps: reviewed statements that a provision has no counterpart in another
instrument, with a composite foreign key tying a gap's source instrument to its provision's."""

import datetime

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

import crosswalk.models

SET = {
    "slug": "crosswalk-curation",
    "name": "Crosswalk curation",
    "made_by": "Crosswalk project curators",
    "made_on": datetime.date(2026, 1, 1),
    "method": "human",
    "description": "The project's own reviewed mappings and gaps: the seed curation in fixtures/ "
    "and what curators add in the admin.",
}


def seed_set(apps, schema_editor):
    MappingSet = apps.get_model("crosswalk", "MappingSet")
    Mapping = apps.get_model("crosswalk", "Mapping")
    mapping_set, _ = MappingSet.objects.get_or_create(slug=SET["slug"], defaults=SET)
    Mapping.objects.filter(mapping_set__isnull=True).update(mapping_set=mapping_set)
    apps.get_model("crosswalk", "HistoricalMapping").objects.filter(
        mapping_set__isnull=True
    ).update(mapping_set=mapping_set)


def unseed_set(apps, schema_editor):
    apps.get_model("crosswalk", "Mapping").objects.update(mapping_set=None)


GAP_FK = """
ALTER TABLE crosswalk_gap
  ADD CONSTRAINT gap_source_instrument_fk FOREIGN KEY (source_id, source_instrument_id)
    REFERENCES crosswalk_provision (id, instrument_id);
"""
GAP_FK_REVERSE = "ALTER TABLE crosswalk_gap DROP CONSTRAINT gap_source_instrument_fk;"


class Migration(migrations.Migration):
    dependencies = [
        ("crosswalk", "0008_mapping_revisions_draft_permission_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MappingSet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, unique=True)),
                ("slug", models.SlugField(max_length=80, unique=True)),
                (
                    "made_by",
                    models.CharField(
                        help_text="Who made it (a person or organisation).", max_length=300
                    ),
                ),
                ("made_on", models.DateField(help_text="When it was made or handed over.")),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("human", "Human"),
                            ("automation", "Automation"),
                            ("hybrid", "Hybrid"),
                        ],
                        default="human",
                        max_length=16,
                    ),
                ),
                ("licence", models.CharField(blank=True, max_length=200)),
                ("version", models.CharField(blank=True, max_length=64)),
                ("description", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "ordering": ["slug"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalMappingSet",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(db_index=True, max_length=200)),
                ("slug", models.SlugField(max_length=80)),
                (
                    "made_by",
                    models.CharField(
                        help_text="Who made it (a person or organisation).", max_length=300
                    ),
                ),
                ("made_on", models.DateField(help_text="When it was made or handed over.")),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("human", "Human"),
                            ("automation", "Automation"),
                            ("hybrid", "Hybrid"),
                        ],
                        default="human",
                        max_length=16,
                    ),
                ),
                ("licence", models.CharField(blank=True, max_length=200)),
                ("version", models.CharField(blank=True, max_length=64)),
                ("description", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical mapping set",
                "verbose_name_plural": "historical mapping sets",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalGap",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("rationale", models.TextField()),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("independent-reading", "Independent"),
                            ("suggestion-assisted", "Suggestion Assisted"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "draft"),
                            ("in_review", "in review"),
                            ("published", "published"),
                            ("retired", "retired"),
                        ],
                        default="draft",
                        max_length=12,
                    ),
                ),
                (
                    "provenance",
                    models.CharField(
                        choices=[
                            ("curated", "curated"),
                            ("imported", "imported"),
                            ("suggestion", "accepted suggestion"),
                            ("seed", "seed curation"),
                        ],
                        default="curated",
                        max_length=12,
                    ),
                ),
                ("review_comment", models.TextField(blank=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("version", models.PositiveIntegerField(default=1)),
                ("created_at", models.DateTimeField(blank=True, editable=False)),
                ("updated_at", models.DateTimeField(blank=True, editable=False)),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.TextField(null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "last_editor",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="crosswalk.provision",
                    ),
                ),
                (
                    "source_instrument",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="crosswalk.instrument",
                    ),
                ),
                (
                    "source_text",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="crosswalk.provisiontext",
                    ),
                ),
                (
                    "target_instrument",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="crosswalk.instrument",
                    ),
                ),
                (
                    "mapping_set",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        default=crosswalk.models.default_mapping_set_pk,
                        to="crosswalk.mappingset",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical gap",
                "verbose_name_plural": "historical gaps",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name="historicalmapping",
            name="mapping_set",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="crosswalk.mappingset",
            ),
        ),
        migrations.AddField(
            model_name="mapping",
            name="mapping_set",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="mappings",
                to="crosswalk.mappingset",
            ),
        ),
        migrations.RunPython(seed_set, unseed_set),
        migrations.AlterField(
            model_name="mapping",
            name="mapping_set",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="mappings",
                default=crosswalk.models.default_mapping_set_pk,
                to="crosswalk.mappingset",
            ),
        ),
        migrations.CreateModel(
            name="Gap",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rationale", models.TextField()),
                (
                    "method",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("independent-reading", "Independent"),
                            ("suggestion-assisted", "Suggestion Assisted"),
                        ],
                        max_length=24,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "draft"),
                            ("in_review", "in review"),
                            ("published", "published"),
                            ("retired", "retired"),
                        ],
                        default="draft",
                        max_length=12,
                    ),
                ),
                (
                    "provenance",
                    models.CharField(
                        choices=[
                            ("curated", "curated"),
                            ("imported", "imported"),
                            ("suggestion", "accepted suggestion"),
                            ("seed", "seed curation"),
                        ],
                        default="curated",
                        max_length=12,
                    ),
                ),
                ("review_comment", models.TextField(blank=True)),
                ("published_at", models.DateTimeField(blank=True, null=True)),
                ("version", models.PositiveIntegerField(default=1)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "last_editor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="gaps",
                        to="crosswalk.provision",
                    ),
                ),
                (
                    "source_instrument",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="crosswalk.instrument",
                    ),
                ),
                (
                    "source_text",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="crosswalk.provisiontext",
                    ),
                ),
                (
                    "target_instrument",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="gaps_in",
                        to="crosswalk.instrument",
                    ),
                ),
                (
                    "mapping_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="gaps",
                        default=crosswalk.models.default_mapping_set_pk,
                        to="crosswalk.mappingset",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
                "permissions": [
                    ("submit_gap", "Can submit a gap for review"),
                    ("publish_gap", "Can publish a gap under review"),
                    ("return_gap", "Can return a gap under review to draft"),
                    ("retire_gap", "Can retire a published gap"),
                ],
                "indexes": [
                    models.Index(
                        fields=["source_instrument", "target_instrument", "status"],
                        name="crosswalk_g_source__227c2b_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("source_instrument", models.F("target_instrument")), _negated=True
                        ),
                        name="gap_other_instrument",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "published"), _negated=True),
                            models.Q(("published_at__isnull", False), ("reviewer__isnull", False)),
                            _connector="OR",
                        ),
                        name="gap_published_reviewed",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("rationale", ""), _negated=True),
                        name="gap_rationale_not_empty",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "retired"), _negated=True),
                        fields=("mapping_set", "source", "target_instrument"),
                        name="gap_uniq_live",
                    ),
                ],
            },
        ),
        migrations.AlterField(
            model_name="historicalmapping",
            name="mapping_set",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                default=crosswalk.models.default_mapping_set_pk,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="crosswalk.mappingset",
            ),
        ),
        migrations.RunSQL(GAP_FK, GAP_FK_REVERSE),
        # A pair is unique within a set: a partner's crosswalk may answer for it too.
        migrations.RemoveConstraint(model_name="mapping", name="mapping_pair_uniq_published"),
        migrations.RemoveConstraint(model_name="mapping", name="mapping_pair_uniq_open"),
        migrations.AddConstraint(
            model_name="mapping",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "published")),
                fields=("mapping_set", "source", "target"),
                name="mapping_pair_uniq_published",
            ),
        ),
        migrations.AddConstraint(
            model_name="mapping",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["draft", "in_review"])),
                fields=("mapping_set", "source", "target"),
                name="mapping_pair_uniq_open",
            ),
        ),
    ]
