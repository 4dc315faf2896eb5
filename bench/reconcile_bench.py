"""Reconciliation at scale (issue 16: 100,000 x 50,000 events in minutes on 2 cores). Run by `make bench` before
bench/run.py, which puts its figures in docs/benchmarks.md:

    BENCH_RECONCILE_UCDP=5000 python bench/reconcile_bench.py    # default 50,000 UCDP and twice as many ACLED events

1. A database of its own (conflict_tracker_reconcile_bench on the project's PostgreSQL server,
   BENCH_RECONCILE_DATABASE to change it), created anew and migrated, with one editor; dropped at the end.
2. Files under var/bench/: a generated UCDP GED file of N events in three Sahel countries over ten years
   (tests/helpers/ucdp_file.py); an ACLED file describing each of them again, a day off, up to 3 km away, actors
   spelled otherwise, figures off by one, one in six a decoy 20 days later or 300 km away
   (tests/helpers/twin_files.py); and an ACLED file of N more events of ACLED's own (tests/helpers/acled_file.py).
3. The three imports, in this process, each finding its events' candidates at its end (timed with it).
4. Timed over BENCH_ROUNDS (3) rounds: every candidate found anew (`manage.py reconcile`'s
   match_candidates_rebuild: every published incident against the others), and the candidates of single incidents
   found anew as an edit finds them (median over 50).
5. What was found: the twins that found their UCDP event, the decoys that did (none should), the candidates per
   incident, the decisions made without an editor and how many of them join a twin and its event.
6. The figures go to var/bench/reconcile.json.
"""

import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_bench import _project_urls, drop_database, prepare_database  # noqa: E402

RESULT = ROOT / "var" / "bench" / "reconcile.json"
BENCH_DIR = ROOT / "var" / "bench"


def log(message: str) -> None:
    print(message, flush=True)


def _import(kind: str, path: Path) -> float:
    from django.contrib.auth.models import User

    from imports.choices import ImportStatus
    from imports.services import import_job_create, import_job_run

    started = time.perf_counter()
    job = import_job_create(by=User.objects.get(username="import-bench"), kind=kind, file_name=path.name)
    with path.open("rb") as stream:
        job = import_job_run(job=job, stream=stream)
    if job.status != ImportStatus.SUCCEEDED:
        sys.exit(f"The import of {path.name} failed: {job.errors[:5]}")
    return time.perf_counter() - started


def _quality(twins) -> dict:
    from django.db.models import Count

    from imports.models import ImportedEvent
    from reconciliation.models import MatchCandidate, MatchDecision

    incident_of = {
        (kind, external_id): incident_id
        for kind, external_id, incident_id in ImportedEvent.objects.values_list("kind", "external_id", "incident_id")
    }
    pairs = set(MatchCandidate.objects.values_list("incident_id", "other_id"))
    found = decoys_found = 0
    origin = {}
    for twin in twins:
        ucdp, acled = incident_of["ucdp", twin.ucdp_id], incident_of["acled", twin.acled_id]
        origin[acled] = ucdp
        matched = tuple(sorted((ucdp, acled))) in pairs
        if twin.decoy:
            decoys_found += matched
        else:
            found += matched
    from events.models import Incident

    automatic = list(MatchDecision.objects.filter(automatic=True).values_list("incident_id", "other_id"))
    right = sum(origin.get(other) == incident for incident, other in automatic)
    per_incident = MatchCandidate.objects.values("incident").annotate(n=Count("id")).order_by()
    counts = [row["n"] for row in per_incident]
    return {
        "twins": sum(not twin.decoy for twin in twins),
        "twins_found": found,
        "decoys": sum(twin.decoy for twin in twins),
        "decoys_found": decoys_found,
        "candidates": len(pairs),
        "candidates_per_incident_median": statistics.median(counts) if counts else 0,
        "automatic": len(automatic),
        "automatic_right": right,
        "merged_records": Incident.objects.filter(status="merged").count(),
        "merges": Incident.objects.filter(status="published", merged_records__isnull=False).distinct().count(),
    }


def main() -> None:
    ucdp_events = int(os.environ.get("BENCH_RECONCILE_UCDP") or 50_000)
    rounds = int(os.environ.get("BENCH_ROUNDS") or 3)
    name = os.environ.get("BENCH_RECONCILE_DATABASE") or "conflict_tracker_reconcile_bench"
    project_url, redis_url = _project_urls()
    log(f"Creating and migrating database {name}")
    prepare_database(project_url, name)
    # What the imports enqueue goes to a queue of its own, deleted at the end.
    queue = f"reconcile-bench-{uuid.uuid4().hex}"
    from conflict_tracker.celery import app

    app.conf.task_default_queue = queue
    try:
        from django.db import connection

        from reconciliation.services import match_candidates_rebuild, match_candidates_refresh
        from tests.helpers.acled_file import write_acled_file
        from tests.helpers.twin_files import write_acled_twins
        from tests.helpers.ucdp_file import write_ucdp_file

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        ucdp, twins_file, others = (BENCH_DIR / f"reconcile-{part}.csv" for part in ("ucdp", "twins", "acled"))
        log(f"Writing {ucdp_events:,} UCDP events, their ACLED twins and {ucdp_events:,} ACLED events of their own")
        write_ucdp_file(ucdp, ucdp_events)
        twins = write_acled_twins(ucdp, twins_file, every=1, prefix="T")
        write_acled_file(others, ucdp_events + 1, truncated=False)
        imports = {}
        for kind, path in (("ucdp", ucdp), ("acled", twins_file), ("acled", others)):
            imports[path.name] = _import(kind, path)
            log(f"  import of {path.name}: {imports[path.name]:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            cursor.execute("SELECT count(*) FROM events_incident")
            incidents = cursor.fetchone()[0]
        quality = _quality(twins)
        log(f"  {quality}")
        rebuilds, singles = [], []
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM events_incident ORDER BY id")
            sample = random.Random(5).sample([row[0] for row in cursor.fetchall()], 50)
        for round_ in range(1, rounds + 1):
            started = time.perf_counter()
            match_candidates_rebuild()
            rebuilds.append(time.perf_counter() - started)
            times = []
            for incident_id in sample:
                started = time.perf_counter()
                match_candidates_refresh([incident_id])
                times.append(time.perf_counter() - started)
            singles.append(statistics.median(times))
            log(f"  round {round_}: every candidate {rebuilds[-1]:.1f} s, one incident {singles[-1] * 1000:.1f} ms")
        assert _quality(twins) == quality, "a rebuild found other candidates than the imports"
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": os.getloadavg()[0],
            "ucdp_events": ucdp_events,
            "incidents": incidents,
            "imports_seconds": imports,
            "rebuild_seconds": rebuilds,
            "single_ms": [value * 1000 for value in singles],
            **quality,
        }
        RESULT.write_text(json.dumps(result, indent=1))
        log(f"Wrote {RESULT.relative_to(ROOT)}")
        for path in (ucdp, twins_file, others):
            path.unlink()
    finally:
        drop_database(project_url, name)
        import redis

        with redis.Redis.from_url(redis_url) as client:
            for key in client.scan_iter(match=f"*{queue}*"):
                client.delete(key)


if __name__ == "__main__":
    main()
