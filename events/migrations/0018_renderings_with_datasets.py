from django.db import migrations

# The functions of the renderings (events/rendering.py's functions_sql()) that render each incident's datasets, external
# ids and merged records, and the claims of merged records; then every published incident rendered anew.
FUNCTIONS = r"""CREATE OR REPLACE FUNCTION incident_renderings_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_indexonlyscan = off SET jit = off AS $fn$
BEGIN
    PERFORM 1 FROM events_incident WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM events_incidentrendering WHERE incident_id = ANY(ids);
    INSERT INTO events_incidentrendering (incident_id, body)
    SELECT i.id, (json_build_object('code', i."code",
    'title', i."title",
    'notes', i."notes",
    'status', i."status",
    'datasets', i."datasets",
    'external_ids', i."external_ids",
    'start_date', i."start_date",
    'end_date', i."end_date",
    'date_precision', i."date_precision",
    'country', i."country",
    'admin1', i."admin1",
    'admin2', i."admin2",
    'admin3', i."admin3",
    'location_name', i."location_name",
    'latitude', i."latitude"::text,
    'longitude', i."longitude"::text,
    'geo_precision', i."geo_precision",
    'event_type', i."event_type",
    'sub_event_type', i."sub_event_type",
    'violence_type', i."violence_type",
    'civilian_targeting', i."civilian_targeting",
    'fatalities_low', i."fatalities_low",
    'fatalities_best', i."fatalities_best",
    'fatalities_high', i."fatalities_high",
    'participants', (SELECT COALESCE(json_agg(json_build_object('id', p.id,
        'actor', p.actor_id,
        'actor_name', (SELECT a.name FROM actors_actor a WHERE a.id = p.actor_id),
        'role', p.role,
        'side', p.side,
        'attribution', p.attribution) ORDER BY p.side, p.id), '[]') FROM events_incidentparticipant p WHERE p.incident_id = i.id),
    'casualty_records', (SELECT COALESCE(json_agg(json_build_object('id', r.id,
        'harm', r.harm,
        'victim_status', r.victim_status,
        'count_low', r.count_low,
        'count_best', r.count_best,
        'count_high', r.count_high,
        'children', r.children,
        'women', r.women,
        'elderly', r.elderly,
        'perpetrators', ARRAY(SELECT perpetrator.actor_id FROM events_casualtyperpetrator link
        JOIN events_incidentparticipant perpetrator ON perpetrator.id = link.participant_id
        WHERE link.casualty_record_id = r.id ORDER BY link.id),
        'claims', ARRAY(SELECT link.claim_id FROM events_casualtyclaim link
        WHERE link.casualty_record_id = r.id AND link.claim_id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" IN ('published', 'merged') AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1)))) ORDER BY link.id)) ORDER BY r.harm, r.victim_status, r.id), '[]') FROM events_casualtyrecord r WHERE r.incident_id = i.id),
    'property_harms', (SELECT COALESCE(json_agg(json_build_object('id', h.id,
        'kind', h.kind,
        'harm', h.harm,
        'count_low', h.count_low,
        'count_best', h.count_best,
        'count_high', h.count_high,
        'note', h.note,
        'claims', ARRAY(SELECT link.claim_id FROM events_propertyharmclaim link
        WHERE link.property_harm_id = h.id AND link.claim_id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" IN ('published', 'merged') AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1)))) ORDER BY link.id)) ORDER BY h.kind, h.id), '[]') FROM events_propertyharm h WHERE h.incident_id = i.id),
    'claims', (SELECT COALESCE(json_agg(json_build_object('id', c.id,
        'document', c.document_id,
        'review_status', c.review_status) ORDER BY c.id), '[]') FROM sources_claim c WHERE c.incident_id = i.id AND c.id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" IN ('published', 'merged') AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1))))),
    'merged_records', (SELECT COALESCE(json_agg(json_build_object('code', m.code,
        'datasets', m.datasets,
        'external_ids', m.external_ids,
        'fatalities_low', m.fatalities_low,
        'fatalities_best', m.fatalities_best,
        'fatalities_high', m.fatalities_high,
        'claims', (SELECT COALESCE(json_agg(json_build_object('id', c.id,
        'document', c.document_id,
        'review_status', c.review_status) ORDER BY c.id), '[]') FROM sources_claim c WHERE c.incident_id = m.id AND c.id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" IN ('published', 'merged') AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1)))))) ORDER BY m.id), '[]') FROM events_incident m WHERE m.merged_into_id = i.id),
    'version', i."version",
    'published_at', CASE WHEN i."published_at" IS NOT NULL THEN
        to_char(i."published_at" AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', i."published_at")::bigint % 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) % 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) % 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) % 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', (i."published_at" AT TIME ZONE zone.name) - (i."published_at" AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END,
    'updated_at', CASE WHEN i."updated_at" IS NOT NULL THEN
        to_char(i."updated_at" AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', i."updated_at")::bigint % 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) % 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) % 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) % 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', (i."updated_at" AT TIME ZONE zone.name) - (i."updated_at" AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END))::text
    FROM events_incident i CROSS JOIN (SELECT 'UTC'::text AS name) zone
    WHERE i.id = ANY(ids) AND i.status = 'published';
END $fn$;
CREATE OR REPLACE FUNCTION incident_renderings_touch_incidents(ids bigint[])
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off SET enable_indexonlyscan = off SET jit = off AS $fn$
BEGIN
    PERFORM incident_renderings_touch(ARRAY(SELECT unnest(ids) UNION ALL SELECT i.merged_into_id FROM events_incident i WHERE i.id = ANY(ids) AND i.merged_into_id IS NOT NULL UNION ALL SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ARRAY(
        SELECT l.casualty_record_id FROM events_casualtyclaim l WHERE l.claim_id = ANY(ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ids)))))
    UNION ALL SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ARRAY(
        SELECT l.property_harm_id FROM events_propertyharmclaim l WHERE l.claim_id = ANY(ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ids)))))));
END $fn$"""

