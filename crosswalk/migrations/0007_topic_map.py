import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models

OLD_UNIQUE = "crosswalk_provision_topics_provision_id_topic_id_03048deb_uniq"


class Migration(migrations.Migration):

    dependencies = [
        ("crosswalk", "0006_corpus_links_and_text_changes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The tags keep their table: the plain many-to-many becomes an explicit model (so each
        # tag can have history) without moving a row.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ProvisionTopic",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("provision", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="topic_tags", to="crosswalk.provision")),
                        ("topic", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="tags", to="crosswalk.topic")),
                    ],
                    options={
                        "db_table": "crosswalk_provision_topics",
                        "ordering": ["provision_id", "topic_id"],
                        "constraints": [models.UniqueConstraint(fields=("provision", "topic"), name="provision_topic_uniq")],
                    },
                ),
                migrations.AlterField(
                    model_name="provision",
                    name="topics",
                    field=models.ManyToManyField(blank=True, related_name="provisions", through="crosswalk.ProvisionTopic", to="crosswalk.topic"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE crosswalk_provision_topics RENAME CONSTRAINT {OLD_UNIQUE} TO provision_topic_uniq",
                    f"ALTER TABLE crosswalk_provision_topics RENAME CONSTRAINT provision_topic_uniq TO {OLD_UNIQUE}",
                ),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalProvisionTopic',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical provision topic',
                'verbose_name_plural': 'historical provision topics',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalTopic',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('slug', models.SlugField(max_length=80)),
                ('name', models.CharField(max_length=120)),
                ('definition', models.TextField(help_text='What a provision must be about to carry it.')),
                ('origin', models.TextField(blank=True, help_text='Where the topic comes from: the OECD principle, Guidelines principle or EU chapter that names it.')),
                ('position', models.PositiveIntegerField(default=0, help_text='Order in the topic map.')),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical topic',
                'verbose_name_plural': 'historical topics',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AlterModelOptions(
            name='topic',
            options={'ordering': ['position', 'slug']},
        ),
        migrations.RenameField(
            model_name='topic',
            old_name='description',
            new_name='definition',
        ),
        migrations.AlterField(
            model_name='topic',
            name='definition',
            field=models.TextField(help_text='What a provision must be about to carry it.'),
        ),
        # Topics made before the map had an optional description: their name stands in.
        migrations.RunSQL(
            "UPDATE crosswalk_topic SET definition = name WHERE definition = ''",
            migrations.RunSQL.noop,
        ),
        migrations.AddField(
            model_name='historicalprovision',
            name='procedural',
            field=models.BooleanField(db_default=False, default=False, help_text='A citable unit with no subject of its own (entry into force, final provisions, delegation clauses): it carries no topic.'),
        ),
        migrations.AddField(
            model_name='historicalprovision',
            name='topic_note',
            field=models.TextField(blank=True, db_default='', help_text='Why the topics (or the procedural mark) were chosen, if not plain.'),
        ),
        migrations.AddField(
            model_name='provision',
            name='procedural',
            field=models.BooleanField(db_default=False, default=False, help_text='A citable unit with no subject of its own (entry into force, final provisions, delegation clauses): it carries no topic.'),
        ),
        migrations.AddField(
            model_name='provision',
            name='topic_note',
            field=models.TextField(blank=True, db_default='', help_text='Why the topics (or the procedural mark) were chosen, if not plain.'),
        ),
        migrations.AddField(
            model_name='topic',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='topic',
            name='origin',
            field=models.TextField(blank=True, help_text='Where the topic comes from: the OECD principle, Guidelines principle or EU chapter that names it.'),
        ),
        migrations.AddField(
            model_name='topic',
            name='parent',
            field=models.ForeignKey(blank=True, help_text='Empty for a top-level topic; otherwise a top-level topic (two levels only).', limit_choices_to={'parent__isnull': True}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='children', to='crosswalk.topic'),
        ),
        migrations.AddField(
            model_name='topic',
            name='position',
            field=models.PositiveIntegerField(default=0, help_text='Order in the topic map.'),
        ),
        migrations.AddField(
            model_name='topic',
            name='updated_at',
            field=models.DateTimeField(auto_now=True),
        ),
        migrations.AddConstraint(
            model_name='topic',
            constraint=models.CheckConstraint(condition=models.Q(('parent', models.F('id')), _negated=True), name='topic_not_own_parent'),
        ),
        migrations.AddConstraint(
            model_name='topic',
            constraint=models.CheckConstraint(condition=models.Q(('definition', ''), _negated=True), name='topic_definition_not_empty'),
        ),
        migrations.AddField(
            model_name='historicalprovisiontopic',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalprovisiontopic',
            name='provision',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='crosswalk.provision'),
        ),
        migrations.AddField(
            model_name='historicalprovisiontopic',
            name='topic',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='crosswalk.topic'),
        ),
        migrations.AddField(
            model_name='historicaltopic',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicaltopic',
            name='parent',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text='Empty for a top-level topic; otherwise a top-level topic (two levels only).', limit_choices_to={'parent__isnull': True}, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='crosswalk.topic'),
        ),
    ]
