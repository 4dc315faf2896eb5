"""The incident list against Datasette, on the same rows, on the same machine: `make bench`.

    BENCH_INCIDENTS=200000 make bench    # a quicker run (default 2,000,000)

1. A database of its own (conflict_tracker_bench on the project's PostgreSQL server, BENCH_DATABASE_NAME to
   change it), migrated and filled with N incidents and their parts by SQL (bench/dataset.py). It is reused while
   it holds N incidents and the migrations have not changed; BENCH_REBUILD=1 starts again.
2. The published incidents copied into var/bench/incidents.db (bench/export.py), served by Datasette from a venv
   of its own (var/bench/datasette-venv, version pinned in bench/requirements-datasette.txt).
3. The app served by gunicorn with production settings (DEBUG off), anonymous reads on and throttle rates too
   high to trigger; both servers on loopback ports.
4. Per query, both sides must return the same incidents, field for field; then each URL is requested over
   keep-alive connections for BENCH_SECONDS (10) after a warm-up, at each of BENCH_CONNECTIONS (1,4), by wrk
   if installed, else by bench/measure.py in a process of its own.
5. docs/benchmarks.md is written anew. The exit status is 1 if the two sides disagree, 0 otherwise; whether the
   target holds is printed and written, not asserted.
"""

import hashlib
import json
import os
import platform
import secrets
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
DATASETTE_VENV = BENCH_DIR / "datasette-venv"
REQUIREMENTS = Path(__file__).with_name("requirements-datasette.txt")
PAGE = 50
ACTOR = "Wagner Group"


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
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
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


def _pinned_datasette() -> str:
    for line in REQUIREMENTS.read_text().splitlines():
        if line.startswith("datasette=="):
            return line.split("==", 1)[1].strip()
    raise RuntimeError(f"no datasette== pin in {REQUIREMENTS.name}")