PREVIOUS = r"""CREATE OR REPLACE FUNCTION incident_renderings_refresh(ids bigint[]) RETURNS void LANGUAGE plpgsql
SET enable_seqscan = off SET enable_indexonlyscan = off SET jit = off AS $fn$
BEGIN
    PERFORM 1 FROM events_incident WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE;
    DELETE FROM events_incidentrendering WHERE incident_id = ANY(ids);
    INSERT INTO events_incidentrendering (incident_id, body)
    SELECT i.id, (json_build_object('code', i."code",
    'title', i."title",
    'notes', i."notes",
    'status', i."status",
    'start_date', i."start_date",
    'end_date', i."end_date",
    'date_precision', i."date_precision",
    'country', i."country",
    'admin1', i."admin1",
    'admin2', i."admin2",
    'admin3', i."admin3",
    'location_name', i."location_name",
    'latitude', i."latitude"::text,
    'longitude', i."longitude"::text,
    'geo_precision', i."geo_precision",
    'event_type', i."event_type",
    'sub_event_type', i."sub_event_type",
    'violence_type', i."violence_type",
    'civilian_targeting', i."civilian_targeting",
    'fatalities_low', i."fatalities_low",
    'fatalities_best', i."fatalities_best",
    'fatalities_high', i."fatalities_high",
    'participants', (SELECT COALESCE(json_agg(json_build_object('id', p.id,
        'actor', p.actor_id,
        'actor_name', (SELECT a.name FROM actors_actor a WHERE a.id = p.actor_id),
        'role', p.role,
        'side', p.side,
        'attribution', p.attribution) ORDER BY p.side, p.id), '[]') FROM events_incidentparticipant p WHERE p.incident_id = i.id),
    'casualty_records', (SELECT COALESCE(json_agg(json_build_object('id', r.id,
        'harm', r.harm,
        'victim_status', r.victim_status,
        'count_low', r.count_low,
        'count_best', r.count_best,
        'count_high', r.count_high,
        'children', r.children,
        'women', r.women,
        'elderly', r.elderly,
        'perpetrators', ARRAY(SELECT perpetrator.actor_id FROM events_casualtyperpetrator link
        JOIN events_incidentparticipant perpetrator ON perpetrator.id = link.participant_id
        WHERE link.casualty_record_id = r.id ORDER BY link.id),
        'claims', ARRAY(SELECT link.claim_id FROM events_casualtyclaim link
        WHERE link.casualty_record_id = r.id AND link.claim_id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" = 'published' AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1)))) ORDER BY link.id)) ORDER BY r.harm, r.victim_status, r.id), '[]') FROM events_casualtyrecord r WHERE r.incident_id = i.id),
    'property_harms', (SELECT COALESCE(json_agg(json_build_object('id', h.id,
        'kind', h.kind,
        'harm', h.harm,
        'count_low', h.count_low,
        'count_best', h.count_best,
        'count_high', h.count_high,
        'note', h.note,
        'claims', ARRAY(SELECT link.claim_id FROM events_propertyharmclaim link
        WHERE link.property_harm_id = h.id AND link.claim_id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" = 'published' AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1)))) ORDER BY link.id)) ORDER BY h.kind, h.id), '[]') FROM events_propertyharm h WHERE h.incident_id = i.id),
    'claims', (SELECT COALESCE(json_agg(json_build_object('id', c.id,
        'document', c.document_id,
        'review_status', c.review_status) ORDER BY c.id), '[]') FROM sources_claim c WHERE c.incident_id = i.id AND c.id IN (SELECT "sources_claim"."id" AS "pk" FROM "sources_claim" WHERE (("sources_claim"."incident_id" IS NULL AND "sources_claim"."review_status" = 'accepted') OR (NOT ("sources_claim"."review_status" = 'pending') AND EXISTS(SELECT 1 AS "a" FROM "events_incident" U0 WHERE (U0."status" = 'published' AND U0."id" = ("sources_claim"."incident_id")) LIMIT 1))))),
    'version', i."version",
    'published_at', CASE WHEN i."published_at" IS NOT NULL THEN
        to_char(i."published_at" AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', i."published_at")::bigint % 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) % 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) % 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) % 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', (i."published_at" AT TIME ZONE zone.name) - (i."published_at" AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END,
    'updated_at', CASE WHEN i."updated_at" IS NOT NULL THEN
        to_char(i."updated_at" AT TIME ZONE zone.name, CASE WHEN date_part('microseconds', i."updated_at")::bigint % 1000000 = 0
            THEN 'YYYY-MM-DD"T"HH24:MI:SS' ELSE 'YYYY-MM-DD"T"HH24:MI:SS.US' END)
        || (SELECT CASE WHEN offset_seconds = 0 THEN 'Z' ELSE
                CASE WHEN offset_seconds < 0 THEN '-' ELSE '+' END
                || lpad((abs(offset_seconds) / 3600)::text, 2, '0') || ':'
                || lpad((abs(offset_seconds) % 3600 / 60)::text, 2, '0')
                || CASE WHEN abs(offset_seconds) % 60 = 0 THEN ''
                    ELSE ':' || lpad((abs(offset_seconds) % 60)::text, 2, '0') END
            END
            FROM (SELECT date_part('epoch', (i."updated_at" AT TIME ZONE zone.name) - (i."updated_at" AT TIME ZONE 'UTC'))::int
                AS offset_seconds) o)
    END))::text
    FROM events_incident i CROSS JOIN (SELECT 'UTC'::text AS name) zone
    WHERE i.id = ANY(ids) AND i.status = 'published';
END $fn$;
CREATE OR REPLACE FUNCTION incident_renderings_touch_incidents(ids bigint[])
RETURNS void LANGUAGE plpgsql SET enable_seqscan = off SET enable_indexonlyscan = off SET jit = off AS $fn$
BEGIN
    PERFORM incident_renderings_touch(ARRAY(SELECT unnest(ids) UNION ALL SELECT r.incident_id FROM events_casualtyrecord r WHERE r.id = ANY(ARRAY(
        SELECT l.casualty_record_id FROM events_casualtyclaim l WHERE l.claim_id = ANY(ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ids)))))
    UNION ALL SELECT h.incident_id FROM events_propertyharm h WHERE h.id = ANY(ARRAY(
        SELECT l.property_harm_id FROM events_propertyharmclaim l WHERE l.claim_id = ANY(ARRAY(SELECT c.id FROM sources_claim c WHERE c.incident_id = ANY(ids)))))));
END $fn$"""


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0017_incident_datasets"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, PREVIOUS),
        migrations.RunSQL(
            "SELECT incident_renderings_refresh(ARRAY(SELECT id FROM events_incident WHERE status = 'published'))",
            migrations.RunSQL.noop,
        ),
    ]
