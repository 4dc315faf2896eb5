"""The ACLED import against PostgreSQL writing the same data its fastest ways (issue 14: the import at >= 10,000
rows/s and >= 0.5x an INSERT ... SELECT of the same final rows; under 300 MB RSS for 1M rows). Run by `make bench`
before bench/run.py, which puts its figures in docs/benchmarks.md:

    BENCH_IMPORT_ROWS=20000 python bench/import_bench.py    # default 1,000,000 rows

1. A database of its own (conflict_tracker_import_bench on the project's PostgreSQL server,
   BENCH_IMPORT_DATABASE to change it), created anew and migrated, with one editor; dropped at the end.
2. A generated ACLED file of N rows (tests/helpers/acled_file.py's generator: five countries, dated army labels,
   unknown militias, monadic rows, a bad row in a thousand) under var/bench/.
3. The import: `manage.py import_acled FILE` in a process of its own with production settings (DEBUG off),
   timed, its peak RSS taken from the kernel (wait4); the tally refresh it enqueues goes to a queue of its own,
   deleted afterwards.
4. The peers, alternated over BENCH_ROUNDS (3) rounds, each in a transaction rolled back: COPY of the file as it
   is into a table of 31 text columns (no parsing, no checks: the floor of reading it), and INSERT ... SELECT of
   the import's final rows (every table it wrote, copied first into staging tables) into tables made LIKE the
   real ones, indexes included (the floor of writing them).
5. The figures go to var/bench/import.json. Whether the targets hold is written, not asserted.
"""

import json
import os
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

RESULT = ROOT / "var" / "bench" / "import.json"
BENCH_DIR = ROOT / "var" / "bench"
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


def _table_rows(conn) -> dict[str, int]:
    tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").fetchall()
    return {
        name: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name))).fetchone()[0]
        for (name,) in tables
    }


def written_tables(url: str, before: dict[str, int]) -> list[str]:
    """The tables the import added rows to."""
    with psycopg.connect(url) as conn:
        after = _table_rows(conn)
    return [name for name, rows in after.items() if rows > before.get(name, 0)]


def insert_select_seconds(url: str, tables: list[str]) -> float:
    """INSERT ... SELECT of every row of `tables` from staging copies into tables LIKE them, indexes included, in a
    transaction rolled back; the staging copies are made first, untimed."""
    with psycopg.connect(url) as conn:
        for name in tables:
            conn.execute(
                sql.SQL("CREATE TABLE {} AS TABLE {}").format(sql.Identifier(f"staging_{name}"), sql.Identifier(name))
            )
            conn.execute(
                sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING ALL)").format(
                    sql.Identifier(f"final_{name}"), sql.Identifier(name)
                )
            )
        # Generated columns (a search vector, say) are computed by the INSERT, as for the real rows.
        columns = {
            name: sql.SQL(", ").join(
                sql.Identifier(column)
                for (column,) in conn.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
                    " AND is_generated = 'NEVER' ORDER BY ordinal_position",
                    [name],
                )
            )
            for name in tables
        }
        started = time.perf_counter()
        for name in tables:
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) OVERRIDING SYSTEM VALUE SELECT {} FROM {}").format(
                    sql.Identifier(f"final_{name}"), columns[name], columns[name], sql.Identifier(f"staging_{name}")
                )
            )
        seconds = time.perf_counter() - started
        conn.rollback()
    return seconds


def main() -> None:
    rows = int(os.environ.get("BENCH_IMPORT_ROWS") or 1_000_000)
    rounds = int(os.environ.get("BENCH_ROUNDS") or 3)
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
        with psycopg.connect(url) as conn:
            before = _table_rows(conn)
        started_load = os.getloadavg()[0]
        log("Import")
        seconds, rss_kib, output = import_run(path, redis_url)
        log(f"  {seconds:.1f} s, peak RSS {rss_kib / 1024:.0f} MB")
        tables = written_tables(url, before)
        copies, inserts = [], []
        for round_ in range(1, rounds + 1):
            copies.append(copy_seconds(url, path, len(HEADER)))
            inserts.append(insert_select_seconds(url, tables))
            log(f"  round {round_}: COPY {copies[-1]:.2f} s, INSERT ... SELECT {inserts[-1]:.2f} s")
        result = {
            "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load_average": started_load,
            "rows": written.rows,
            "events": written.events,
            "mb": path.stat().st_size / 1e6,
            "tables": tables,
            "rounds": rounds,
            "copy_seconds": copies,
            "insert_select_seconds": inserts,
            "import_seconds": seconds,
            "rss_mb": rss_kib / 1024,
            "output": output.strip().splitlines()[:12],
        }
        RESULT.write_text(json.dumps(result, indent=1))
        log(f"Wrote {RESULT.relative_to(ROOT)}")
        path.unlink()
    finally:
        drop_database(project_url, name)


if __name__ == "__main__":
    main()
