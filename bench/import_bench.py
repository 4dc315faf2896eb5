"""The ACLED import against PostgreSQL COPY of the same file and an INSERT ... SELECT of the rows it wrote (SPEC: the
import at >= 10,000 rows/s and >= 0.5x the INSERT ... SELECT; under 300 MB RSS for a 1M-row file):
`python bench/import_bench.py`.

    BENCH_IMPORT_ROWS=1000000 python bench/import_bench.py    # default 200,000 rows

1. A database of its own (conflict_tracker_import_bench on the project's PostgreSQL server,
   BENCH_IMPORT_DATABASE to change it), created anew and migrated, with one editor; dropped at the end.
2. A generated ACLED file of N rows (tests/helpers/acled_file.py's generator: five countries, dated army labels,
   unknown militias, monadic rows, a bad row in a thousand) under var/bench/.
3. COPY: the file copied as it is into a table of 31 text columns (no parsing, no checks): the floor.
4. The import: `manage.py import_acled FILE` in a process of its own with production settings (DEBUG off),
   timed, its peak RSS taken from the kernel (wait4); the tally refresh it enqueues goes to a queue of its own,
   deleted afterwards.
5. INSERT ... SELECT: in a transaction rolled back, the rows the import wrote to the tables of its events (incidents,
   documents, claims, their actors, participants, killed records and their links, the imported events) are copied
   to temporary tables (the staging, not timed), their tables emptied, and the same rows inserted back from the
   staging with one INSERT ... SELECT per table, their indexes and foreign-key checks (made immediate) included,
   the history and rendering triggers off: the floor of writing the import's final rows in SQL. Its rate is the
   file's rows over its seconds, as the import's is.
6. docs/import-benchmarks.md is written anew. The machine may be shared with other work: the figures are those of
   one run, and the load average at the start is written beside them. Whether the targets hold is printed and
   written, not asserted.
"""

import os
import platform
import secrets
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import environ  # noqa: E402
import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

DOC = ROOT / "docs" / "import-benchmarks.md"
BENCH_DIR = ROOT / "var" / "bench"
RATE_TARGET = 10_000  # rows/s
INSERT_SELECT_TARGET = 0.5  # the import's rate over the INSERT ... SELECT's
RSS_TARGET_MB = 300
IMPORT_SCRIPT = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from conflict_tracker.celery import app
    app.conf.task_default_queue = sys.argv[1]
    from django.core.management import call_command
    call_command("import_acled", sys.argv[2], as_user=sys.argv[3])
    """
)


def log(message: str) -> None:
    print(message, flush=True)


def _project_urls() -> tuple[str, str]:
    """The project's DATABASE_URL and REDIS_URL, as settings.py finds them (the environment, else
    var/services.env, the local services started if need be)."""
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        from conflict_tracker import localservices

        localservices.up(localservices.Config.from_env())
    var_dir = Path(os.environ.get("CONFLICT_TRACKER_VAR_DIR") or ROOT / "var")
    environ.Env.read_env(var_dir / "services.env", overwrite=False)
    return os.environ["DATABASE_URL"], os.environ["REDIS_URL"]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def prepare_database(project_url: str, name: str) -> str:
    if name == urlsplit(project_url).path.lstrip("/") or name.startswith("test_"):
        sys.exit(f"BENCH_IMPORT_DATABASE={name} would overwrite another database; choose another name.")
    with psycopg.connect(_with_database(project_url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_database(project_url, name)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "conflict_tracker.settings",
            "DATABASE_URL": url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from tests.factories import UserFactory

    UserFactory(username="import-bench", role="editor")
    return url


def drop_database(project_url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with psycopg.connect(_with_database(project_url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def copy_seconds(url: str, path: Path, columns: int) -> float:
    """COPY of the file as it is into a table of text columns, in a transaction rolled back."""
    with psycopg.connect(url) as conn:
        names = ", ".join(f"c{index} text" for index in range(columns))
        conn.execute(f"CREATE TABLE import_bench_copy ({names})")
        started = time.perf_counter()
        with conn.cursor().copy("COPY import_bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            with path.open("rb") as stream:
                while data := stream.read(1 << 20):
                    copy.write(data)
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def insert_select_seconds(url: str) -> float:
    """One INSERT ... SELECT per table of the rows the import wrote, from a staging copy of them, in a transaction
    rolled back (step 5 of the module's docstring)."""
    from imports.models import ImportedEvent
    from imports.services.writer import BULK_MODELS

    models = (*BULK_MODELS, ImportedEvent)  # each after those it refers to
    tables = [sql.Identifier(model._meta.db_table) for model in models]
    with psycopg.connect(url) as conn:
        for table in tables:
            conn.execute(sql.SQL("CREATE TEMPORARY TABLE {} AS TABLE {}").format(_staged(table), table))
        conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(tables)))
        for table in tables:
            conn.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER USER").format(table))
        conn.execute("SET CONSTRAINTS ALL IMMEDIATE")
        started = time.perf_counter()
        for model, table in zip(models, tables, strict=True):
            columns = sql.SQL(", ").join(
                sql.Identifier(field.column) for field in model._meta.concrete_fields if not field.generated
            )
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(table, columns, columns, _staged(table))
            )
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def _staged(table: sql.Identifier) -> sql.Identifier:
    return sql.Identifier(f"staged_{table.as_string()}".replace('"', ""))