def prepare_datasette() -> Path:
    """The pinned Datasette in a venv of its own, installed with pip on first use."""
    executable = DATASETTE_VENV / "bin" / "datasette"
    pinned = _pinned_datasette()
    if executable.exists():
        installed = subprocess.run([str(executable), "--version"], capture_output=True, text=True).stdout
        if installed.strip().endswith(pinned):
            return executable
    log(f"Installing Datasette {pinned} into {DATASETTE_VENV.relative_to(ROOT)}")
    if not (DATASETTE_VENV / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(DATASETTE_VENV)], check=True)
    pip = [str(DATASETTE_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
    return executable


# -- the queries -----------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Query:
    name: str
    description: str
    ours: dict
    datasette: dict
    deep: bool = False


def queries(actor_id: int) -> list[Query]:
    by_date = {"_sort_desc": "start_date_id"}
    return [
        Query(
            "mali-2024",
            "Mali, incidents overlapping 2024, newest first",
            {"country": "MLI", "date_after": "2024-01-01", "date_before": "2024-12-31"},
            {"country": "MLI", "period_end__gte": "2024-01-01", "period_start__lte": "2024-12-31", **by_date},
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
            "mali-deep",
            "Mali, newest first, a page deep in the list (API cursor; Datasette _next)",
            {"country": "MLI"},
            {"country": "MLI", **by_date},
            deep=True,
        ),
    ]


DATASETTE_COMMON = {"_shape": "objects", "_nocount": "1", "_nofacet": "1", "_nosuggest": "1"}


def _with_params(url: str, **params) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update({key: str(value) for key, value in params.items()})
    return urlunsplit(parts._replace(query=urlencode(query)))


def _get(url: str, attempts: int = 3) -> dict:
    """The JSON at `url`. Datasette answers 400 to a query that outruns its time limit, which a first query on a
    cold page cache (just after the export) can: it is asked again before the run gives up, with its reason."""
    for _ in range(attempts - 1):
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            log(f"  {error.code} from {urlsplit(url).path} ({error.read()[:200].decode(errors='replace')}); again")
    with urllib.request.urlopen(url, timeout=120) as response:
        return json.loads(response.read())


def _same_rows(name: str, ours: list[dict], theirs: list[dict]) -> None:
    """The same incidents in the same order, and every column the same value."""
    from bench.export import COLUMNS, EXTRA, NESTED

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
            if value != our_row[column]:
                raise Disagreement(f"{name}: {our_row['code']}.{column} is {our_row[column]!r} vs {value!r}")


def resolve_urls(query: Query, ours_base: str, datasette_base: str, deep_rows: int) -> tuple[str, str]:
    """The two URLs of a query's measured page, once both sides were found to agree on it."""
    ours_url = _with_params(ours_base, **query.ours)
    datasette_url = _with_params(datasette_base, **query.datasette, **DATASETTE_COMMON)
    if query.deep:
        # Walk there in pages of 500, checking each, then ask both sides for 50 rows from that point.
        step = 500
        ours_url, datasette_url = _with_params(ours_url, page_size=step), _with_params(datasette_url, _size=step)
        for _ in range(deep_rows // step):
            ours, theirs = _get(ours_url), _get(datasette_url)
            _same_rows(query.name, ours["results"], theirs["rows"])
            if not ours["next"] or not theirs["next"]:
                raise Disagreement(f"{query.name}: fewer than {deep_rows} rows; raise BENCH_INCIDENTS")
            ours_url = ours["next"]
            datasette_url = _with_params(datasette_url, _next=theirs["next"])
        ours_url, datasette_url = _with_params(ours_url, page_size=PAGE), _with_params(datasette_url, _size=PAGE)
    else:
        datasette_url = _with_params(datasette_url, _size=PAGE)
    ours, theirs = _get(ours_url)["results"], _get(datasette_url)["rows"]
    if len(ours) != PAGE:
        raise Disagreement(f"{query.name}: {len(ours)} rows instead of {PAGE}; raise BENCH_INCIDENTS")
    _same_rows(query.name, ours, theirs)
    return ours_url, datasette_url


# -- the report ------------------------------------------------------------------------------------------------


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
        cursor.execute("SELECT pg_database_size(current_database())")
        counts["database size"] = cursor.fetchone()[0]
    return counts


def _ms(value: float) -> str:
    return f"{value:.1f}"


INTRO = """\
# Benchmarks

Issue 3, point 9: on 2,000,000 incidents, a filtered 50-row page of `GET /api/v1/incidents/` must be served
faster than [Datasette](https://datasette.io/) serves the same rows on the same machine. `make bench`
(bench/run.py) measures it and writes this file; everything below the line is its output, replaced on each run.

Both sides serve the same published incidents and are checked to return the same 50 incidents, in the same
order, with the same value in every column, before anything is timed. The API reads PostgreSQL, filters with
django-filter and pages with its keyset cursor: the page's ids, then one prepared statement that reads each
published incident as the public sees it, its participants, casualty records, property harms and claims
included, from the renderings the database keeps up to date on every write (events/rendering.py,
events/api/listing.py). Datasette reads a SQLite copy in which those nested parts are likewise stored pre-joined
as JSON text columns. Datasette's row counts and facets are switched off (`_nocount`, `_nofacet`), as the API
counts only when asked (`with_total=true`). Each side has the indexes that serve the queried filters and
orderings (bench/export.py lists SQLite's).

---
"""


def write_report(config, meta, export_info, versions, counts, results, urls) -> bool:
    levels = config["connections"]
    first = levels[0]
    holds = all(results[(q, first)]["ours"]["p50_ms"] < results[(q, first)]["datasette"]["p50_ms"] for q in urls)
    lines = [INTRO]
    lines += [
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "## Machine and versions",
        "",
        f"- Machine: {_machine()}; PostgreSQL, both servers and the load generator on it, over loopback.",
    ]
    lines += [f"- {name}: {version}" for name, version in versions.items()]
    lines += [
        "",
        "## Data",
        "",
        f"- N = {config['n']:,} incidents ({counts['published']:,} published; the rest drafts and submitted "
        f"ones, which the public list skips), {counts['participants']:,} participants, "
        f"{counts['casualty records']:,} casualty records; PostgreSQL database "
        f"{counts['database size'] / 1024**3:.1f} GB.",
        f"- Generated with INSERT ... SELECT generate_series (bench/dataset.py) in "
        f"{float(meta['generation_seconds']):.0f} s, indexes and VACUUM ANALYZE included "
        f"(on {meta['generated_at']}; later runs reuse the database while it holds N incidents).",
        f"- SQLite copy for Datasette: {SQLITE_PATH.stat().st_size / 1024**3:.1f} GB"
        + (
            f", exported in {export_info['export_seconds']:.0f} s."
            if export_info["export_seconds"] is not None
            else " (reused from an earlier run)."
        ),
        "",
        "## Setup",
        "",
        f"- API: gunicorn, {config['workers']} workers (gthread, 1 thread each, keep-alive), production settings "
        "(DEBUG off, JSON log lines), anonymous client, throttling in the path with rates set out of reach.",
        "- Datasette: `datasette serve --immutable`, its defaults otherwise (one process, 3 SQL threads), "
        "`?_shape=objects&_size=50&_nocount=1&_nofacet=1`.",
        f"- Load: {'wrk' if measure.tool() == 'wrk' else 'bench/measure.py'}, {config['seconds']:.0f} s per URL "
        f"after {config['warmup']:.0f} s of warm-up, at {', '.join(map(str, levels))} keep-alive connection(s); "
        "latencies in milliseconds. Speed-up = Datasette's median / the API's median (above 1: the API is faster).",
        "",
        "## Queries",
        "",
    ]
    lines += [f"- `{query.name}`: {query.description}." for query in urls]
    for level in levels:
        lines += [
            "",
            f"## Results, {level} connection{'s' if level > 1 else ''}",
            "",
            "| query | API median | API p95 | API req/s | Datasette median | Datasette p95 | Datasette req/s "
            "| speed-up |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for query in urls:
            ours, theirs = results[(query, level)]["ours"], results[(query, level)]["datasette"]
            lines.append(
                f"| {query.name} | {_ms(ours['p50_ms'])} | {_ms(ours['p95_ms'])} | {ours['rps']:.0f} "
                f"| {_ms(theirs['p50_ms'])} | {_ms(theirs['p95_ms'])} | {theirs['rps']:.0f} "
                f"| {theirs['p50_ms'] / ours['p50_ms']:.2f}x |"
            )
    lines += ["", "## URLs", ""]
    for query, (ours_url, datasette_url) in urls.items():
        lines += [f"- `{query.name}`", f"  - API: `{_path(ours_url)}`", f"  - Datasette: `{_path(datasette_url)}`"]
    verdict = (
        f"The target holds: at {first} connection(s), every filtered page is served faster by the API than by "
        "Datasette."
        if holds
        else f"The target does NOT hold: at {first} connection(s), Datasette is faster on "
        + ", ".join(
            query.name
            for query in urls
            if results[(query, first)]["ours"]["p50_ms"] >= results[(query, first)]["datasette"]["p50_ms"]
        )
        + "."
    )
    lines += ["", "## Verdict", "", f"**{verdict}**", ""]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines))
    log(verdict)
    return holds


def _path(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("", "", parts.path, parts.query, ""))


# -- main ------------------------------------------------------------------------------------------------------


def main() -> int:
    config = _settings()
    project_url = _project_database_url()
    meta = prepare_database(project_url, config)
    export_info = prepare_sqlite(meta)
    datasette = prepare_datasette()

    from actors.models import Actor

    actor_id = Actor.objects.get(name=ACTOR).pk
    counts = _counts()
    deep_rows = min(10_000, counts["published"] // 40 // 500 * 500)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    api_port, datasette_port = servers.free_port(), servers.free_port()
    ours_base = f"http://127.0.0.1:{api_port}/api/v1/incidents/"
    datasette_root = f"http://127.0.0.1:{datasette_port}"
    datasette_base = f"{datasette_root}/{SQLITE_PATH.stem}/incidents.json"
    gunicorn = servers.gunicorn_command(api_port, config["workers"])
    datasette_server = servers.datasette_command(datasette, SQLITE_PATH, datasette_port)
    log(f"Serving the API on :{api_port} and Datasette on :{datasette_port}")
    with (
        servers.serve(
            gunicorn,
            cwd=ROOT,
            env=dict(os.environ),
            log_path=BENCH_DIR / "gunicorn.log",
            ready_url=f"{ours_base}?page_size=1",
        ),
        servers.serve(
            datasette_server,
            cwd=ROOT,
            env={key: value for key, value in os.environ.items() if not key.startswith(("DJANGO", "DATABASE"))},
            log_path=BENCH_DIR / "datasette.log",
            ready_url=f"{datasette_root}/-/versions.json",
        ),
    ):
        versions = _versions(datasette_root)
        urls = {}
        for query in queries(actor_id):
            urls[query] = resolve_urls(query, ours_base, datasette_base, deep_rows)
            log(f"  {query.name}: same {PAGE} incidents on both sides")
        results = {}
        for level in config["connections"]:
            for query, (ours_url, datasette_url) in urls.items():
                pair = {}
                for side, url in (("ours", ours_url), ("datasette", datasette_url)):
                    pair[side] = measure.measure(url, level, config["seconds"], config["warmup"])
                    if pair[side]["errors"]:
                        raise RuntimeError(f"{side} answered {pair[side]['errors']} errors on {query.name}")
                results[(query, level)] = pair
                log(
                    f"  {query.name} x{level}: API {pair['ours']['p50_ms']:.1f} ms "
                    f"(p95 {pair['ours']['p95_ms']:.1f}, {pair['ours']['rps']:.0f}/s), Datasette "
                    f"{pair['datasette']['p50_ms']:.1f} ms (p95 {pair['datasette']['p95_ms']:.1f}, "
                    f"{pair['datasette']['rps']:.0f}/s)"
                )
    write_report(config, meta, export_info, versions, counts, results, urls)
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
