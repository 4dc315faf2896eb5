"""N synthetic Sahel incidents written straight into the bench database with INSERT ... SELECT.

The rows hold every constraint of the models (code format and uniqueness, ACLED type/sub-type pairs,
low <= best <= high, a published date on published rows, the composite keys of casualty perpetrators) and the
sums the services keep (an incident's fatalities are its killed casualty records). About 97% are published,
the rest drafts and submitted ones, which the public list must skip.

Generation runs with session_replication_role = replica, which skips the triggers: pghistory's (a bulk load
is not a revision) and the foreign-key checks, which the ids here satisfy by construction. CHECK constraints
still apply. The secondary indexes are dropped for the load and built again afterwards, which is several
times faster than maintaining them row by row. The triggers skipped include those that keep the public list's
stored renderings (events/rendering.py), so every published incident is rendered once the load is done, as
`migrate` renders an existing database's.
"""

import random
import time

from psycopg import sql

from actors.models import normalize_actor_name
from events.choices import SUB_EVENT_TYPES_BY_EVENT_TYPE, EventType, IncidentStatus
from events.rendering import REFRESH_FUNCTION

SEED = 20240501
FIRST_DAY = "2015-01-01"
DAYS = 3834  # up to mid-2025

# (country, admin1, admin2, admin3, place, latitude, longitude, weight): where incidents happen, and how often.
PLACES = [
    ("MLI", "Gao", "Ansongo", "Ouattagouna", "Ouattagouna", 15.18, 0.72, 5),
    ("MLI", "Gao", "Gao", "Gao", "Gao", 16.27, -0.04, 5),
    ("MLI", "Mopti", "Djenne", "Sofara", "Moura", 14.17, -4.58, 5),
    ("MLI", "Mopti", "Bandiagara", "Bandiagara", "Bandiagara", 14.35, -3.61, 5),
    ("MLI", "Mopti", "Bankass", "Dimbal", "Ogossagou", 14.27, -3.34, 4),
    ("MLI", "Segou", "Niono", "Niono", "Niono", 14.25, -5.99, 4),
    ("MLI", "Tombouctou", "Tombouctou", "Tombouctou", "Timbuktu", 16.77, -3.00, 4),
    ("MLI", "Kidal", "Kidal", "Kidal", "Kidal", 18.44, 1.41, 3),
    ("MLI", "Menaka", "Menaka", "Menaka", "Menaka", 15.92, 2.40, 5),
    ("BFA", "Sahel", "Soum", "Djibo", "Djibo", 14.10, -1.63, 6),
    ("BFA", "Sahel", "Oudalan", "Gorom-Gorom", "Gorom-Gorom", 14.44, -0.23, 5),
    ("BFA", "Centre-Nord", "Sanmatenga", "Barsalogho", "Barsalogho", 13.42, -1.06, 5),
    ("BFA", "Est", "Gourma", "Fada N'gourma", "Fada N'gourma", 12.06, 0.36, 5),
    ("BFA", "Nord", "Loroum", "Titao", "Titao", 13.77, -2.07, 4),
    ("NER", "Tillaberi", "Tillaberi", "Tillaberi", "Tillaberi", 14.21, 1.45, 5),
    ("NER", "Tillaberi", "Ouallam", "Ouallam", "Ouallam", 14.32, 2.09, 4),
    ("NER", "Tahoua", "Tillia", "Tillia", "Tillia", 16.13, 4.79, 3),
    ("NER", "Diffa", "Diffa", "Diffa", "Diffa", 13.32, 12.61, 3),
    ("NGA", "Borno", "Maiduguri", "Maiduguri", "Maiduguri", 11.85, 13.16, 5),
    ("NGA", "Borno", "Gwoza", "Gwoza", "Gwoza", 11.08, 13.69, 4),
    ("NGA", "Zamfara", "Gusau", "Gusau", "Gusau", 12.16, 6.66, 3),
    ("TCD", "Lac", "Mamdi", "Bol", "Bol", 13.46, 14.71, 3),
    ("TCD", "Lac", "Kaya", "Baga Sola", "Baga Sola", 13.53, 14.32, 2),
    ("MRT", "Hodh Ech Chargui", "Bassikounou", "Bassikounou", "Bassikounou", 15.87, -5.96, 3),
]

