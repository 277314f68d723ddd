"""The production server under load: `make bench-load` (bench/README.md, "Under load").

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/load.py

Copies the synthetic county (`<name>_bench_county`, built by `make bench`) into a scratch
database `bench_load_<pid>` on the same PostgreSQL (CREATE DATABASE ... TEMPLATE), or with
`--tiny` builds a small one with `generate_synthetic --tier tiny`; starts a Redis-compatible
server of its own (so nothing it queues or counts reaches anyone else's); collects the
static files into a directory of its own as the image does (STATICFILES_MANIFEST=1); and
starts gunicorn with the Dockerfile's CMD (its config file and arguments, WEB_CONCURRENCY
from its ENV), bound to 127.0.0.1 on a free port, DEBUG off. `--server-from REV` takes the
Dockerfile and gunicorn config file from a git revision instead, to measure a server
configuration as it was (the code served is always this checkout's).

Then, at each user count (10, 30, 60), locust (bench/locustfile.py) runs headless for
`--seconds` against that one server: signed-in people of the county (MASH managers on the
triage screen, social workers and police officers on case pages, the 1,000-entry
chronology, child searches, new chronology entries, placements and missing reports),
each with a session made here with a verified second factor. It prints requests a second,
p50/p95/p99 per request type, errors, the load average, and each worker recycle with the
slowest request that started in the 5 seconds after it. At the end it checks that every
create the server answered with its redirect is in the database exactly once (each carries
a unique marker in its text), stops gunicorn and drops the scratch database.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/safeguarding"
LEVELS = (10, 30, 60)
PEOPLE_PER_PERSONA = {"mash": 8, "social": 30, "police": 22}
CASES_PER_PERSON = 40
AFTER_RECYCLE_SECONDS = 5.0


def log(message: str) -> None:
    print(f"[load] {message}", flush=True)


def loadavg() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- the scratch database ----------------------------------------------------------------


def server_url(name: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def county_name() -> str:
    base = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL).path.lstrip("/")
    return re.sub(r"_run\d+$", "", base or "safeguarding") + "_bench_county"


def admin(sql_text, *names: str) -> None:
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(server_url("postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL(sql_text).format(*(sql.Identifier(n) for n in names)))
    finally:
        connection.close()


def create_scratch(name: str, template: str | None) -> None:
    """The scratch database: a copy of the template, or empty (then migrated and filled)."""
    import psycopg2

    if template is None:
        admin("CREATE DATABASE {}", name)
        return
    # CREATE DATABASE ... TEMPLATE needs the template to have no other sessions for a
    # moment (another benchmark may be reading it): try for up to two minutes.
    deadline = time.monotonic() + 120
    while True:
        try:
            admin("CREATE DATABASE {} TEMPLATE {}", name, template)
            return
        except psycopg2.errors.ObjectInUse:
            if time.monotonic() > deadline:
                raise
            log(f"{template} is in use; trying again in 5 s")
            time.sleep(5)


def drop_scratch(name: str) -> None:
    admin("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def manage(env: dict[str, str], *argv: str) -> None:
    subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True)


# --- the server, as the image runs it ----------------------------------------------------


def image_command(dockerfile: str) -> list[str]:
    """The Dockerfile's CMD (JSON, continued over lines with backslashes)."""
    text = dockerfile.replace("\\\n", " ")
    return json.loads(re.search(r"^CMD (\[.*\])\s*$", text, re.MULTILINE)[1])


def image_files(rev: str | None) -> tuple[str, str | None, dict[str, str]]:
    """The Dockerfile's text, the gunicorn config file it names (path in the repo) and
    that file's text, from this checkout or from git revision `rev`."""

    def read(path: str) -> str:
        if rev is None:
            return (ROOT / path).read_text()
        show = ["git", "show", f"{rev}:{path}"]
        return subprocess.run(show, cwd=ROOT, check=True, capture_output=True, text=True).stdout

    dockerfile = read("Dockerfile")
    argv = image_command(dockerfile)
    config = argv[argv.index("--config") + 1] if "--config" in argv else None
    path = None
    if config and config.startswith("python:"):
        path = config.removeprefix("python:").replace(".", "/") + ".py"
    elif config:
        path = config
    return dockerfile, path, {path: read(path)} if path else {}


