"""The licence facts (events/licences.py) computed when they can change: an incident's on its insert, and on an
update only when it writes facts other than the row's (a stale model saved); the refreshing triggers look only at
the incidents already written."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0013_incident_licence_facts"),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name="incident",
            name="licences_computed",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licenceclaim",
            name="licences_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licenceclaim",
            name="licences_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licenceclaim",
            name="licences_delete",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licencedocument",
            name="licences_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licencedocument",
            name="licences_update",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licencesource",
            name="licences_insert",
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name="licencesource",
            name="licences_update",
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_inserted",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit');",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\nSELECT f.open_provenance, f.restricted_sources INTO NEW.open_provenance, NEW.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY[NEW.id]) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f;\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NEW;",
                    hash="fef4e53aa617eaf34e4ea7754742da585ece7ee5",
                    operation="INSERT",
                    pgid="pgtrigger_licences_inserted_0347e",
                    table="events_incident",
                    when="BEFORE",
                ),
            ),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name="incident",
            trigger=pgtrigger.compiler.Trigger(
                name="licences_rewritten",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    condition="WHEN ((OLD.open_provenance IS DISTINCT FROM NEW.open_provenance OR OLD.restricted_sources IS DISTINCT FROM NEW.restricted_sources) AND pg_trigger_depth() = 0)",
                    declare="DECLARE _seqscan text := current_setting('enable_seqscan'); _jit text := current_setting('jit');",
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\nSELECT f.open_provenance, f.restricted_sources INTO NEW.open_provenance, NEW.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(ARRAY[NEW.id]) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f;\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NEW;",
                    hash="41665efc104ae930b254bdd962bc55b93312ee81",
                    operation="UPDATE",
                    pgid="pgtrigger_licences_rewritten_78136",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM new_rows)) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="726993ebfde8cb877f1b77fd30f8610de51fff8a",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT n.incident_id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.review_status IS DISTINCT FROM n.review_status OR o.document_id IS DISTINCT FROM n.document_id)) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="96e02d8c05fb96183f4a95c805782e3de155e89f",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT incident_id FROM old_rows)) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="5b064b17fd8c0aa3464d1b976d6ea5278e670b8f",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT id FROM new_rows)))) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="03dc24e03c6fff73b63a0414ca985681ac5ba94e",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.source_id IS DISTINCT FROM n.source_id)))) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="8358815771ce66a1ef02c6172406b38de57c5888",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT id FROM new_rows)))))) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="655b3789d5e5f3908b1e920407613acd23848083",
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
                    func="PERFORM set_config('enable_seqscan', 'off', true), set_config('jit', 'off', true);\n_ids := ARRAY(SELECT i.id FROM events_incident i\n              WHERE i.id = ANY(ARRAY(SELECT DISTINCT x FROM unnest(ARRAY(SELECT c.incident_id FROM sources_claim c WHERE c.document_id = ANY(ARRAY(SELECT d.id FROM sources_document d WHERE d.source_id = ANY(ARRAY(SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE o.redistributable IS DISTINCT FROM n.redistributable OR o.acronym IS DISTINCT FROM n.acronym)))))) AS x(x))));\nUPDATE events_incident i\nSET open_provenance = f.open_provenance, restricted_sources = f.restricted_sources\nFROM (SELECT t.id,\n       COALESCE(bool_or(k.redistributable), true) AS open_provenance,\n       COALESCE(array_agg(DISTINCT k.acronym ORDER BY k.acronym) FILTER (WHERE NOT k.redistributable),\n                '{}')::varchar(40)[] AS restricted_sources\nFROM unnest(_ids) AS t(id)\nLEFT JOIN LATERAL (\n    SELECT c.document_id FROM (SELECT document_id, review_status FROM sources_claim WHERE incident_id = t.id OFFSET 0) c\n    WHERE c.review_status = 'accepted'\n) c ON TRUE\nLEFT JOIN LATERAL (\n    SELECT s.redistributable, s.acronym\n    FROM (SELECT source_id FROM sources_document WHERE id = c.document_id OFFSET 0) d\n    JOIN LATERAL (SELECT redistributable, acronym FROM sources_source WHERE id = d.source_id OFFSET 0) s ON TRUE\n) k ON TRUE\nGROUP BY t.id) f\nWHERE i.id = ANY(_ids) AND i.id = f.id\n  AND (i.open_provenance, i.restricted_sources) IS DISTINCT FROM (f.open_provenance, f.restricted_sources);\nPERFORM set_config('enable_seqscan', _seqscan, true), set_config('jit', _jit, true);\nRETURN NULL;",
                    hash="c85937e6277105319e3f371afe185120e88509d5",
                    level="STATEMENT",
                    operation="UPDATE",
                    pgid="pgtrigger_licences_update_ac62e",
                    referencing="REFERENCING OLD TABLE AS old_rows  NEW TABLE AS new_rows ",
                    table="sources_source",
                    when="AFTER",
                ),
            ),
        ),
    ]
