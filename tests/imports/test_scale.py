"""ACLED imports at scale: a generated 200,000-row file imports in bounded memory, with exact counts, and a
file runs as one Celery job on a real worker, its progress visible while it runs.

The file is written row by row (never held in memory) by `write_acled_file`, which bench/import_bench.py uses
too. The import runs in a process of its own, started through a bare interpreter (see MEASURING_SCRIPT), so
the peak RSS measured is the import's and not pytest's.
"""

import csv
import datetime
import io
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File

from actors.models import Actor, ActorAlias
from conflict_tracker.choices import ImportKind
from events.models import CasualtyRecord, Incident, IncidentParticipant
from imports.choices import ImportStatus
from imports.models import MAX_STORED_ERRORS, ImportedEvent, ImportJob
from imports.services import import_job_create
from imports.services.history import event_model
from imports.tasks import run_import_job
from sources.models import Claim
from tallies.models import TallyChange
from tests.tallies import test_tasks as tally_tasks
from tests.tallies.test_tasks import wait_until

# The real worker, its queue in a Redis database of the tests and the test database as a URL: the tally tasks'.
broker = tally_tasks.broker
start_worker = tally_tasks.start_worker
test_database = tally_tasks.test_database

SCALE_ROWS = int(os.environ.get("SCALE_ROWS", "200000"))
MAX_RSS_MB = 300
# serialized_rollback: the flush after each test empties the tables, the roles of the data migrations included.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

HEADER = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,"
    "inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp"
).split(",")

# (iso3, ISO numeric, name, admin1 names, latitude range, longitude range, the army's dated labels: (label, until))
COUNTRIES = (
    (
        "MLI",
        466,
        "Mali",
        ("Mopti", "Gao", "Timbuktu", "Segou", "Kidal", "Menaka", "Koulikoro"),
        (11.0, 20.0),
        (-11.0, 3.5),
        (
            ("Military Forces of Mali (2013-2020)", datetime.date(2020, 8, 17)),
            ("Military Forces of Mali (2020-2021)", datetime.date(2021, 5, 23)),
            ("Military Forces of Mali (2021-)", None),
        ),
    ),
    (
        "BFA",
        854,
        "Burkina Faso",
        ("Sahel", "Nord", "Est", "Centre-Nord", "Boucle du Mouhoun"),
        (10.0, 15.0),
        (-5.0, 2.0),
        (
            ("Military Forces of Burkina Faso (2015-2022)", datetime.date(2022, 1, 23)),
            ("Military Forces of Burkina Faso (2022-)", None),
        ),
    ),
    (
        "NER",
        562,
        "Niger",
        ("Tillaberi", "Tahoua", "Diffa", "Maradi"),
        (12.0, 20.0),
        (0.5, 14.0),
        (
            ("Military Forces of Niger (2021-2023)", datetime.date(2023, 7, 25)),
            ("Military Forces of Niger (2023-)", None),
        ),
    ),
    (
        "NGA",
        566,
        "Nigeria",
        ("Borno", "Yobe", "Zamfara", "Kaduna", "Benue", "Lagos"),
        (5.0, 13.5),
        (3.0, 14.5),
        (
            ("Military Forces of Nigeria (2015-2023)", datetime.date(2023, 5, 28)),
            ("Military Forces of Nigeria (2023-)", None),
        ),
    ),
    (
        "TCD",
        148,
        "Chad",
        ("Lac", "Tibesti", "Ouaddai"),
        (8.0, 22.0),
        (14.0, 23.0),
        (("Military Forces of Chad (2021-)", None),),
    ),
)
ARMED_GROUPS = (
    "JNIM: Group for Support of Islam and Muslims",
    "Islamic State (Sahel)",
    "Islamic State West Africa Province",
    "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad",
    "Katiba Macina",
    "Ansaroul Islam",
)
MILITIAS = ("Dan Na Ambassagou", "Koglweogo Militia", "VDP: Volunteers for the Defense of the Homeland")
ASSOCIATES = ("Wagner Group", "Fulani Ethnic Group ({})", "Dogon Ethnic Group ({})", "Farmers ({})", "Herders ({})")
# (event type, sub-event types, how side A and side B are drawn, disorder type, weight)
KINDS = (
    ("Battles", ("Armed clash", "Government regains territory"), ("state", "armed"), "Political violence", 30),
    ("Violence against civilians", ("Attack", "Abduction/forced disappearance"), ("armed", "civilians"), "", 25),
    ("Explosions/Remote violence", ("Remote explosive/landmine/IED", "Air/drone strike"), ("armed", "state"), "", 15),
    ("Protests", ("Peaceful protest",), ("protesters", None), "Demonstrations", 15),
    ("Riots", ("Mob violence", "Violent demonstration"), ("rioters", "civilians"), "Demonstrations", 10),
    ("Strategic developments", ("Looting/property destruction", "Arrests"), ("militia", "civilians"), "", 5),
)
INTER = {"state": "1", "armed": "2", "militia": "4", "rioters": "5", "protesters": "6", "civilians": "7"}
# A bad row every BAD_EVERY rows, each kind in turn: what is wrong with it.
BAD_EVERY = 997
BAD_KINDS = (
    ("event_date", "2024-02-30"),  # the file's format, not a day
    ("fatalities", "many"),
    ("iso", "999", "country", "Atlantis"),
    ("event_type", "Bombing"),
    ("latitude", "95.5"),
    ("inter1", "Aliens"),
)
MONADIC_SHARE = 0.2