def gunicorn_argv(rev: str | None, port: int, workdir: Path) -> tuple[list[str], dict]:
    """The Dockerfile's CMD on 127.0.0.1:port, from this virtualenv, and its ENV settings."""
    dockerfile, config_path, texts = image_files(rev)
    argv = image_command(dockerfile)
    assert argv[0] == "gunicorn" and "0.0.0.0:8000" in argv, argv
    argv = [f"127.0.0.1:{port}" if arg == "0.0.0.0:8000" else arg for arg in argv]
    if rev is not None and config_path:
        # The config file as it was at `rev`, from a file of its own.
        copy = workdir / f"gunicorn_conf_{rev}.py"
        copy.write_text(texts[config_path])
        argv[argv.index("--config") + 1] = str(copy)
    env = dict(re.findall(r"\b(WEB_CONCURRENCY|STATICFILES_MANIFEST)=(\S+)", dockerfile))
    return [sys.executable, "-m", *argv[0:]], env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            if response.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {seconds:.0f} s")


def stop(process: subprocess.Popen | None, grace: float = 35) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL after `grace` seconds."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


BOOTED = re.compile(r"^\[([^\]]+)\] \[\d+\] \[INFO\] Booting worker with pid: (\d+)", re.M)


def worker_boots(error_log: Path) -> list[float]:
    """When each worker was booted (gunicorn's error log, to the second)."""
    boots = []
    for stamp, _pid in BOOTED.findall(error_log.read_text(errors="replace")):
        boots.append(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S %z").timestamp())
    return boots


# --- the people (Django, pointed at the scratch database) --------------------------------


def prepare_people(count: int) -> dict:
    """Sign in `count` people of the county's agencies (both factors) and choose their cases."""
    import random

    from django.conf import settings
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases import selectors
    from cases.models import Case, Child
    from people.models import Agency, Person
    from safeguarding.management.commands.generate_synthetic import MARKER_TABLE

    with connection_cursor() as cursor:
        cursor.execute(f"SELECT info FROM {MARKER_TABLE}")
        info = cursor.fetchone()[0]
        info = json.loads(info) if isinstance(info, str) else info
    subject = Person.objects.get(username=info["subject"])
    bench_case = Case.objects.get(pk=info["bench_case"])
    county = subject.agency  # the big county's children's services
    areas = set(county.areas.values_list("pk", flat=True))
    rng = random.Random(2026)
    Kind, Role = Agency.Kind, Person.Role
    wanted = {
        "mash": Person.objects.filter(agency=county, role=Role.MASH_MANAGER),
        "social": Person.objects.filter(agency=county, role=Role.PRACTITIONER),
        "police": Person.objects.filter(
            agency__kind=Kind.POLICE, agency__areas__in=areas, role=Role.PRACTITIONER
        ).distinct(),
    }
    pools = {}
    for persona, queryset in wanted.items():
        found = list(queryset.filter(is_active=True).order_by("username")[:count])
        if not found:
            raise SystemExit(f"no {persona} people in the database")
        pools[persona] = found
    # Interleaved so that any number of users has the same mix: per 6, one MASH manager on
    # the triage screen, three social workers, two police officers.
    pattern = ["mash", "social", "police", "social", "police", "social"]
    people, used = [], set()
    for n in range(count):
        persona = pattern[n % len(pattern)]
        pool = pools[persona]
        person = pool[(n // len(pattern)) % len(pool)]
        if person.pk in used and len(pool) > n // len(pattern):
            person = next((p for p in pool if p.pk not in used), person)
        used.add(person.pk)
        contribute = selectors.visible_cases(person, "contribute").filter(status=Case.Status.OPEN)
        cases = list(contribute.order_by("-pk").values_list("pk", flat=True)[:2000])
        if not cases:
            cases = list(
                selectors.visible_cases(person).order_by("-pk").values_list("pk", flat=True)[:2000]
            )
        cases = rng.sample(cases, min(CASES_PER_PERSON, len(cases)))
        place = []
        if persona == "social":
            # Looked-after children this authority is responsible for, a disjoint slice
            # per person so that two people never move the same child in the same minute.
            placeable = list(
                contribute.filter(child__looked_after=True, child__responsible_authority=county)
                .order_by("pk")
                .values_list("pk", flat=True)[:3000]
            )
            place = placeable[n::count][:10]
        # The 1,000-entry case, where the person's agency may see it (in the county, all do).
        big = info["bench_case"] if selectors.can(person, bench_case, "view") else cases[0]
        names = list(Child.objects.filter(cases__in=cases).values_list("last_name", flat=True)[:20])
        device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=person, name="bench", confirmed=True)
        client = Client(HTTP_USER_AGENT="bench/load (locust)", REMOTE_ADDR="127.0.0.1")
        client.force_login(person)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        people.append(
            {
                "username": person.username,
                "persona": persona,
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "cookie": session.session_key,
                "cases": cases,
                "place_cases": place,
                "may_add_entries": persona != "mash",
                "big_case": big,
                "search": sorted({info["search"], *names}),
            }
        )
    return {"people": people, "info": info}


def connection_cursor():
    from django.db import connection

    return connection.cursor()


def created_in_database(markers: dict[str, list[str]]) -> dict[str, dict]:
    """For each kind, how many rows carry each marker, and rows with markers nobody saw."""
    from cases.models import Entry
    from missing.models import MissingEpisode, Placement

    fields = {
        "entry": (Entry, "text"),
        "placement": (Placement, "address"),
        "missing": (MissingEpisode, "circumstances"),
    }
    checks = {}
    for kind, (model, field) in fields.items():
        found: dict[str, int] = {}
        # A placement's or missing report's own chronology entry quotes its marker too.
        pattern = re.compile(rf"bench-load \w+-{kind}-\d+")
        values = model.objects.filter(**{f"{field}__contains": "bench-load "}).values_list(
            field, flat=True
        )
        for value in values:
            for marker in pattern.findall(value):
                found[marker] = found.get(marker, 0) + 1
        wanted = markers.get(kind, [])
        checks[kind] = {
            "answered": len(wanted),
            "rows": sum(found.values()),
            "missing": [m for m in wanted if m not in found],
            "twice": [m for m, n in found.items() if n > 1],
            "unanswered": sorted(set(found) - set(wanted)),
        }
    return checks


# --- the figures -------------------------------------------------------------------------


def quantiles(times: list[float]) -> tuple[float, float, float]:
    if len(times) == 1:
        return times[0], times[0], times[0]
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94], cuts[98]


def summarise(users: int, seconds: float, result: dict, boots: list[float], load: str) -> dict:
    by_name: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for _started, name, ms, error in result["requests"]:
        if error:
            errors[name] = errors.get(name, 0) + 1
        if name != "task raised":  # a task's exception, not a request
            by_name.setdefault(name, []).append(ms)
    requests = [r for r in result["requests"] if r[1] != "task raised"]
    rows = []
    for name in sorted(by_name):
        p50, p95, p99 = quantiles(by_name[name])
        rows.append({"name": name, "n": len(by_name[name]), "p50": p50, "p95": p95,
                     "p99": p99, "errors": errors.get(name, 0)})  # fmt: skip
    everything = [ms for _s, _n, ms, _e in requests]
    p50, p95, p99 = quantiles(everything) if everything else (0, 0, 0)
    recycles = []
    for boot in boots:
        after = [ms for s, _n, ms, _e in requests if boot <= s < boot + AFTER_RECYCLE_SECONDS + 1]
        recycles.append({"at": boot, "requests_after": len(after),
                         "slowest_after": max(after) if after else None})  # fmt: skip
    return {
        "users": users,
        "seconds": seconds,
        "requests": len(requests),
        "rps": len(requests) / seconds,
        "errors": sum(errors.values()),
        "error_samples": sorted({e for *_x, e in result["requests"] if e})[:5],
        "p50": p50,
        "p95": p95,
        "p99": p99,
        "pages": rows,
        "recycles": recycles,
        "loadavg": load,
    }


def print_level(level: dict) -> None:
    print()
    print(
        f"{level['users']} users, {level['seconds']:.0f} s: {level['requests']} requests, "
        f"{level['rps']:.1f} requests/s, {level['errors']} errors; all requests p50 "
        f"{level['p50']:.0f} / p95 {level['p95']:.0f} / p99 {level['p99']:.0f} ms; "
        f"load average {level['loadavg']}"
    )
    width = max(len(row["name"]) for row in level["pages"])
    print(f"  {'request':<{width}}  {'n':>5}  {'p50':>6}  {'p95':>6}  {'p99':>6}  errors")
    for row in level["pages"]:
        print(
            f"  {row['name']:<{width}}  {row['n']:>5}  {row['p50']:>6.0f}  {row['p95']:>6.0f}  "
            f"{row['p99']:>6.0f}  {row['errors']:>6}"
        )
    for recycle in level["recycles"]:
        slowest = recycle["slowest_after"]
        print(
            f"  worker booted at {datetime.fromtimestamp(recycle['at']):%H:%M:%S}: "
            f"{recycle['requests_after']} requests started in the next "
            f"{AFTER_RECYCLE_SECONDS:.0f} s, slowest "
            + (f"{slowest:.0f} ms" if slowest is not None else "-")
        )
    for sample in level["error_samples"]:
        print(f"  error: {sample[:300]}")


def print_summary(levels: list[dict], checks: dict) -> bool:
    print()
    print("users  requests/s  errors  p50 ms  p95 ms  p99 ms  recycles  load average")
    for level in levels:
        print(
            f"{level['users']:>5}  {level['rps']:>10.1f}  {level['errors']:>6}  "
            f"{level['p50']:>6.0f}  {level['p95']:>6.0f}  {level['p99']:>6.0f}  "
            f"{len(level['recycles']):>8}  {level['loadavg']}"
        )
    ok = True
    print()
    for kind, check in checks.items():
        good = not (check["missing"] or check["twice"])
        ok &= good
        print(
            f"created {kind}: {check['answered']} answered with a redirect, {check['rows']} rows "
            f"with a marker; not in the database: {len(check['missing'])}, in it twice: "
            f"{len(check['twice'])}, in it without a redirect seen: {len(check['unanswered'])}"
        )
    errors = sum(level["errors"] for level in levels)
    ok &= errors == 0
    print("every create is in the database exactly once" if ok else "CHECK FAILED")
    return ok


# --- the run -----------------------------------------------------------------------------


def run_locust(users: int, seconds: int, url: str, people: Path, out: Path, run: str,
               wait: str) -> dict:  # fmt: skip
    env = {**os.environ, "LOAD_PEOPLE": str(people), "LOAD_RESULTS": str(out),
           "LOAD_RUN": run, "LOAD_WAIT": wait}  # fmt: skip
    argv = [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"),
            "--headless", "--users", str(users), "--spawn-rate", str(users),
            "--run-time", f"{seconds}s", "--stop-timeout", "10", "--host", url,
            "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]  # fmt: skip
    with open(out.with_suffix(".log"), "w") as log_file:
        subprocess.run(argv, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                       timeout=seconds + 90, check=True)  # fmt: skip
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, nargs="+", default=list(LEVELS))
    parser.add_argument("--seconds", type=int, default=60, help="per user count")
    parser.add_argument("--template", default=None, help="database to copy (the county)")
    parser.add_argument("--tiny", action="store_true", help="generate_synthetic --tier tiny")
    parser.add_argument("--server-from", metavar="REV", help="Dockerfile and config from REV")
    parser.add_argument("--workers", help="WEB_CONCURRENCY, instead of the Dockerfile's")
    parser.add_argument("--wait", default="0.5,1.0", help="each user's pause, min,max s")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument(
        "--every-kind-first", action="store_true", help="each user does each thing once first"
    )
    args = parser.parse_args()
    if args.every_kind_first:
        os.environ["LOAD_EVERY_KIND_FIRST"] = "1"  # read by bench/locustfile.py
    seconds = min(max(args.seconds, 1), 600)  # bounded, whatever is asked

    from safeguarding.devservices import embedded_redis

    name = f"bench_load_{os.getpid()}"
    template = None if args.tiny else (args.template or county_name())
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    web = collecting = None
    created_db = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        with embedded_redis(None) as redis_url:
            env = {
                **os.environ,
                "DATABASE_URL": server_url(name),
                "REDIS_URL": redis_url,
                "DJANGO_SETTINGS_MODULE": "safeguarding.settings",
                "DEBUG": "0",
                # Plain http on the loopback, as docker-compose.yml says for a local try.
                "SECURE_SSL_REDIRECT": "0",
                "SECURE_COOKIES": "0",
                "BEHIND_TLS_PROXY": "0",
                "ALLOWED_HOSTS": "127.0.0.1",
                "STATIC_ROOT": str(workdir / "staticfiles"),
                "CELERY_TASK_DEFAULT_QUEUE": name,
                "PYTHONUNBUFFERED": "1",
            }
            env.setdefault("SECRET_KEY", "insecure-key-for-load-bench-only-" + "x" * 24)
            # The image's collectstatic, into a directory of this run's own, while the
            # database is made (it compresses every file: the slowest step on tiny data).
            collecting = subprocess.Popen(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT, env={**env, "STATICFILES_MANIFEST": "1"},
            )  # fmt: skip
            log(f"scratch database {name} from {template or 'generate_synthetic --tier tiny'}")
            began = time.monotonic()
            create_scratch(name, template)
            created_db = True
            manage(env, "migrate", "--noinput", "-v0")
            if args.tiny:
                manage(env, "generate_synthetic", "--tier", "tiny")
            log(f"database ready in {time.monotonic() - began:.0f} s")

            port = free_port()
            argv, image_env = gunicorn_argv(args.server_from, port, workdir)
            env.update(image_env)
            if args.workers:
                env["WEB_CONCURRENCY"] = args.workers
            if collecting.wait(timeout=600) != 0:
                raise RuntimeError("collectstatic failed")

            os.environ.update(env)
            os.environ["LOG_LEVEL"] = "WARNING"  # this process's sign-ins, not the server's
            import django

            django.setup()
            from django.db import connections

            began = time.monotonic()
            prepared = prepare_people(max(args.users))
            log(f"{len(prepared['people'])} people signed in in {time.monotonic() - began:.0f} s")
            connections.close_all()
            people = workdir / "people.json"
            people.write_text(json.dumps(prepared["people"]))

            log("gunicorn: " + " ".join(argv[2:]))
            log(f"WEB_CONCURRENCY={env.get('WEB_CONCURRENCY')}; load average {loadavg()}")
            error_log = workdir / "gunicorn.stderr"
            with open(workdir / "gunicorn.stdout", "w") as out, open(error_log, "w") as err:
                web = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=err)
            url = f"http://127.0.0.1:{port}"
            wait_until_answering(f"{url}/healthz", web)
            time.sleep(1)
            for line in error_log.read_text(errors="replace").splitlines():
                if "warm" in line.lower():
                    log("gunicorn: " + line)
            first_boots = len(worker_boots(error_log))
            levels, markers = [], {"entry": [], "placement": [], "missing": []}
            for users in args.users:
                log(f"{users} users for {seconds} s; load average {loadavg()}")
                began_at = time.time()
                result = run_locust(users, seconds, url, people, workdir / f"u{users}.json",
                                    f"{os.getpid()}u{users}", args.wait)  # fmt: skip
                boots = [b for b in worker_boots(error_log)[first_boots:] if b >= began_at - 1]
                level = summarise(users, seconds, result, boots, loadavg())
                levels.append(level)
                print_level(level)
                for kind, made in result["created"].items():
                    markers[kind] += made
            stop(web)
            web = None
            checks = created_in_database(markers)
            connections.close_all()
            ok = print_summary(levels, checks)
            if args.json:
                args.json.write_text(json.dumps({"levels": levels, "checks": checks}))
            return 0 if ok else 1
    except KeyboardInterrupt:
        log("interrupted; cleaning up")
        return 130
    finally:
        stop(web)
        if collecting is not None and collecting.poll() is None:
            collecting.kill()
            collecting.wait()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if created_db:
            drop_scratch(name)
            log(f"dropped {name}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