# Armed actors, most active first (perpetrators are drawn with a skew towards the top), then one civilian
# population per country (the targets of violence against civilians).
ARMED_ACTORS = [
    ("Jama'at Nusrat al-Islam wal-Muslimin", "JNIM", "rebel_group", ""),
    ("Islamic State Sahel Province", "ISSP", "rebel_group", ""),
    ("Military Forces of Mali", "FAMa", "state_forces", "MLI"),
    ("Wagner Group", "", "external_other", ""),
    ("Military Forces of Burkina Faso", "", "state_forces", "BFA"),
    ("Volunteers for the Defense of the Homeland", "VDP", "political_militia", "BFA"),
    ("Military Forces of Niger", "FAN", "state_forces", "NER"),
    ("Dan Na Ambassagou", "", "identity_militia", "MLI"),
    ("Islamic State West Africa Province", "ISWAP", "rebel_group", ""),
    ("Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad", "JAS", "rebel_group", "NGA"),
    ("Military Forces of Nigeria", "", "state_forces", "NGA"),
    ("Military Forces of Chad", "", "state_forces", "TCD"),
    ("Africa Corps", "", "external_other", ""),
    ("Coordination of Azawad Movements", "CMA", "rebel_group", "MLI"),
    ("Dozo Communal Militia (Mali)", "", "identity_militia", "MLI"),
    ("Fulani Ethnic Militia (Nigeria)", "", "identity_militia", "NGA"),
    ("Unidentified Armed Group (Mali)", "", "political_militia", "MLI"),
    ("Unidentified Armed Group (Burkina Faso)", "", "political_militia", "BFA"),
    ("Military Forces of Mauritania", "", "state_forces", "MRT"),
    ("Police Forces of Mali", "", "state_forces", "MLI"),
]
CIVILIANS = {
    "MLI": "Civilians (Mali)",
    "BFA": "Civilians (Burkina Faso)",
    "NER": "Civilians (Niger)",
    "NGA": "Civilians (Nigeria)",
    "TCD": "Civilians (Chad)",
    "MRT": "Civilians (Mauritania)",
}

# (event type, sub-event type, weight), every pair one the incident constraint accepts.
PAIRS = [
    (EventType.BATTLES, "Armed clash", 24),
    (EventType.BATTLES, "Non-state actor overtakes territory", 2),
    (EventType.BATTLES, "Government regains territory", 1),
    (EventType.VIOLENCE_AGAINST_CIVILIANS, "Attack", 22),
    (EventType.VIOLENCE_AGAINST_CIVILIANS, "Abduction/forced disappearance", 6),
    (EventType.VIOLENCE_AGAINST_CIVILIANS, "Sexual violence", 1),
    (EventType.EXPLOSIONS_REMOTE_VIOLENCE, "Remote explosive/landmine/IED", 8),
    (EventType.EXPLOSIONS_REMOTE_VIOLENCE, "Air/drone strike", 6),
    (EventType.EXPLOSIONS_REMOTE_VIOLENCE, "Shelling/artillery/missile attack", 3),
    (EventType.PROTESTS, "Peaceful protest", 6),
    (EventType.RIOTS, "Mob violence", 3),
    (EventType.STRATEGIC_DEVELOPMENTS, "Looting/property destruction", 4),
    (EventType.STRATEGIC_DEVELOPMENTS, "Arrests", 2),
]

SENTENCES = [
    "Armed men on motorbikes entered the village at dawn and opened fire on residents.",
    "Local sources report that the attackers burned granaries and took livestock.",
    "The army said it repelled the assault and lost several soldiers.",
    "Residents fled towards the district capital after the attack.",
    "A convoy hit an improvised explosive device on the road to the market.",
    "Humanitarian workers counted the dead the following day; the figures are disputed.",
    "The group claimed the operation in a statement on its propaganda channels.",
    "Witnesses described drones circling over the weekly market before the strike.",
    "Several men were taken away and have not been seen since.",
    "The toll rose over the following days as the wounded died in hospital.",
    "Communal leaders blamed a militia from a neighbouring village.",
    "The incident followed a week of clashes in the surrounding communes.",
]

