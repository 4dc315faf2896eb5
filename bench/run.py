"""A fair race of the API against the tools a researcher would pick instead, on the same data and the same
machine (issue 14): `make bench`, which runs bench/import_bench.py and bench/reconcile_bench.py first and then this.

    BENCH_INCIDENTS=20000 BENCH_SECONDS=3 make bench    # a quick smoke run (default 2,000,000 incidents)

1. A database of its own (conflict_tracker_bench on the project's PostgreSQL server, BENCH_DATABASE_NAME to
   change it), migrated and filled with N incidents and their parts by SQL (bench/dataset.py). It is reused while
   it holds N incidents and the migrations have not changed; BENCH_REBUILD=1 starts again.
2. The peers, from a venv of their own (var/bench/peers-venv, versions pinned in bench/requirements-peers.txt):
   Datasette serving the published incidents copied into var/bench/incidents.db with the indexes a competent
   SQLite user would add, FTS and ANALYZE (bench/export.py); DuckDB counting the tallies from CSV files of the
   same tables (bench/tallies.py, bench/duck.py).
3. The app served by gunicorn with production settings (DEBUG off), anonymous reads on and throttle rates too
   high to trigger; both servers on loopback ports.
4. Before anything is timed, both sides must return the same rows (lists and detail field for field, the CSV
   export's incidents, every tally's figures, the full GROUP BY). Then BENCH_ROUNDS (3) rounds, each measuring the
   API and then its peer on every query: lists, detail and tallies over keep-alive connections for BENCH_SECONDS
   (10) after BENCH_WARMUP (2) at each of BENCH_CONNECTIONS (1,4), by wrk if installed, else by bench/measure.py;
   the CSV export downloaded whole. Then the gunicorn workers' RSS, one edit reaching its tally, and the full
   rebuild against one GROUP BY (PostgreSQL's and DuckDB's), alternated over the rounds.
5. docs/benchmarks.md is written anew, each figure beside the issue's target with "met" or "not met", the import's
   figures (var/bench/import.json) and reconciliation's (var/bench/reconcile.json) included. The exit status is 1
   if two sides disagree, 0 otherwise: whether a target holds is written, not asserted.
"""

import csv
import hashlib
import io
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from bench import measure, servers  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
SQLITE_PATH = BENCH_DIR / "incidents.db"
PEERS_VENV = BENCH_DIR / "peers-venv"
REQUIREMENTS = Path(__file__).with_name("requirements-peers.txt")
CSV_DIR = BENCH_DIR / "csv"
DUCKDB_PATH = BENCH_DIR / "tallies.duckdb"
IMPORT_RESULT = BENCH_DIR / "import.json"
RECONCILE_RESULT = BENCH_DIR / "reconcile.json"
PAGE = 50
DEPTH = 5000
ACTOR = "Wagner Group"
EXPORT_COUNTRY = "NER"
BARE_REPEAT = 20
TALLY_REPEAT = 31


class Disagreement(Exception):
    """The API and Datasette returned different rows for the same query."""


def log(message: str) -> None:
    print(message, flush=True)


# -- setup ---------------------------------------------------------------------------------------------------


def _settings() -> dict:
    n = int(os.environ.get("BENCH_INCIDENTS") or 2_000_000)
    if n < 10_000:
        sys.exit("BENCH_INCIDENTS must be at least 10000, so that every query fills its pages.")
    return {
        "n": n,
        "database": os.environ.get("BENCH_DATABASE_NAME") or "conflict_tracker_bench",
        "seconds": float(os.environ.get("BENCH_SECONDS") or 10),
        "warmup": float(os.environ.get("BENCH_WARMUP") or 2),
        "connections": [int(part) for part in (os.environ.get("BENCH_CONNECTIONS") or "1,4").split(",")],
        "workers": int(os.environ.get("BENCH_WORKERS") or os.cpu_count() or 1),
        "rebuild": os.environ.get("BENCH_REBUILD", "") not in ("", "0", "false"),
        "rounds": max(3, int(os.environ.get("BENCH_ROUNDS") or 3)),
    }


def _project_database_url() -> str:
    """The project's DATABASE_URL, as settings.py finds it (the environment, else var/services.env)."""
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        from conflict_tracker import localservices

        localservices.up(localservices.Config.from_env())
    var_dir = Path(os.environ.get("CONFLICT_TRACKER_VAR_DIR") or ROOT / "var")
    environ.Env.read_env(var_dir / "services.env", overwrite=False)
    return os.environ["DATABASE_URL"]


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _production_env(database_url: str) -> None:
    """The environment of this process and of gunicorn: production settings (DEBUG off) on the bench database.

    Plain HTTP on loopback, so no redirect to https; throttling stays in the request path (it reads and writes
    its counters in Redis, as in production) with rates no benchmark reaches.
    """
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "conflict_tracker.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SECURE_SSL_REDIRECT": "false",
            "API_ANONYMOUS_READ": "true",
            "API_THROTTLE_ANON": "1000000/second",
            "API_THROTTLE_USER": "1000000/second",
            "LOG_LEVEL": "WARNING",
        }
    )


# The apps whose tables bench/dataset.py fills: a migration elsewhere (a new app, say) leaves the data valid, and
# `migrate` applies it to the reused database.
DATA_APPS = ("actors", "events", "sources")