def import_run(path: Path, redis_url: str) -> tuple[float, int, str]:
    """Seconds, peak RSS (KiB) and output of the import in a process of its own."""
    import redis

    queue = f"import-bench-{uuid.uuid4().hex}"
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", IMPORT_SCRIPT, queue, str(path), "import-bench"],
        cwd=ROOT,
        env=os.environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = child.stdout.read().decode(errors="replace")
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    with redis.Redis.from_url(redis_url) as client:
        for key in client.scan_iter(match=f"*{queue}*"):
            client.delete(key)
    if child.returncode:
        sys.exit(f"The import failed:\n{output}")
    return seconds, usage.ru_maxrss, output


def write_doc(result: dict) -> None:
    rate_ok = result["import_rate"] >= RATE_TARGET
    ratio = result["import_rate"] / result["insert_select_rate"]
    rss_ok = result["rss_mb"] < RSS_TARGET_MB
    lines = [
        "# ACLED import benchmark",
        "",
        "Written by `python bench/import_bench.py` (bench/import_bench.py says what it does); do not edit by hand.",
        "",
        f"- Run: {result['when']}, {result['machine']}",
        f"- File: {result['rows']:,} rows, {result['events']:,} events, {result['mb']:.0f} MB (generated)",
        "",
        "| | seconds | rows/s |",
        "|---|---:|---:|",
        f"| PostgreSQL COPY into text columns | {result['copy_seconds']:.1f} | {result['copy_rate']:,.0f} |",
        f"| INSERT ... SELECT of the import's rows from a staging copy | {result['insert_select_seconds']:.1f} "
        f"| {result['insert_select_rate']:,.0f} |",
        f"| `manage.py import_acled` | {result['import_seconds']:.1f} | {result['import_rate']:,.0f} |",
        "",
        "The machine is shared with other work (2 cores): figures of one run, noisy; compare runs with care.",
        "",
        f"- Import rate: {result['import_rate']:,.0f} rows/s (target >= {RATE_TARGET:,}): "
        f"{'met' if rate_ok else 'NOT met'}",
        f"- Import rate / INSERT ... SELECT rate: {ratio:.3f} (target >= {INSERT_SELECT_TARGET}): "
        f"{'met' if ratio >= INSERT_SELECT_TARGET else 'NOT met'}",
        f"- Import rate / COPY rate: {result['import_rate'] / result['copy_rate']:.3f} (no target; the floor of "
        "reading the file)",
        f"- Peak RSS of the import process: {result['rss_mb']:.0f} MB "
        f"(target < {RSS_TARGET_MB} MB for 1M rows; this file has {result['rows']:,}): "
        f"{'met' if rss_ok else 'NOT met'}",
        "",
        "The import's output:",
        "",
        "```",
        *result["output"].strip().splitlines()[:12],
        "```",
        "",
    ]
    DOC.write_text("\n".join(lines))


def main() -> None:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS") or 200_000)
    load = os.getloadavg()[0]
    name = os.environ.get("BENCH_IMPORT_DATABASE") or "conflict_tracker_import_bench"
    project_url, redis_url = _project_urls()
    log(f"Creating and migrating database {name}")
    url = prepare_database(project_url, name)
    try:
        from tests.helpers.acled_file import HEADER, write_acled_file

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        path = BENCH_DIR / f"acled-{rows}.csv"
        log(f"Writing {rows:,} rows to {path.relative_to(ROOT)}")
        # No truncated last row: COPY would refuse the whole file for it.
        written = write_acled_file(path, rows, truncated=False)
        log("COPY")
        copy = copy_seconds(url, path, len(HEADER))
        log(f"  {copy:.1f} s")
        log("Import")
        seconds, rss_kib, output = import_run(path, redis_url)
        log(f"  {seconds:.1f} s, peak RSS {rss_kib / 1024:.0f} MB")
        log("INSERT ... SELECT")
        insert_select = insert_select_seconds(url)
        log(f"  {insert_select:.1f} s")
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load:.1f} "
            f"at the start, Python {platform.python_version()}",
            "rows": written.rows,
            "events": written.events,
            "mb": path.stat().st_size / 1e6,
            "copy_seconds": copy,
            "copy_rate": written.rows / copy,
            "insert_select_seconds": insert_select,
            "insert_select_rate": written.rows / insert_select,
            "import_seconds": seconds,
            "import_rate": written.rows / seconds,
            "rss_mb": rss_kib / 1024,
            "output": output,
        }
        write_doc(result)
        log(DOC.read_text())
        path.unlink()
    finally:
        drop_database(project_url, name)


if __name__ == "__main__":
    main()
