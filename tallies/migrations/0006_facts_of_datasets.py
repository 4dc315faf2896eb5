import django.contrib.postgres.fields
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0018_renderings_with_datasets"),
        ("tallies", "0005_facts_keyed_by_actor_measure_record"),
    ]

    operations = [
        # Every fact so far is of a published record, merged into nothing: counted, not a merge, and of the datasets
        # its incident now records (events 0017).
        migrations.AddField(
            model_name="casualtyfact",
            name="counted",
            field=models.BooleanField(default=True, help_text="Of a published incident: counted in the tallies."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casualtyfact",
            name="merge",
            field=models.BooleanField(default=False, help_text="Of an incident merging the records of one event."),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="casualtyfact",
            name="datasets",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=10),
                default=list,
                help_text="The incident's datasets.",
                size=None,
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(
            "UPDATE tallies_casualtyfact f SET datasets = i.datasets FROM events_incident i WHERE i.id = f.incident_id",
            migrations.RunSQL.noop,
        ),
    ]
