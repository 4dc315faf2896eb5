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
                db_default=True,
                default=True,
                editable=False,
                help_text="No accepted claim, or one from a source that may be passed on.",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="restricted_sources",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=40),
                blank=True,
                db_default=models.Value(
                    [],
                    output_field=django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=40), size=None
                    ),
                ),
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit');",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\nSELECT f.open_provenance, f.restricted_sources INTO NEW.open_provenance, NEW.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY[NEW.id]) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f;\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NEW;",
                    hash="c0efb98fd1ca2d99d596b68684d767655404a81a",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM new_rows)) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="a7050bc12e9575dff7c85720ae010495f9f1c25b",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT n.incident_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.review_status IS DISTINCT FROM n.review_status OR o.document_id IS DISTINCT FROM n.document_id)) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="9a5b365da1beef967be2511b78d903ef623c1879",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM old_rows)) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="28bfd8442c2720505db15ccf5cd7c5b285221293",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT id FROM new_rows)))) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="fb9fd85bf4aa202da46cd968eacecac9b9c8ef18",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.source_id IS DISTINCT FROM n.source_id)))) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="701f76feacf64f0dbcfb3dd4a6d672fbb2081656",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT id FROM new_rows)))))) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="e54ab252b8f357209233f1110df4639901fd1500",
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
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit'); _ids bigint[];",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.redistributable IS DISTINCT FROM n.redistributable OR o.acronym IS DISTINCT FROM n.acronym)))))) AS x(x));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="723eee72de0ca559542d813cb75a895994f9cd93",
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