TABLES = ["events_incident", "events_incidentparticipant", "events_casualtyrecord", "events_casualtyperpetrator"]
# Published incidents rendered per transaction: each chunk locks its incidents, as an edit does.
RENDER_CHUNK = 100_000


def _weighted_slots(items, weight_index: int) -> list[int]:
    """Each item's index repeated by its weight, so that a uniform draw over the slots follows the weights."""
    return [index for index, item in enumerate(items) for _ in range(item[weight_index])]


def _check_pairs() -> None:
    for event_type, sub_event_type, _weight in PAIRS:
        assert sub_event_type in SUB_EVENT_TYPES_BY_EVENT_TYPE[event_type], (event_type, sub_event_type)


def _secondary_indexes(conn) -> list[tuple[str, str]]:
    """(name, definition) of the indexes on the loaded tables that back no constraint."""
    return conn.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = ANY(%s)
          AND indexname NOT IN (SELECT conname FROM pg_constraint)
        ORDER BY indexname
        """,
        [TABLES],
    ).fetchall()


def _lookup_tables(conn) -> None:
    """Actors, and small temporary tables the INSERT ... SELECTs join: places, type pairs, sentences."""
    actors = [*ARMED_ACTORS, *((name, "", "civilians", country) for country, name in CIVILIANS.items())]
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO actors_actor (id, name, normalized_name, acronym, kind, country, description, needs_review,
                                      review_note, created_at, updated_at)
            VALUES (%s, %s, %s, %s, %s, %s, '', false, '', now(), now())
            """,
            [
                (index, name, normalize_actor_name(name), acronym, kind, country)
                for index, (name, acronym, kind, country) in enumerate(actors, start=1)
            ],
        )
        cur.execute("CREATE TEMP TABLE bench_place (slot int PRIMARY KEY, place int, country text, admin1 text, "
                    "admin2 text, admin3 text, name text, lat numeric, lon numeric)")  # fmt: skip
        cur.executemany(
            "INSERT INTO bench_place VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(slot, index, *PLACES[index][:7]) for slot, index in enumerate(_weighted_slots(PLACES, 7))],
        )
        cur.execute("CREATE TEMP TABLE bench_pair (slot int PRIMARY KEY, event_type text, sub_event_type text)")
        cur.executemany(
            "INSERT INTO bench_pair VALUES (%s, %s, %s)",
            [(slot, str(PAIRS[index][0]), PAIRS[index][1]) for slot, index in enumerate(_weighted_slots(PAIRS, 2))],
        )
        cur.execute("CREATE TEMP TABLE bench_sentence (k int PRIMARY KEY, body text)")
        cur.executemany("INSERT INTO bench_sentence VALUES (%s, %s)", list(enumerate(SENTENCES)))
        cur.execute("CREATE TEMP TABLE bench_civilians (country text PRIMARY KEY, actor_id int)")
        first_civilian = len(ARMED_ACTORS) + 1
        cur.executemany(
            "INSERT INTO bench_civilians VALUES (%s, %s)",
            [(country, first_civilian + index) for index, country in enumerate(CIVILIANS)],
        )
        cur.execute("ANALYZE bench_place, bench_pair, bench_sentence, bench_civilians")