def _migrations_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(path for app in DATA_APPS for path in ROOT.glob(f"{app}/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_meta(url: str) -> dict:
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            if conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0] is None:
                return {}
            return dict(conn.execute("SELECT key, value FROM bench_meta").fetchall())
    except psycopg.OperationalError:
        return {}


def prepare_database(project_url: str, config: dict) -> dict:
    """The bench database holding N incidents, made if need be; its meta (token, generation time...)."""
    name = config["database"]
    project_name = urlsplit(project_url).path.lstrip("/")
    if name == project_name or name.startswith("test_"):
        sys.exit(f"BENCH_DATABASE_NAME={name} would overwrite another database; choose another name.")
    url = _with_database(project_url, name)
    admin_url = _with_database(project_url, "postgres")
    fingerprint = _migrations_fingerprint()
    meta = {} if config["rebuild"] else _read_meta(url)
    reuse = meta.get("incidents") == str(config["n"]) and meta.get("migrations") == fingerprint
    if not reuse:
        log(f"Creating database {name}")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    _production_env(url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    # As the production image is built (Dockerfile): production settings serve hashed static files, whose manifest
    # collectstatic writes (into STATIC_ROOT, under var/).
    call_command("collectstatic", interactive=False, verbosity=0)
    if reuse:
        log(f"Reusing {name}: {config['n']:,} incidents, generated in {float(meta['generation_seconds']):.0f}s")
        return meta

    from bench import dataset

    log(f"Generating {config['n']:,} incidents")
    with psycopg.connect(url) as conn:
        seconds = dataset.generate(conn, config["n"], log)
        meta = {
            "incidents": str(config["n"]),
            "migrations": fingerprint,
            "token": uuid.uuid4().hex,
            "generation_seconds": f"{seconds:.1f}",
            "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        conn.execute("CREATE TABLE bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO bench_meta VALUES (%s, %s)", list(meta.items()))
        conn.commit()
    log(f"Generated in {seconds:.0f}s")
    return meta


def prepare_sqlite(meta: dict) -> dict:
    from bench import export

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if export.is_current(SQLITE_PATH, meta["token"]):
        log(f"Reusing {SQLITE_PATH.relative_to(ROOT)}")
        return {"export_seconds": None}
    log(f"Exporting the published incidents to {SQLITE_PATH.relative_to(ROOT)}")
    seconds, rows = export.export(SQLITE_PATH, meta["token"], log)
    log(f"Exported {rows:,} rows in {seconds:.0f}s")
    return {"export_seconds": seconds}


def _machine() -> str:
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kilobytes = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{kilobytes / 1024 / 1024:.0f} GB"
    return f"{os.cpu_count()} CPUs, {memory} RAM, {platform.system()} {platform.machine()}"


def _versions(datasette_base_url: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0].split()[0]
    datasette = _get(f"{datasette_base_url}/-/versions.json")
    wrk = "not installed (bench/measure.py client)"
    if measure.tool() == "wrk":
        output = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        wrk = (output.stdout or output.stderr).split()[1]
    return {
        "PostgreSQL": postgres,
        "Python": platform.python_version(),
        "Django": metadata.version("django"),
        "Django REST framework": metadata.version("djangorestframework"),
        "gunicorn": metadata.version("gunicorn"),
        "Datasette": datasette["datasette"]["version"],
        "SQLite (Datasette's)": datasette["sqlite"]["version"],
        "Python (Datasette's)": datasette["python"]["version"],
        "wrk": wrk,
    }


def _counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for label, query in (
            ("incidents", "SELECT count(*) FROM events_incident"),
            ("published", "SELECT count(*) FROM events_incident WHERE status = 'published'"),
            ("participants", "SELECT count(*) FROM events_incidentparticipant"),
            ("casualty records", "SELECT count(*) FROM events_casualtyrecord"),
        ):
            cursor.execute(query)
            counts[label] = cursor.fetchone()[0]
        from django.contrib.auth.models import AnonymousUser

        from events.models import Incident

        counts["public"] = Incident.objects.visible_to(AnonymousUser()).count()
        cursor.execute("SELECT pg_database_size(current_database())")
        counts["database size"] = cursor.fetchone()[0]
    return counts


INTRO = """\
# Benchmarks

Issue 14: the API against the tools a researcher would pick instead, on the same data, on the same machine, each
given what a competent user would give it. `make bench` (bench/import_bench.py, then bench/run.py) measures it and
writes this file; everything below the line is its output, replaced on each run.

- Lists, detail and CSV export: [Datasette](https://datasette.io/) serving the incidents the public may see (published,
  the licence rule applied: none resting on ACLED alone) from SQLite, with
  a composite index for each filter and ordering queried (DESC where its keyset pages walk newest or deadliest
  first), a unique index on the code, FTS on the notes and ANALYZE; the nested parts stored pre-joined as JSON text.
- Tallies and the full rebuild: [DuckDB](https://duckdb.org/) on CSV files of the same tables.
- Import: PostgreSQL's COPY of the same file, and INSERT ... SELECT of the import's final rows.

---
"""


def _pinned(package: str) -> str:
    for line in REQUIREMENTS.read_text().splitlines():
        if line.startswith(f"{package}=="):
            return line.split("==", 1)[1].strip()
    raise RuntimeError(f"no {package}== pin in {REQUIREMENTS.name}")


def prepare_peers() -> dict:
    """Datasette and DuckDB, at the versions pinned in bench/requirements-peers.txt, in a venv of their own
    (var/bench/peers-venv), installed from PyPI by pip on first use and whenever a pin changes."""
    python = PEERS_VENV / "bin" / "python"
    stamp = PEERS_VENV / ".installed"
    wanted = REQUIREMENTS.read_text()
    if not (python.exists() and stamp.exists() and stamp.read_text() == wanted):
        log(
            f"Installing Datasette {_pinned('datasette')} and DuckDB {_pinned('duckdb')} into "
            f"{PEERS_VENV.relative_to(ROOT)}"
        )
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(wanted)
    return {"datasette": PEERS_VENV / "bin" / "datasette", "python": python}


def prepare_tokens() -> dict:
    """A researcher and an editor, each with a fresh API token: {role: (user, token)}."""
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from tests.factories import UserFactory

    tokens = {}
    for role in ("researcher", "editor"):
        user = get_user_model().objects.filter(username=f"bench-{role}").first()
        if user is None:
            user = UserFactory(username=f"bench-{role}", role=role)
        tokens[role] = (user, AuthToken.objects.create(user=user)[1])
    return tokens


def prepare_duckdb(meta: dict, peers: dict) -> dict:
    """The incident tables as CSV files and DuckDB's database made from them (reused while the data is the same)."""
    from bench import tallies

    stamp = DUCKDB_PATH.with_suffix(".token")
    if DUCKDB_PATH.exists() and stamp.exists() and stamp.read_text() == meta["token"]:
        log(f"Reusing {DUCKDB_PATH.relative_to(ROOT)}")
        return {"csv_seconds": None, "load_seconds": None}
    log(f"Exporting the incident tables to {CSV_DIR.relative_to(ROOT)} for DuckDB")
    csv_seconds, csv_bytes = tallies.export_csv(CSV_DIR)
    DUCKDB_PATH.unlink(missing_ok=True)
    loaded = tallies.run_duck(peers["python"], {"database": str(DUCKDB_PATH), "setup": tallies.duck_load_sql(CSV_DIR)})
    stamp.write_text(meta["token"])
    seconds = loaded["setup_seconds"]
    return {
        "csv_seconds": csv_seconds,
        "csv_bytes": csv_bytes,
        "load_seconds": sum(seconds[:-1]),
        "facts_seconds": seconds[-1],
    }


# -- the queries -----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Query:
    name: str
    description: str
    ours: dict
    datasette: dict
    deep: bool = False
    token: str = ""  # the role whose token the API request carries; Datasette has no accounts
    detail: bool = False


def queries(actor_id: int) -> list[Query]:
    by_date = {"_sort_desc": "start_date_id"}
    mali_2024 = {"country": "MLI", "date_after": "2024-01-01", "date_before": "2024-12-31"}
    datasette_mali_2024 = {"country": "MLI", "period_end__gte": "2024-01-01", "period_start__lte": "2024-12-31"}
    return [
        Query("page-1", "The first page, newest first, no filter", {}, by_date),
        Query(
            "mali-2024", "Mali, incidents overlapping 2024, newest first", mali_2024, {**datasette_mali_2024, **by_date}
        ),
        Query(
            "mali-2024-researcher",
            "The same with a researcher's token",
            mali_2024,
            {**datasette_mali_2024, **by_date},
            token="researcher",
        ),
        Query(
            "mali-2024-editor",
            "The same with an editor's token and `status=published` (an editor's list holds drafts too, and the "
            "incidents the public may not see)",
            {**mali_2024, "status": "published"},
            {**datasette_mali_2024, **by_date},
            token="editor",
        ),
        Query(
            "civilians-10-killed",
            "Violence against civilians with at least 10 killed (best estimate), newest first",
            {"event_type": "Violence against civilians", "fatalities_min": "10"},
            {"event_type": "Violence against civilians", "fatalities_best__gte": "10", **by_date},
        ),
        Query(
            "actor",
            f"Incidents {ACTOR} took part in (by name; Datasette by id, through its participants table)",
            {"actor": ACTOR},
            {"_where": f"sort_key IN (SELECT incident_key FROM participants WHERE actor_id = {actor_id})", **by_date},
        ),
        Query(
            "gao-deadliest",
            "Region of Gao, deadliest first",
            {"admin1": "Gao", "ordering": "-fatalities_best"},
            {"admin1": "Gao", "_sort_desc": "fatalities_id"},
        ),
        Query(
            "depth-5000",
            "Mali, newest first, 50 rows at depth 5,000 (API cursor; Datasette _next)",
            {"country": "MLI"},
            {"country": "MLI", **by_date},
            deep=True,
        ),
        Query("detail", "One incident's detail (by code; Datasette's row page)", {}, {}, detail=True),
    ]


DATASETTE_COMMON = {"_shape": "objects", "_nocount": "1", "_nofacet": "1", "_nosuggest": "1"}


def _with_params(url: str, **params) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({key: str(value) for key, value in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def _fetch(url: str, headers: dict | None = None, attempts: int = 3) -> bytes:
    """The body at `url`. Datasette answers 400 to a query that outruns its time limit, which a first query on a
    cold page cache (just after the export) can: it is asked again before the run gives up, with its reason."""
    request = urllib.request.Request(url, headers=headers or {})
    for _ in range(attempts - 1):
        try:
            with urllib.request.urlopen(request, timeout=600) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            log(f"  {error.code} from {urlsplit(url).path} ({error.read()[:200].decode(errors='replace')}); again")
    with urllib.request.urlopen(request, timeout=600) as response:
        return response.read()


def _get(url: str, headers: dict | None = None) -> dict:
    return json.loads(_fetch(url, headers))


def _same_rows(name: str, ours: list[dict], theirs: list[dict], staff: bool = False) -> None:
    """The same incidents in the same order, and every column the same value. For `staff`, who also see the parts
    the public may not (claims still in review), each part list is compared on the parts the peer holds."""
    from bench.export import COLUMNS, EXTRA
    from events.columns import PART_NAMES as NESTED

    our_codes = [row["code"] for row in ours]
    their_codes = [row["code"] for row in theirs]
    if our_codes != their_codes:
        raise Disagreement(f"{name}: the API gives {our_codes[:5]}..., Datasette {their_codes[:5]}...")
    for our_row, their_row in zip(ours, theirs, strict=True):
        for column in COLUMNS[1 : -len(EXTRA)]:
            value = their_row[column]
            if column in NESTED:
                value = json.loads(value)
            elif column == "civilian_targeting":
                value = bool(value)
            ours_value = our_row[column]
            if staff and column in NESTED and all(isinstance(part, dict) and "id" in part for part in ours_value):
                shown = {part["id"] for part in value}
                ours_value = [part for part in ours_value if part["id"] in shown]
            if column in NESTED and len(ours_value) == len(value):
                # Staff see more of each part (a record's note, its named victims): compared on the public's fields.
                ours_value = [
                    {key: part[key] for key in public if key in part} if isinstance(public, dict) else part
                    for part, public in zip(ours_value, value, strict=True)
                ]
            if value != ours_value:
                raise Disagreement(f"{name}: {our_row['code']}.{column} is {our_row[column]!r} vs {value!r}")


def _headers(query: Query, tokens: dict) -> dict:
    return {"Authorization": f"Token {tokens[query.token][1]}"} if query.token else {}


def resolve_urls(query: Query, ours_base: str, datasette_base: str, tokens: dict) -> tuple[str, str]:
    """The two URLs of a query's measured page, once both sides were found to agree on it."""
    headers = _headers(query, tokens)
    if query.detail:
        # A published incident from the middle of the list, as a link from a list page would lead to.
        listed = _get(_with_params(ours_base, country="MLI", page_size=PAGE))["results"]
        code = listed[PAGE // 2]["code"]
        ours_url = f"{ours_base}{code}/"
        datasette_url = _with_params(datasette_base, code=code, **DATASETTE_COMMON, _size=1)
        ours, theirs = _get(ours_url, headers), _get(datasette_url)["rows"]
        if len(theirs) != 1 or theirs[0]["code"] != ours["code"]:
            raise Disagreement(f"{query.name}: Datasette has no row {code}")
        datasette_url = f"{datasette_base.removesuffix('.json')}/{theirs[0]['sort_key']}.json?_shape=objects"
        theirs = _get(datasette_url)["rows"]
        shared = {column: ours[column] for column in theirs[0] if column in ours}
        _same_rows(query.name, [ours | shared], theirs)
        return ours_url, datasette_url
    ours_url = _with_params(ours_base, **query.ours)
    datasette_url = _with_params(datasette_base, **query.datasette, **DATASETTE_COMMON)
    if query.deep:
        # Walk there in pages of 500, checking each, then ask both sides for 50 rows from that point.
        step = 500
        ours_url, datasette_url = _with_params(ours_url, page_size=step), _with_params(datasette_url, _size=step)
        for _ in range(DEPTH // step):
            ours, theirs = _get(ours_url, headers), _get(datasette_url)
            _same_rows(query.name, ours["results"], theirs["rows"])
            if not ours["next"] or not theirs["next"]:
                raise Disagreement(f"{query.name}: fewer than {DEPTH} rows; raise BENCH_INCIDENTS")
            ours_url = ours["next"]
            datasette_url = _with_params(datasette_url, _next=theirs["next"])
        ours_url, datasette_url = _with_params(ours_url, page_size=PAGE), _with_params(datasette_url, _size=PAGE)
    else:
        datasette_url = _with_params(datasette_url, _size=PAGE)
    ours, theirs = _get(ours_url, headers)["results"], _get(datasette_url)["rows"]
    if len(ours) != PAGE:
        raise Disagreement(f"{query.name}: {len(ours)} rows instead of {PAGE}; raise BENCH_INCIDENTS")
    if query.token == "editor":
        # Staff also see the incidents the public may not (resting on ACLED alone), which the peer does not hold:
        # the public's among the editor's rows must be the peer's first rows, in the same order.
        ours = _public_rows(ours)
        theirs = theirs[: len(ours)]
    _same_rows(query.name, ours, theirs, staff=query.token == "editor")
    return ours_url, datasette_url


def _public_rows(rows: list[dict]) -> list[dict]:
    """The rows (of the API's list) of incidents the public may see, in their order."""
    from django.contrib.auth.models import AnonymousUser

    from events.models import Incident

    codes = [row["code"] for row in rows]
    public = set(Incident.objects.visible_to(AnonymousUser()).filter(code__in=codes).values_list("code", flat=True))
    return [row for row in rows if row["code"] in public]


def _csv_codes(body: bytes) -> list[str]:
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    return [row["code"] for row in rows]


def resolve_export(ours_base: str, datasette_base: str) -> tuple[str, str, int]:
    """The CSV export of one country on both sides, checked to hold the same incidents: (URLs..., rows)."""
    ours_url = _with_params(ours_base, format="csv", country=EXPORT_COUNTRY)
    datasette_url = _with_params(
        datasette_base.replace("/incidents.json", "/incidents.csv"),
        country=EXPORT_COUNTRY,
        _stream="on",
        _size="max",
        _sort_desc="start_date_id",
    )
    ours, theirs = _csv_codes(_fetch(ours_url)), _csv_codes(_fetch(datasette_url))
    if sorted(ours) != sorted(theirs):
        raise Disagreement(f"csv-export: the API exports {len(ours)} incidents, Datasette {len(theirs)}")
    return ours_url, datasette_url, len(ours)


def _download_seconds(url: str) -> float:
    started = time.perf_counter()
    _fetch(url)
    return time.perf_counter() - started


def bare_sql_ms(query: Query, url: str, tokens: dict) -> float:
    """The median time of the SQL a request runs, run again from this process without HTTP, Django or DRF: the
    floor the list's p50 is compared with."""
    from django.db import connection
    from django.test import Client

    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    client = Client(headers=_headers(query, tokens))
    with connection.execute_wrapper(record):
        response = client.get(_path(url))
    if response.status_code != 200:
        raise RuntimeError(f"{query.name}: {response.status_code} in process")
    times = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for _ in range(BARE_REPEAT + 1):
            started = time.perf_counter()
            for sql, params in statements:
                raw.execute(sql, params)
                if raw.description:
                    raw.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[1:])


# -- the jobs ----------------------------------------------------------------------------------------------------


def process_rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            line = next(line for line in status.read_text().splitlines() if line.startswith("VmRSS:"))
            sizes.append(int(line.split()[1]) / 1024)
    return sizes


def gunicorn_workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()]


def edit_reaching_tally(tally_url: str, actor_id: int, editor) -> dict:
    """An editor's change to an incident's casualty records (through the service, as the form and the API make
    it), then the API's tally asked over HTTP until it shows it; the change undone the same way afterwards.
    The incident is the oldest the actor perpetrated casualties in outside the pages the race compares."""
    from events.models import Incident
    from events.selectors import incident_parts
    from events.services.incidents import incident_update
    from tallies.models import CasualtyFact

    credited = CasualtyFact.objects.filter(actor_id=actor_id, measure="perpetrated")
    incident = (
        Incident.objects.filter(pk__in=credited.values("incident_id"))
        .exclude(country="MLI")
        .exclude(event_type="Violence against civilians")
        .order_by("start_date", "id")
        .first()
    )
    before = sum(row["high"] for row in _get(tally_url))
    expected = before + 10 * credited.filter(incident_id=incident.pk).count()
    parts = incident_parts(incident)
    for record in parts.casualty_records:
        record.count_high += 10
    started = time.perf_counter()
    incident = incident_update(incident=incident, by=editor, expected_version=incident.version, parts=parts)
    committed = time.perf_counter()
    polls = 0
    try:
        while sum(row["high"] for row in _get(tally_url)) != expected:
            polls += 1
            if time.perf_counter() - started > 60:
                raise RuntimeError("the edit did not reach the tally within a minute")
        seen = time.perf_counter()
    finally:
        parts = incident_parts(incident)
        for record in parts.casualty_records:
            record.count_high -= 10
        incident_update(incident=incident, by=editor, expected_version=incident.version, parts=parts)
    return {
        "save_ms": (committed - started) * 1000,
        "stale_ms": (seen - committed) * 1000 if polls else 0.0,
        "polls": polls,
        "total_ms": (seen - started) * 1000,
    }


def rebuild_race(rounds: int, peers: dict) -> dict:
    """The full rebuild against one GROUP BY of the same figures, in PostgreSQL and in DuckDB, alternated; both
    GROUP BYs first checked to give the same figures."""
    from bench import tallies
    from tallies.services import tallies_rebuild

    _, pg_rows = tallies.pg_group_by()
    duck = tallies.run_duck(peers["python"], {"database": str(DUCKDB_PATH), "queries": {"g": tallies.DUCK_GROUP_BY}})
    if tallies.normalised(pg_rows) != tallies.normalised(duck["results"]["g"]["rows"]):
        raise Disagreement("full tally: PostgreSQL's GROUP BY and DuckDB's give different figures")
    times = {"rebuild": [], "pg_group_by": [], "duck_group_by": []}
    for round_ in range(1, rounds + 1):
        started = time.perf_counter()
        facts = tallies_rebuild()
        times["rebuild"].append(time.perf_counter() - started)
        times["pg_group_by"].append(tallies.pg_group_by()[0])
        job = {"database": str(DUCKDB_PATH), "queries": {"g": tallies.DUCK_GROUP_BY}, "repeat": 1}
        times["duck_group_by"].append(tallies.run_duck(peers["python"], job)["results"]["g"]["times_ms"][0] / 1000)
        log(
            f"  round {round_}: rebuild {times['rebuild'][-1]:.2f} s, GROUP BY {times['pg_group_by'][-1]:.2f} s, "
            f"DuckDB GROUP BY {times['duck_group_by'][-1]:.2f} s"
        )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tallies_casualtyfact, tallies_casualtysum")
    return {**times, "facts": facts, "groups": len(pg_rows)}


# -- the race ------------------------------------------------------------------------------------------------------


def race(config, urls, tokens, export_urls, tally_urls, duck_sql, peers) -> dict:
    """Each measurement of the API followed by the same of its peer, round after round."""
    from bench import tallies as bench_tallies

    results = {"http": {}, "export": {"ours": [], "datasette": []}, "tallies": {}}
    for round_ in range(1, config["rounds"] + 1):
        log(f"Round {round_} of {config['rounds']}")
        for level in config["connections"]:
            for query, (ours_url, datasette_url) in urls.items():
                pair = results["http"].setdefault((query, level), {"ours": [], "datasette": []})
                for side, url, headers in (
                    ("ours", ours_url, _headers(query, tokens)),
                    ("datasette", datasette_url, {}),
                ):
                    figures = measure.measure(url, level, config["seconds"], config["warmup"], headers)
                    if figures["errors"]:
                        raise RuntimeError(f"{side} answered {figures['errors']} errors on {query.name}")
                    pair[side].append(figures)
                log(
                    f"  {query.name} x{level}: API {pair['ours'][-1]['rps']:.0f}/s "
                    f"(p50 {pair['ours'][-1]['p50_ms']:.1f} ms), Datasette {pair['datasette'][-1]['rps']:.0f}/s "
                    f"(p50 {pair['datasette'][-1]['p50_ms']:.1f} ms)"
                )
        ours_url, datasette_url, rows = export_urls
        results["export"]["ours"].append(rows / _download_seconds(ours_url))
        results["export"]["datasette"].append(rows / _download_seconds(datasette_url))
        log(
            f"  csv-export: API {results['export']['ours'][-1]:,.0f} rows/s, "
            f"Datasette {results['export']['datasette'][-1]:,.0f} rows/s"
        )
        level = config["connections"][0]
        job = {"database": str(DUCKDB_PATH), "queries": {}, "repeat": TALLY_REPEAT}
        for tally, url in tally_urls.items():
            figures = measure.measure(url, level, config["seconds"], config["warmup"])
            if figures["errors"]:
                raise RuntimeError(f"the API answered {figures['errors']} errors on the tally {tally.name}")
            results["tallies"].setdefault(tally, {"ours": [], "duckdb": []})["ours"].append(figures)
            job["queries"] = {tally.name: duck_sql[tally]}
            duck = bench_tallies.run_duck(peers["python"], job)["results"][tally.name]["times_ms"]
            results["tallies"][tally]["duckdb"].append(statistics.median(duck))
            log(f"  tally {tally.name}: API p50 {figures['p50_ms']:.1f} ms, DuckDB {statistics.median(duck):.1f} ms")
    return results


def _median(values) -> float:
    return statistics.median(values)


def _api_indexes() -> list[str]:
    from django.db import connection

    tables = [
        "events_incident",
        "events_incidentparticipant",
        "events_casualtyrecord",
        "tallies_casualtyfact",
        "tallies_casualtysum",
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY tablename, indexname", [tables]
        )
        return [row[0].replace(" USING btree", "").replace("public.", "") for row in cursor.fetchall()]


def _connections(level: int) -> str:
    return f"{level} connection{'s' if level > 1 else ''}"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def write_report(context: dict) -> None:
    from bench.export import FTS, INDEXES

    config, results = context["config"], context["results"]
    level = config["connections"][-1]
    first = config["connections"][0]
    smoke = config["n"] < 500_000
    rows = []  # (measured, API, peer, ratio, target, verdict)

    def http(query, key, side, lev):
        return _median(entry[key] for entry in results["http"][(query, lev)][side])

    list_lines = []
    for query in context["urls"]:
        ours_rps, their_rps = http(query, "rps", "ours", level), http(query, "rps", "datasette", level)
        ours_p50 = http(query, "p50_ms", "ours", first)
        bare = context["bare"].get(query)
        ratio = ours_rps / their_rps
        rows.append(
            (
                f"{query.name}, req/s at {_connections(level)}",
                f"{ours_rps:,.0f}",
                f"Datasette {their_rps:,.0f}",
                f"{ratio:.2f}",
                ">= 2",
                _verdict(ratio >= 2),
            )
        )
        if bare is not None:
            rows.append(
                (
                    f"{query.name}, p50 at {_connections(first)} vs its bare SQL",
                    f"{ours_p50:.1f} ms",
                    f"bare SQL {bare:.1f} ms",
                    f"{ours_p50 / bare:.2f}",
                    "<= 2",
                    _verdict(ours_p50 <= 2 * bare),
                )
            )
        for lev in config["connections"]:
            list_lines.append(
                f"| {query.name} | {lev} | {http(query, 'rps', 'ours', lev):,.0f} "
                f"| {http(query, 'p50_ms', 'ours', lev):.1f} "
                f"| {http(query, 'p95_ms', 'ours', lev):.1f} | {http(query, 'rps', 'datasette', lev):,.0f} "
                f"| {http(query, 'p50_ms', 'datasette', lev):.1f} | {http(query, 'p95_ms', 'datasette', lev):.1f} "
                f"| {http(query, 'rps', 'ours', lev) / http(query, 'rps', 'datasette', lev):.2f} "
                f"| {'' if bare is None or lev != first else f'{bare:.1f}'} |"
            )
    ours_export, their_export = _median(results["export"]["ours"]), _median(results["export"]["datasette"])
    rows.append(
        (
            f"CSV export of {EXPORT_COUNTRY} ({context['export_rows']:,} rows), rows/s",
            f"{ours_export:,.0f}",
            f"Datasette {their_export:,.0f}",
            f"{ours_export / their_export:.2f}",
            ">= 2",
            _verdict(ours_export >= 2 * their_export),
        )
    )
    tally_lines = []
    for tally in context["tally_urls"]:
        figures = results["tallies"][tally]
        p50 = _median(entry["p50_ms"] for entry in figures["ours"])
        rps = _median(entry["rps"] for entry in figures["ours"])
        duck = _median(figures["duckdb"])
        rows.append(
            (
                f"tally: {tally.name}, p50",
                f"{p50:.1f} ms",
                f"DuckDB {duck:.1f} ms",
                f"{duck / p50:.2f}",
                "p50 <= 20 ms",
                _verdict(p50 <= 20),
            )
        )
        tally_lines.append(f"| {tally.name} | {p50:.1f} | {rps:,.0f} | {duck:.1f} | {context['tally_cells'][tally]} |")
    rebuild = context["rebuild"]
    rb, pg, dk = (_median(rebuild[key]) for key in ("rebuild", "pg_group_by", "duck_group_by"))
    rows.append(
        (
            "full tally rebuild",
            f"{rb:.2f} s",
            f"one GROUP BY {pg:.2f} s (DuckDB {dk:.2f} s)",
            f"{rb / pg:.2f}x the GROUP BY",
            "<= 1.5x",
            _verdict(rb <= 1.5 * pg),
        )
    )
    edit = context["edit"]
    rows.append(
        (
            "one edit reaching its tally",
            f"stale {edit['stale_ms']:.0f} ms (save {edit['save_ms']:.0f} ms)",
            "SPEC: 100 ms",
            "",
            "0 ms stale or <= 100 ms",
            _verdict(edit["stale_ms"] <= 100),
        )
    )
    sizes = context["storage"]
    rows.append(
        (
            "tally storage / incident data",
            f"{sizes['tally_bytes'] / 2**20:,.0f} MB",
            f"incident data {sizes['incident_bytes'] / 2**20:,.0f} MB",
            f"{sizes['tally_bytes'] / sizes['incident_bytes']:.2f}",
            "<= 0.5",
            _verdict(sizes["tally_bytes"] <= sizes["incident_bytes"] / 2),
        )
    )
    imported = context["import"]
    if imported:
        rate = imported["rows"] / imported["import_seconds"]
        copy_rate = imported["rows"] / _median(imported["copy_seconds"])
        insert_rate = imported["rows"] / _median(imported["insert_select_seconds"])
        rows.append(
            (
                f"import ({imported['rows']:,} ACLED rows), rows/s",
                f"{rate:,.0f}",
                f"COPY {copy_rate:,.0f}",
                f"{rate / copy_rate:.3f}",
                ">= 10,000 rows/s",
                _verdict(rate >= 10_000),
            )
        )
        rows.append(
            (
                "import vs INSERT ... SELECT of its final rows",
                f"{rate:,.0f}",
                f"INSERT ... SELECT {insert_rate:,.0f}",
                f"{rate / insert_rate:.2f}",
                ">= 0.5",
                _verdict(rate >= 0.5 * insert_rate),
            )
        )
        rows.append(
            (
                f"import peak RSS ({imported['rows']:,} rows)",
                f"{imported['rss_mb']:.0f} MB",
                "",
                "",
                "< 300 MB for 1M rows",
                _verdict(imported["rss_mb"] < 300),
            )
        )
    counts = context["counts"]
    rows.append(
        (
            "database size",
            f"PostgreSQL {counts['database size'] / 2**20:,.0f} MB",
            f"SQLite {SQLITE_PATH.stat().st_size / 2**20:,.0f} MB",
            "",
            "",
            "",
        )
    )
    rss = context["rss"]
    rows.append(
        (
            "gunicorn worker RSS after the load",
            " / ".join(f"{size:.0f} MB" for size in rss["workers"]),
            f"Datasette {rss['datasette']:.0f} MB",
            "",
            "< 150 MB",
            _verdict(max(rss["workers"]) < 150),
        )
    )

    label = (
        f"**A run at {config['n']:,} incidents, not the issue's measurement** (2,000,000): the figures of what "
        "grows with the data (tallies, rebuild, exports, storage) say little about that size. "
        if smoke
        else ""
    )
    lines = [INTRO, "", f"Run {context['when']}. {label}", ""]
    lines += [
        "## Machine and versions",
        "",
        f"- Machine: {_machine()}; PostgreSQL, both servers and the load generator on it, over loopback.",
        f"- Load average (1 min) at the start: {context['load'][0]:.2f}; at the end: {os.getloadavg()[0]:.2f}.",
    ]
    lines += [f"- {name}: {version}" for name, version in context["versions"].items()]
    lines += [
        "",
        "## Data",
        "",
        f"- N = {config['n']:,} incidents ({counts['published']:,} published, {counts['public']:,} of them public), "
        f"{counts['participants']:,} participants, {counts['casualty records']:,} casualty records, "
        f"{sizes['facts']:,} casualty facts.",
        f"- Generated by bench/dataset.py in {float(context['meta']['generation_seconds']):.0f} s on "
        f"{context['meta']['generated_at']}; the SQLite copy (bench/export.py) and DuckDB's CSV files are made "
        "from it"
        + (
            f" (the SQLite copy in {context['export_info']['export_seconds']:.0f} s, FTS and ANALYZE included)."
            if context["export_info"]["export_seconds"] is not None
            else " (reused from an earlier run)."
        ),
        "",
        "## Setup",
        "",
        f"- API: gunicorn, {config['workers']} workers (gthread, 1 thread each, keep-alive), production settings "
        "(DEBUG off, JSON log lines); throttling in the path with rates set out of reach.",
        "- Datasette: `datasette serve --immutable`, one process, its default 3 SQL threads, "
        "`?_shape=objects&_size=50&_nocount=1&_nofacet=1`; CSV streamed (`_stream=on`, no size limit).",
        "- DuckDB: the same tables as CSV files (COPY from PostgreSQL), loaded into a DuckDB file, the credited "
        "casualty facts made in it with one CREATE TABLE AS; each tally timed in DuckDB's own process, without HTTP.",
        f"- Load: {'wrk' if measure.tool() == 'wrk' else 'bench/measure.py'}, {config['seconds']:.0f} s per URL "
        f"after {config['warmup']:.0f} s of warm-up, at {', '.join(map(str, config['connections']))} keep-alive "
        f"connection(s); {config['rounds']} rounds, each measuring the API then its peer on every query. Figures are "
        "the median of the rounds.",
        "- Before anything is timed, both sides are checked to return the same rows: the same 50 incidents in the "
        "same order, every column equal (lists, detail); the same incidents (CSV export); the same figures in every "
        "period (tallies); the same full GROUP BY (PostgreSQL and DuckDB).",
        "",
        "## Targets (issue 14)",
        "",
        "| measured | API | peer | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
    ]
    lines += [f"| {' | '.join(row)} |" for row in rows]
    lines += [
        "",
        "Ratios: req/s and rows/s API / peer (above 1: the API is faster); tallies peer p50 / API p50.",
        "",
        "## Lists and detail",
        "",
        "| query | connections | API req/s | API p50 ms | API p95 ms | Datasette req/s | Datasette p50 ms "
        "| Datasette p95 ms | API / Datasette | bare SQL ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *list_lines,
        "",
        "Bare SQL: the statements the request runs (captured in process), run again without HTTP, Django or DRF.",
        "",
        "## Tallies",
        "",
        f"| tally | API p50 ms | API req/s ({_connections(first)}) | DuckDB p50 ms | cells |",
        "|---|---:|---:|---:|---:|",
        *tally_lines,
        "",
        "## Jobs",
        "",
        f"- Full rebuild of the casualty facts ({sizes['facts']:,}): "
        + ", ".join(f"{value:.2f}" for value in rebuild["rebuild"])
        + " s; one GROUP BY of the same figures ("
        f"{rebuild['groups']:,} groups) in PostgreSQL: "
        + ", ".join(f"{value:.2f}" for value in rebuild["pg_group_by"])
        + " s; in DuckDB: "
        + ", ".join(f"{value:.2f}" for value in rebuild["duck_group_by"])
        + " s.",
        f"- One edit (an editor's change to an incident's casualty records, through the service): saved in "
        f"{edit['save_ms']:.0f} ms; the API's tally showed it at the first request after the commit"
        + (" (0 ms stale)." if not edit["polls"] else f" after {edit['polls']} more ({edit['stale_ms']:.0f} ms)."),
    ]
    duck = context["duck_setup"]
    if duck.get("load_seconds") is not None:
        lines.append(
            f"- DuckDB's setup: CSV export {duck['csv_seconds']:.1f} s ({duck['csv_bytes'] / 2**20:.0f} MB), "
            f"load {duck['load_seconds']:.1f} s, facts {duck['facts_seconds']:.1f} s."
        )
    if imported:
        lines.append(
            f"- Import of {imported['rows']:,} generated ACLED rows ({imported['events']:,} events, "
            f"{imported['mb']:.0f} MB; {imported['when']}, load average {imported['load_average']:.2f}): "
            f"`import_acled` {imported['import_seconds']:.1f} s, peak RSS {imported['rss_mb']:.0f} MB; COPY into "
            "text columns " + ", ".join(f"{value:.2f}" for value in imported["copy_seconds"]) + " s; INSERT ... "
            "SELECT of its final rows ("
            + ", ".join(imported["tables"])
            + ") "
            + ", ".join(f"{value:.2f}" for value in imported["insert_select_seconds"])
            + " s."
        )
    else:
        lines.append("- Import: not measured (var/bench/import.json missing: run bench/import_bench.py first).")
    lines += [
        f"- Gunicorn workers' RSS after the load: {', '.join(f'{size:.0f} MB' for size in rss['workers'])}; "
        f"Datasette's process {rss['datasette']:.0f} MB.",
        "",
        *_reconcile_lines(),
        "## Indexes",
        "",
        "The API's (PostgreSQL, from pg_indexes):",
        "",
        "```sql",
        *_api_indexes(),
        "```",
        "",
        "Datasette's (SQLite, bench/export.py), then ANALYZE:",
        "",
        "```sql",
        *INDEXES,
        *FTS,
        "```",
        "",
        "## URLs",
        "",
    ]
    for query, (ours_url, datasette_url) in context["urls"].items():
        lines += [f"- `{query.name}`", f"  - API: `{_path(ours_url)}`", f"  - Datasette: `{_path(datasette_url)}`"]
    ours_url, datasette_url, _ = context["export_urls"]
    lines += ["- `csv-export`", f"  - API: `{_path(ours_url)}`", f"  - Datasette: `{_path(datasette_url)}`"]
    for tally, url in context["tally_urls"].items():
        lines.append(f"- tally `{tally.name}`: `{_path(url)}`")
    lines.append("")
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines))


def _reconcile_lines() -> list[str]:
    """The reconciliation benchmark's figures (bench/reconcile_bench.py), if it ran."""
    if not RECONCILE_RESULT.exists():
        return [
            "## Reconciliation",
            "",
            "Not measured (var/bench/reconcile.json missing: run bench/reconcile_bench.py).",
            "",
        ]
    result = json.loads(RECONCILE_RESULT.read_text())
    imports = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result["imports_seconds"].items())
    return [
        "## Reconciliation",
        "",
        f"bench/reconcile_bench.py ({result['when']}, load average {result['load_average']:.2f}): "
        f"{result['ucdp_events']:,} generated UCDP events, an ACLED file describing each again (a day off, up to "
        f"3 km away, actors spelled otherwise, one in six a decoy 20 days later or 300 km away) and "
        f"{result['ucdp_events']:,} ACLED events of their own: {result['incidents']:,} incidents.",
        "",
        "| measured | figure |",
        "|---|---:|",
        f"| every candidate found anew (`manage.py reconcile`), s | "
        f"{', '.join(f'{value:.1f}' for value in result['rebuild_seconds'])} |",
        f"| one incident's candidates found anew (an edit), median ms | "
        f"{', '.join(f'{value:.1f}' for value in result['single_ms'])} |",
        f"| the imports, each finding its candidates at its end | {imports} |",
        f"| twins that found their UCDP event | {result['twins_found']:,} of {result['twins']:,} |",
        f"| decoys that found their UCDP event | {result['decoys_found']:,} of {result['decoys']:,} |",
        f"| candidates (median per incident) | {result['candidates']:,} ({result['candidates_per_incident_median']}) |",
        f"| decided same without an editor (joining a twin and its event) | {result['automatic']:,} "
        f"({result['automatic_right']:,}) |",
        f"| records merged, into incidents counting them once (the twins' import wrote them) | "
        f"{result.get('merged_records', 0):,} into {result.get('merges', 0):,} |",
        "",
    ]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


# -- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    load = os.getloadavg()
    config = _settings()
    project_url = _project_database_url()
    meta = prepare_database(project_url, config)
    from tallies.models import CasualtyFact
    from tallies.services import tallies_rebuild

    if not CasualtyFact.objects.exists():
        # bench/dataset.py writes with the triggers off, as a bulk load: the facts are written once it is done.
        log("Writing the casualty facts")
        tallies_rebuild()
    export_info = prepare_sqlite(meta)
    peers = prepare_peers()
    duck_setup = prepare_duckdb(meta, peers)
    tokens = prepare_tokens()

    from actors.models import Actor
    from bench import tallies as bench_tallies

    actor_id = Actor.objects.get(name=ACTOR).pk
    top, second = Actor.objects.filter(pk__in=[1, 2]).order_by("pk").values_list("pk", flat=True)
    fama = Actor.objects.get(name="Military Forces of Mali").pk

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    api_port, datasette_port = servers.free_port(), servers.free_port()
    api_root = f"http://127.0.0.1:{api_port}/api/v1"
    ours_base = f"{api_root}/incidents/"
    datasette_root = f"http://127.0.0.1:{datasette_port}"
    datasette_base = f"{datasette_root}/{SQLITE_PATH.stem}/incidents.json"
    gunicorn = servers.gunicorn_command(api_port, config["workers"])
    datasette_server = servers.datasette_command(peers["datasette"], SQLITE_PATH, datasette_port)
    log(f"Serving the API on :{api_port} and Datasette on :{datasette_port}")
    with (
        servers.serve(
            gunicorn,
            cwd=ROOT,
            env=dict(os.environ),
            log_path=BENCH_DIR / "gunicorn.log",
            ready_url=f"{ours_base}?page_size=1",
        ) as api_process,
        servers.serve(
            datasette_server,
            cwd=ROOT,
            env={key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE"))},
            log_path=BENCH_DIR / "datasette.log",
            ready_url=f"{datasette_root}/-/versions.json",
        ) as datasette_process,
    ):
        versions = _versions(datasette_root)
        versions["DuckDB"] = _pinned("duckdb")
        urls = {}
        for query in queries(actor_id):
            urls[query] = resolve_urls(query, ours_base, datasette_base, tokens)
            log(f"  {query.name}: the same rows on both sides")
        bare = {query: bare_sql_ms(query, urls[query][0], tokens) for query in urls if not query.detail}
        export_urls = resolve_export(ours_base, datasette_base)
        log(f"  csv-export: the same {export_urls[2]:,} incidents on both sides")
        tally_urls, duck_sql, tally_cells = {}, {}, {}
        for tally in bench_tallies.tallies(top, second, fama, actor_id):
            url = _with_params(f"{api_root}/tallies/", **tally.params)
            answer = _get(url)
            members = answer[0]["subject"]["actors"] if answer else [tally.params.get("actor")]
            duck_sql[tally] = tally.duck_sql(members)
            job = {"database": str(DUCKDB_PATH), "queries": {tally.name: duck_sql[tally]}}
            duck = bench_tallies.run_duck(peers["python"], job)["results"][tally.name]["rows"]
            if bench_tallies.api_figures(answer) != bench_tallies.duck_figures(duck):
                raise Disagreement(
                    f"tally {tally.name}: the API counts {bench_tallies.api_figures(answer)[:3]}..., "
                    f"DuckDB {bench_tallies.duck_figures(duck)[:3]}..."
                )
            if not answer:
                raise Disagreement(f"tally {tally.name}: no cells; raise BENCH_INCIDENTS")
            tally_urls[tally], tally_cells[tally] = url, len(answer)
            log(f"  tally {tally.name}: the same {len(answer)} cells on both sides")
        results = race(config, urls, tokens, export_urls, tally_urls, duck_sql, peers)
        rss = {
            "workers": process_rss_mb(gunicorn_workers(api_process.pid)),
            "datasette": sum(process_rss_mb([datasette_process.pid])),
        }
        log(f"RSS after the load: gunicorn workers {rss['workers']} MB, Datasette {rss['datasette']:.0f} MB")
        log("One edit reaching its tally")
        tally_url = _with_params(f"{api_root}/tallies/", actor=actor_id)
        edit = edit_reaching_tally(tally_url, actor_id, tokens["editor"][0])
        log(f"  saved in {edit['save_ms']:.0f} ms, stale {edit['stale_ms']:.0f} ms")
    log("Full rebuild against one GROUP BY")
    rebuild = rebuild_race(config["rounds"], peers)
    imported = json.loads(IMPORT_RESULT.read_text()) if IMPORT_RESULT.exists() else None
    write_report(
        {
            "config": config,
            "meta": meta,
            "export_info": export_info,
            "duck_setup": duck_setup,
            "versions": versions,
            "counts": _counts(),
            "urls": urls,
            "bare": bare,
            "export_urls": export_urls,
            "export_rows": export_urls[2],
            "tally_urls": tally_urls,
            "tally_cells": tally_cells,
            "results": results,
            "rss": rss,
            "edit": edit,
            "rebuild": rebuild,
            "storage": bench_tallies.storage(),
            "import": imported,
            "load": load,
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        }
    )
    log(f"Wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    try:
        status = main()
    except Disagreement as error:
        print(f"error: the two sides disagree: {error}", file=sys.stderr)
        status = 1
    log(f"Took {time.monotonic() - started:.0f}s")
    sys.exit(status)
