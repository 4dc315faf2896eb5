"""The facts the public's licence rule reads, kept on each incident by triggers (events/licences.py), then computed
for the incidents recorded before: those with an accepted claim (the others keep the defaults, which are theirs)."""

import django.contrib.postgres.fields
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0012_casualty_perpetrator_references_by_composite_keys"),
        ("sources", "0007_insert_history_off_after_merge"),
    ]

    operations = [
        migrations.CreateModel(
            name="LicenceClaim",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("sources.claim",),
        ),
        migrations.CreateModel(
            name="LicenceDocument",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("sources.document",),
        ),
        migrations.CreateModel(
            name="LicenceSource",
            fields=[],
            options={
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("sources.source",),
        ),
        migrations.AddField(
            model_name="incident",
            name="open_provenance",
            field=models.BooleanField(
                default=True, editable=False, help_text="No accepted claim, or one from a source that may be passed on."
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="restricted_sources",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=40),
                blank=True,
                default=list,
                editable=False,
                help_text="The acronyms of the other sources of its accepted claims.",
                size=None,
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_computed",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="SELECT f.open_provenance, f.restricted_sources INTO NEW.open_provenance, NEW.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY[NEW.id]) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f;\nRETURN NEW;",
                    hash="3b2bd266b805c4b0c040edd0ae855b90bcffc931",
                    operation="INSERT OR UPDATE",
                    pgid="pgtrigger_licences_computed_c799f",
                    table="events_incident",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licenceclaim",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM new_rows)) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="9d15fa40a8146661bfd01e2eaf68940223727fd7",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_licences_insert_282a7",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="sources_claim",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licenceclaim",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT n.incident_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.review_status IS DISTINCT FROM n.review_status OR o.document_id IS DISTINCT FROM n.document_id)) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="de7113f08cb1e6c6ab4d10668aa237a107e27fdc",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_licences_update_1d535",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="sources_claim",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licenceclaim",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_delete",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM old_rows)) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="616008c320ea164352519ab9f3b4b1dd67992a4d",
                    level="STATEMENT",
                    operation="DELETE",
                    pgid="pgtrigger_licences_delete_99cf9",
                    referencing="REFERENCING OLD TABLE AS old_rows ",
                    table="sources_claim",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licencedocument",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT id FROM new_rows)))) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="22b46dff0b312c975019fc5a044590e9be2bdead",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_licences_insert_dd119",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="sources_document",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licencedocument",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.source_id IS DISTINCT FROM n.source_id)))) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="2e488706adb3749119f59692c406f2a338bd2d9b",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_licences_update_29c74",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="sources_document",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licencesource",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_insert",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT id FROM new_rows)))))) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="eb8509f38e572569707cb25c53fcb7c9da422e8f",
                    level="STATEMENT",
                    operation="INSERT",
                    pgid="pgtrigger_licences_insert_826bc",
                    referencing="REFERENCING NEW TABLE AS new_rows ",
                    table="sources_source",
                    when="AFTER",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="licencesource",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_update",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="UPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(s.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.redistributable IS DISTINCT FROM n.redistributable OR o.acronym IS DISTINCT FROM n.acronym)))))) AS x(x))) AS t(id)\nLEFT JOIN (sources_claim c\n           JOIN sources_document d ON d.id = c.document_id\n           JOIN sources_source s ON s.id = d.source_id)\n       ON c.incident_id = t.id AND c.review_status = 'accepted'\nGROUP BY t.id) f\nWHERE i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nRETURN NULL;",
                    hash="28446beddafd3398b07e5e2654750861d49f8b31",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_licences_update_ac62e",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="sources_source",
                    when="AFTER",
                ),
            ),
        ),
        migrations.RunSQL(
            """
            UPDATE events_incident i
            SET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources
            FROM (
                SELECT c.incident_id AS id,
                       COALESCE(bool_or(s.redistributable), true) AS open_provenance,
                       COALESCE(array_agg(DISTINCT s.acronym ORDER BY s.acronym) FILTER (WHERE NOT s.redistributable),
                                '{}')::varchar(40)[] AS restricted_sources
                FROM sources_claim c
                JOIN sources_document d ON d.id = c.document_id
                JOIN sources_source s ON s.id = d.source_id
                WHERE c.review_status = 'accepted' AND c.incident_id IS NOT NULL
                GROUP BY c.incident_id
            ) f
            WHERE i.id = f.id
              AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources)
            """,
            migrations.RunSQL.noop,
        ),
    ]