@dataclass
class Written:
    rows: int = 0  # data rows, the truncated last one included
    events: int = 0  # distinct events of the valid rows
    bad_rows: int = 0  # rows the import must refuse, the truncated last one included
    monadic_events: int = 0


def _actor(side: str, country: tuple, day: datetime.date, rng: random.Random) -> str:
    name = country[2]
    if side == "state":
        return next(label for label, until in country[6] if until is None or day <= until)
    if side == "armed":
        if rng.random() < 0.3:
            return f"Communal Militia {rng.randrange(60)} ({name})"
        return rng.choice(ARMED_GROUPS)
    if side == "militia":
        return rng.choice(MILITIAS)
    return {"civilians": "Civilians ({})", "rioters": "Rioters ({})", "protesters": "Protesters ({})"}[side].format(
        name
    )


def write_acled_file(path: Path, rows: int, *, seed: int = 6, truncated: bool = True) -> Written:
    """An ACLED export in the current schema, `rows` data rows long, written a row at a time: five countries,
    six event types, the armies under their dated labels, communal militias nobody knows, associated actors,
    notes with commas and newlines, one event in five monadic (a row per actor), a bad row every BAD_EVERY rows
    and (unless `truncated` is false) a truncated last row. Returns what an import must find in it."""
    rng = random.Random(seed)
    written = Written()
    weights = [kind[-1] for kind in KINDS]
    first_day = datetime.date(2015, 1, 1).toordinal()
    days = datetime.date(2024, 12, 31).toordinal() - first_day
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        while written.rows < rows - 1:
            country = rng.choice(COUNTRIES)
            iso3, numeric, name, admins = country[:4]
            day = datetime.date.fromordinal(first_day + rng.randrange(days))
            event_type, sub_types, (side_a, side_b), disorder, _weight = rng.choices(KINDS, weights)[0]
            actor1 = _actor(side_a, country, day, rng)
            actor2 = _actor(side_b, country, day, rng) if side_b else ""
            assoc1 = "; ".join(
                associate.format(name) for associate in rng.sample(ASSOCIATES, rng.choice((0, 0, 0, 1, 2)))
            )
            fatalities = 0 if event_type == "Protests" else rng.choice((0, 0, 1, 2, 3, 5, 8, 13, 24))
            admin1 = rng.choice(admins)
            note = (
                f"On {day:%d %B %Y}, {actor1} "
                + ("clashed with" if side_b else "gathered near")
                + f" {actor2 or 'town hall'}"
            )
            note += f" in {admin1}, {name}." + (
                " Residents fled; shops, schools closed.\nNo figure given." * rng.randrange(3)
            )
            written.events += 1
            row = {
                "event_id_cnty": f"{iso3}{written.events}",
                "event_date": day.isoformat(),
                "year": str(day.year),
                "time_precision": rng.choice("1112"),
                "disorder_type": disorder or "Political violence",
                "event_type": event_type,
                "sub_event_type": rng.choice(sub_types),
                "actor1": actor1,
                "assoc_actor_1": assoc1,
                "inter1": INTER[side_a],
                "actor2": actor2,
                "assoc_actor_2": "",
                "inter2": INTER[side_b] if side_b else "",
                "interaction": "",
                "civilian_targeting": "Civilian targeting" if side_b == "civilians" else "",
                "iso": str(numeric),
                "region": "Western Africa",
                "country": name,
                "admin1": admin1,
                "admin2": f"{admin1} Cercle {rng.randrange(5)}",
                "admin3": "",
                "location": f"{admin1} village {rng.randrange(400)}",
                "latitude": f"{rng.uniform(*country[4]):.4f}",
                "longitude": f"{rng.uniform(*country[5]):.4f}",
                "geo_precision": rng.choice("1112"),
                "source": rng.choice(("Reuters", "AFP; Local media", "Radio France Internationale", "Twitter")),
                "source_scale": "National",
                "notes": note,
                "fatalities": str(fatalities),
                "tags": "",
                "timestamp": str(1_700_000_000 + written.events),
            }
            out.writerow([row[column] or "NA" for column in HEADER])
            written.rows += 1
            if actor2 and rng.random() < MONADIC_SHARE and written.rows < rows - 1:
                # The same event from side B's point of view, as a monadic export gives it.
                swapped = {
                    **row,
                    "actor1": actor2,
                    "inter1": row["inter2"],
                    "actor2": actor1,
                    "assoc_actor_2": assoc1,
                    "assoc_actor_1": "",
                    "inter2": row["inter1"],
                }
                out.writerow([swapped[column] or "NA" for column in HEADER])
                written.rows += 1
                written.monadic_events += 1
            if written.rows % BAD_EVERY == 0 and written.rows < rows - 1:
                bad = dict(row, event_id_cnty=f"BAD{written.rows}")
                wrong = BAD_KINDS[(written.rows // BAD_EVERY) % len(BAD_KINDS)]
                bad.update(zip(wrong[::2], wrong[1::2], strict=True))
                out.writerow([bad[column] or "NA" for column in HEADER])
                written.rows += 1
                written.bad_rows += 1
        if not truncated:
            return written
        # The download cut short: the last row stops halfway, without its line end.
        stream.write(f"{iso3}{written.events + 1},{day.isoformat()},{day.year},1,Political violence,Battles")
        written.rows += 1
        written.bad_rows += 1
    return written


def test_the_generated_file_holds_what_it_says(tmp_path):
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, 5000)

    with path.open(newline="", encoding="utf-8") as stream:
        rows = list(csv.reader(stream))[1:]
    assert len(rows) == written.rows == 5000
    assert len(rows[-1]) < len(HEADER)  # the truncated last row
    ids = [row[0] for row in rows[:-1]]
    assert sum(event_id.startswith("BAD") for event_id in ids) + 1 == written.bad_rows
    assert len({event_id for event_id in ids if not event_id.startswith("BAD")}) == written.events
    assert len(ids) - written.bad_rows + 1 - written.events == written.monadic_events > 500
    assert {row[17] for row in rows[:-1]} == {country[2] for country in COUNTRIES} | {"Atlantis"}


# `manage.py import_acled FILE`, its tally refresh enqueued on the test's queue.
IMPORT_SCRIPT = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from conflict_tracker.celery import app
    app.conf.task_default_queue = sys.argv[1]
    from django.core.management import call_command
    call_command("import_acled", sys.argv[2], as_user="editor")
    """
)
# Linux starts a new process's ru_maxrss at its parent's peak: the high-water mark comes with the address space
# at fork and is kept at exec. A direct child of pytest therefore reports at least pytest's own peak (158 MB
# alone, 411 MB at the end of the full suite), whatever the import itself uses. This bare interpreter in between
# peaks at about 10 MB, so the figure it reads with wait4 for the import (its child) is the import's.
MEASURING_SCRIPT = textwrap.dedent(
    """
    import os, subprocess, sys
    child = subprocess.Popen(sys.argv[1:])
    _pid, status, usage = os.wait4(child.pid, 0)
    print(f"peak RSS of the import: {usage.ru_maxrss} KiB")
    sys.exit(os.waitstatus_to_exitcode(status))
    """
)
PEAK_LINE = re.compile(r"^peak RSS of the import: (\d+) KiB$", re.MULTILINE)


def _import_in_a_child(path: Path, test_database, broker) -> tuple[int, int, str]:
    """Run `manage.py import_acled` on the file in a process of its own, with production settings (DEBUG off,
    which keeps no query log) on the test database; the refresh it enqueues goes to the test's queue. Returns the
    exit status, the import process's own peak RSS in KiB and its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "conflict_tracker.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": test_database.url,
        "REDIS_URL": broker.url,
    }
    log = path.with_suffix(".log")
    with log.open("wb") as out:
        status = subprocess.call(
            [sys.executable, "-c", MEASURING_SCRIPT, sys.executable, "-c", IMPORT_SCRIPT, broker.queue, str(path)],
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    output = log.read_text(errors="replace")
    peak = PEAK_LINE.search(output)
    assert peak, output
    return status, int(peak[1]), output


@transactional
def test_a_200000_row_file_imports_in_bounded_memory_with_exact_counts(tmp_path, editor, test_database, broker):
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, SCALE_ROWS)

    started = time.monotonic()
    status, peak_kib, output = _import_in_a_child(path, test_database, broker)
    seconds = time.monotonic() - started

    pytest_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # for comparison: not the import's
    measured = f"peak RSS {peak_kib / 1024:.0f} MB (pytest's own: {pytest_peak_kib / 1024:.0f} MB)"
    print(f"{written.rows} rows imported in {seconds:.0f} s, {measured}")
    assert status == 0, output
    assert peak_kib < MAX_RSS_MB * 1024, measured
    job = ImportJob.objects.get()
    assert (job.status, job.rows_read, job.events_total) == (ImportStatus.SUCCEEDED, written.rows, written.events)
    assert (job.created, job.updated, job.unchanged) == (written.events, 0, 0)
    assert job.error_count == written.bad_rows
    assert len(job.errors) == min(written.bad_rows, MAX_STORED_ERRORS)
    assert job.errors[-1]["row"] == written.rows + 1  # the truncated last row (the header is row 1)
    # Every event once (a monadic event's two rows merged), with its claim, record and import key.
    assert Incident.objects.count() == written.events
    assert Incident.objects.exclude(status="published").count() == 0
    assert Claim.objects.filter(review_status="accepted").count() == written.events
    assert CasualtyRecord.objects.count() == written.events
    assert ImportedEvent.objects.filter(kind=ImportKind.ACLED).count() == written.events
    # Each incident has its revision, by the import; each is noted for the tallies, whose refresh was enqueued once.
    assert (
        event_model(Incident).objects.filter(pgh_label="insert", pgh_context__metadata__import_job=job.pk).count()
        == written.events
    )
    assert TallyChange.objects.count() == written.events
    assert broker.purge() == 1
    # Each army's dated labels are one actor; the militias nobody knew are new actors flagged for review.
    for country in COUNTRIES:
        army = country[6][0][0].rsplit(" (", 1)[0]
        assert Actor.objects.filter(name=army).count() == 1, army
        assert not Actor.objects.filter(name__startswith=f"{army} (").exists(), army
        # Each of its labels is its alias, so the API finds it by the name the file gives.
        assert set(ActorAlias.objects.filter(actor__name=army).values_list("name", flat=True)) == {
            label for label, _until in country[6]
        }, army
        assert IncidentParticipant.objects.filter(actor__name=army).exists(), army
    assert job.actors_created == Actor.objects.filter(needs_review=True).count() > 60