def generate(conn, n: int, log) -> float:
    """Fill the (freshly migrated, empty) bench database with n incidents and their parts; seconds taken."""
    _check_pairs()
    started = time.monotonic()
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET work_mem = '256MB'")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SELECT setseed(%s)", [random.Random(SEED).random() * 2 - 1])
    user_id = conn.execute(
        """
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                               date_joined)
        VALUES ('!', false, 'bench-analyst', '', '', '', false, true, now()) RETURNING id
        """
    ).fetchone()[0]
    _lookup_tables(conn)

    indexes = _secondary_indexes(conn)
    for name, _definition in indexes:
        conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))

    place_slots, pair_slots = len(_weighted_slots(PLACES, 7)), len(_weighted_slots(PAIRS, 2))
    log(f"  drawing {n:,} incidents")
    conn.execute(
        """
        CREATE TEMP TABLE bench_draw AS
        SELECT i,
               floor(random() * %(place_slots)s)::int AS place_slot,
               floor(random() * %(pair_slots)s)::int AS pair_slot,
               %(first_day)s::date + floor(random() * %(days)s)::int AS start_date,
               random() AS r_precision, random() AS r_length, random() AS r_geo, random() AS r_fatal,
               random() AS r_toll, random() AS r_status, random() AS r_version, random() AS r_perpetrator,
               random() AS r_target, random() AS r_attribution, random() AS r_injured,
               floor(random() * %(sentences)s)::int AS s1, floor(random() * %(sentences)s)::int AS s2,
               random() * 0.4 - 0.2 AS d_lat, random() * 0.4 - 0.2 AS d_lon, random() * 30 AS delay_days
        FROM generate_series(1, %(n)s) AS i
        """,
        {
            "place_slots": place_slots,
            "pair_slots": pair_slots,
            "first_day": FIRST_DAY,
            "days": DAYS,
            "sentences": len(SENTENCES),
            "n": n,
        },
    )

    log("  incidents")
    conn.execute(
        """
        INSERT INTO events_incident (
            id, code, title, notes, status, version, start_date, end_date, date_precision, country, admin1, admin2,
            admin3, location_name, latitude, longitude, geo_precision, event_type, sub_event_type, violence_type,
            civilian_targeting, fatalities_low, fatalities_best, fatalities_high, return_comment, retraction_reason,
            created_by_id, created_at, updated_at, submitted_at, published_at, retracted_at)
        SELECT d.i,
               p.country || '-' || to_char(d.start_date, 'YYYY') || '-'
                   || lpad((row_number() OVER (PARTITION BY p.country, date_part('year', d.start_date)
                                               ORDER BY d.i))::text, 5, '0'),
               t.sub_event_type || ' near ' || p.name,
               s1.body || ' ' || s2.body,
               s.status,
               1 + floor(d.r_version * 3)::int,
               d.start_date,
               d.start_date + CASE WHEN d.r_length < 0.9 THEN 0 ELSE 1 + floor((d.r_length - 0.9) * 30)::int END,
               CASE WHEN d.r_precision < 0.85 THEN 'day' WHEN d.r_precision < 0.93 THEN 'week'
                    WHEN d.r_precision < 0.98 THEN 'month' ELSE 'year' END,
               p.country, p.admin1, p.admin2, p.admin3, p.name,
               round(p.lat + d.d_lat::numeric, 5), round(p.lon + d.d_lon::numeric, 5),
               CASE WHEN d.r_geo < 0.6 THEN 1 WHEN d.r_geo < 0.9 THEN 2 ELSE 3 END,
               t.event_type, t.sub_event_type,
               CASE t.event_type WHEN 'Battles' THEN 1 WHEN 'Violence against civilians' THEN 3
                                 WHEN 'Explosions/Remote violence' THEN 1 END,
               t.event_type = 'Violence against civilians',
               floor(f.best * 0.7)::int, f.best, ceil(f.best * 1.4)::int,
               '', '',
               %(user_id)s,
               c.created_at, c.created_at + interval '2 hours',
               CASE WHEN s.status <> 'draft' THEN c.created_at + interval '1 hour' END,
               CASE WHEN s.status = 'published' THEN c.created_at + interval '2 hours' END,
               NULL
        FROM bench_draw d
        JOIN bench_place p ON p.slot = d.place_slot
        JOIN bench_pair t ON t.slot = d.pair_slot
        JOIN bench_sentence s1 ON s1.k = d.s1
        JOIN bench_sentence s2 ON s2.k = d.s2
        CROSS JOIN LATERAL (
            SELECT CASE WHEN t.event_type IN ('Protests', 'Strategic developments') OR d.r_fatal < 0.3 THEN 0
                        ELSE floor(exp(d.r_toll * 5.3))::int END AS best
        ) f
        CROSS JOIN LATERAL (
            SELECT CASE WHEN d.r_status < 0.97 THEN 'published' WHEN d.r_status < 0.985 THEN 'draft'
                        ELSE 'submitted' END AS status
        ) s
        CROSS JOIN LATERAL (
            SELECT (d.start_date + d.delay_days * interval '1 day') AT TIME ZONE 'UTC' AS created_at
        ) c
        ORDER BY d.i
        """,
        {"user_id": user_id},
    )

    log("  participants")
    conn.execute(
        """
        INSERT INTO events_incidentparticipant (id, incident_id, actor_id, role, side, attribution)
        SELECT 2 * d.i - 1, d.i, 1 + floor(power(d.r_perpetrator, 1.6) * %(armed)s)::int, 'perpetrator', 'A',
               CASE WHEN d.r_attribution < 0.5 THEN 'confirmed' WHEN d.r_attribution < 0.9 THEN 'alleged'
                    ELSE 'disputed' END
        FROM bench_draw d
        UNION ALL
        SELECT 2 * d.i, d.i,
               CASE WHEN i.civilian_targeting THEN civ.actor_id
                    ELSE 1 + (floor(power(d.r_perpetrator, 1.6) * %(armed)s)::int + 1
                              + floor(d.r_target * 5)::int) %% %(armed)s END,
               'target', 'B', 'alleged'
        FROM bench_draw d
        JOIN events_incident i ON i.id = d.i
        JOIN bench_civilians civ ON civ.country = i.country
        WHERE i.civilian_targeting OR d.r_target < 0.8
        ORDER BY 1
        """,
        {"armed": len(ARMED_ACTORS)},
    )

    log("  casualty records")
    conn.execute(
        """
        INSERT INTO events_casualtyrecord (id, incident_id, harm, victim_status, count_low, count_best, count_high,
                                           children, women, elderly, note)
        SELECT i.id, i.id, 'killed',
               CASE WHEN i.civilian_targeting THEN 'civilian' WHEN i.event_type = 'Battles' THEN 'combatant'
                    ELSE 'unknown' END,
               i.fatalities_low, i.fatalities_best, i.fatalities_high,
               CASE WHEN i.civilian_targeting THEN floor(i.fatalities_low * 0.3)::int END, NULL::int, NULL::int, ''
        FROM events_incident i
        WHERE i.fatalities_best > 0
        UNION ALL
        SELECT %(n)s + d.i, d.i, 'injured', CASE WHEN i.civilian_targeting THEN 'civilian' ELSE 'unknown' END,
               floor(b.best * 0.8)::int, b.best, b.best + 2, NULL::int, NULL::int, NULL::int, ''
        FROM bench_draw d
        JOIN events_incident i ON i.id = d.i
        CROSS JOIN LATERAL (SELECT 1 + floor(d.r_injured * 120)::int AS best) b
        WHERE d.r_injured < 0.25 AND i.event_type <> 'Strategic developments'
        ORDER BY 1
        """,
        {"n": n},
    )
    conn.execute(
        """
        INSERT INTO events_casualtyperpetrator (id, incident_id, casualty_record_id, participant_id, participant_role)
        SELECT id, incident_id, id, 2 * incident_id - 1, 'perpetrator'
        FROM events_casualtyrecord WHERE harm = 'killed'
        ORDER BY id
        """
    )
    conn.execute(
        """
        INSERT INTO events_incidentcodesequence (country, year, last_number)
        SELECT country, split_part(code, '-', 2)::int, max(split_part(code, '-', 3)::int)
        FROM events_incident GROUP BY 1, 2
        """
    )
    for table in [*TABLES, "actors_actor", "events_incidentcodesequence"]:
        conn.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence({table}, 'id'), (SELECT max(id) FROM {ident}))").format(
                table=sql.Literal(table), ident=sql.Identifier(table)
            )
        )
    conn.execute("SET session_replication_role = origin")

    log(f"  {len(indexes)} indexes")
    for _name, definition in indexes:
        conn.execute(definition)
    conn.commit()
    log("  stored renderings")
    for first in range(1, n + 1, RENDER_CHUNK):
        conn.execute(
            sql.SQL(
                "SELECT {}(ARRAY(SELECT id FROM events_incident WHERE id BETWEEN %s AND %s AND status = %s))"
            ).format(sql.Identifier(REFRESH_FUNCTION)),
            [first, first + RENDER_CHUNK - 1, IncidentStatus.PUBLISHED],
        )
        conn.commit()
    # Autovacuum would get there in time; the visibility map lets index-only scans skip the heap.
    conn.autocommit = True
    log("  vacuum analyze")
    for table in [*TABLES, "actors_actor", "events_incidentrendering"]:
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    conn.autocommit = False
    return time.monotonic() - started
