"""The tallies at scale: the casualty facts' size beside the incident data, a full rebuild beside one GROUP BY of
the same figures, and the p50 of the tallies a researcher asks for.

    DATABASE_URL=postgres://.../ct_bench_tallies .venv/bin/python -m bench.tallies 500000

The database named in DATABASE_URL is dropped and made again with N incidents (bench/dataset.py), unless it already
holds N (then reused). Times are of the selector (tallies.selectors.tally_answer: the subject's lookup and the one
aggregate), in this process, without HTTP.
"""

import datetime
import os
import statistics
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROUNDS = 31


def _database(url: str, n: int) -> None:
    name = urlsplit(url).path.lstrip("/")
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    try:
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT count(*) FROM events_incident").fetchone()[0] == n:
                print(f"reusing {name}: {n:,} incidents")
                return
    except psycopg.Error:
        pass
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from bench import dataset

    with psycopg.connect(url) as conn:
        print(f"generated {n:,} incidents in {dataset.generate(conn, n, print):.0f} s")
        conn.commit()


def _timed(function, rounds: int = ROUNDS) -> float:
    """The median of `rounds` runs, in ms (after one unmeasured run)."""
    function()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(n: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conflict_tracker.settings")
    django.setup()
    url = os.environ["DATABASE_URL"]
    _database(url, n)

    from django.db import connection

    from actors.choices import RelationKind
    from actors.models import Actor, ActorRelation
    from tallies.queries import _FACTS_SQL, _fact_params
    from tallies.selectors import TallyQuestion, tally_answer
    from tallies.services import tallies_rebuild

    wagner, africa_corps = Actor.objects.get(name="Wagner Group"), Actor.objects.get(name="Africa Corps")
    ActorRelation.objects.get_or_create(subject=wagner, kind=RelationKind.SUCCEEDED_BY, object=africa_corps)
    top, second = Actor.objects.filter(pk__in=[1, 2]).order_by("pk")
    fama = Actor.objects.get(name="Military Forces of Mali")

    with connection.cursor() as cursor:
        cursor.execute("SET work_mem = '64MB'")
        group_by = (
            "SELECT actor_id, measure, confirmed, harm, victim_status, country, admin1, date_trunc('quarter',"
            " start_date::timestamp), COUNT(DISTINCT incident_id), COUNT(*), SUM(count_low), SUM(count_best),"
            " SUM(count_high) FROM (" + _FACTS_SQL.format(incidents="TRUE") + ") AS f (record_id, actor_id, measure,"
            " confirmed, incident_id, start_date, date_precision, country, admin1, harm, victim_status, count_low,"
            " count_best, count_high) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"
        )
        grouped = []
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(group_by, _fact_params(None))
            cursor.fetchall()
            grouped.append(time.perf_counter() - started)
    rebuilt = []
    for _ in range(3):
        started = time.perf_counter()
        facts = tallies_rebuild()
        rebuilt.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tallies_casualtyfact")
        cursor.execute(
            "SELECT pg_total_relation_size('tallies_casualtyfact'), pg_relation_size('tallies_casualtyfact'),"
            " (SELECT sum(pg_total_relation_size(c)) FROM unnest(%s::regclass[]) AS c)",
            [["events_incident", "events_incidentparticipant", "events_casualtyrecord", "events_casualtyperpetrator"]],
        )
        total, heap, incident_data = cursor.fetchone()
    print(
        f"facts: {facts:,} rows, {total / 2**20:.0f} MB with indexes ({heap / 2**20:.0f} MB heap);"
        f" incident data (incidents, participants, records, perpetrators): {incident_data / 2**20:.0f} MB"
        f" -> {total / incident_data:.2f}x"
    )
    print(
        f"rebuild: {min(rebuilt):.1f} s (best of 3; {', '.join(f'{t:.1f}' for t in rebuilt)});"
        f" one GROUP BY of the same figures: {min(grouped):.1f} s -> {min(rebuilt) / min(grouped):.2f}x"
    )

    questions = {
        f"one actor, all time ({top.name})": TallyQuestion(actor_ids=(top.pk,)),
        f"one actor, per month ({top.name}, involved)": TallyQuestion(
            actor_ids=(top.pk,), period="month", measure="involved"
        ),
        f"one actor, all time ({fama.name})": TallyQuestion(actor_ids=(fama.pk,)),
        f"a set counted once ({top.name} + {second.name}), per quarter": TallyQuestion(
            actor_ids=(top.pk, second.pk), period="quarter"
        ),
        "a set counted once (FAMa + Wagner), per year, killed": TallyQuestion(
            actor_ids=(fama.pk, wagner.pk), period="year", harm="killed"
        ),
        "include_related (Wagner -> Africa Corps), per quarter": TallyQuestion(
            actor_ids=(wagner.pk,), include_related=True, period="quarter"
        ),
        f"period + place ({top.name}, quarter, MLI/Mopti, civilian, 2020-2024)": TallyQuestion(
            actor_ids=(top.pk,),
            period="quarter",
            country="MLI",
            admin1="Mopti",
            victim_status="civilian",
            date_after=datetime.date(2020, 1, 1),
            date_before=datetime.date(2024, 12, 31),
        ),
        "set, period + place (FAMa + Wagner, month, MLI, confirmed)": TallyQuestion(
            actor_ids=(fama.pk, wagner.pk), period="month", country="MLI", attribution="confirmed"
        ),
    }
    for label, question in questions.items():
        rows = len(tally_answer(question).cells)
        print(f"p50 {_timed(lambda q=question: tally_answer(q)):7.1f} ms  {label} ({rows} rows)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