@transactional
def test_a_file_runs_as_one_job_on_a_real_worker_and_its_page_shows_the_progress(
    tmp_path, editor, client, settings, monkeypatch, broker, start_worker
):
    """The issue's 100,000 rows, uploaded as a job, run by a worker, followed on its page to the end, with its
    per-row error report."""
    settings.MEDIA_ROOT = tmp_path / "media"
    path = tmp_path / "acled.csv"
    written = write_acled_file(path, 100_000)
    with path.open("rb") as stream:
        job = import_job_create(by=editor, kind=ImportKind.ACLED, file_name=path.name, file=File(stream, path.name))
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the worker reads the file where it was stored
    worker = start_worker()
    client.force_login(editor)
    seen: set[int] = set()

    def finished():
        fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
        seen.add(int(re.search(r'<progress id="import-progress" max="100" value="(\d+)">', fragment)[1]))
        return ImportJob.objects.get(pk=job.pk).finished_at

    run_import_job.delay(job.pk)
    wait_until(finished, "the worker finishes the import", worker.log, timeout=600)

    job.refresh_from_db()
    assert (job.status, job.created, job.error_count) == (ImportStatus.SUCCEEDED, written.events, written.bad_rows)
    assert Incident.objects.count() == written.events
    assert any(0 < value < 100 for value in seen), seen  # the bar moved while the worker merged
    assert max(seen) == 100
    report = client.get(f"/imports/{job.pk}/errors.csv")
    assert report.status_code == 200
    errors = list(csv.reader(io.StringIO(report.content.decode())))
    assert errors[0] == ["row", "event_id", "message"]
    assert len(errors) - 1 == written.bad_rows  # each refused row, with its number and what is wrong with it
    assert errors[-1][0] == str(written.rows + 1) and "cut short" in errors[-1][2]
