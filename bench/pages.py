"""Server time of the MASH pages on synthetic county and national data: `make bench`.

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/pages.py

For each tier it makes sure a database `<name>_bench_<tier>` exists beside the configured
one (DATABASE_URL's server and name; `exec`'s throwaway `_run<pid>` suffix is dropped so
the embedded server's bench databases are reused), built to completion by
`manage.py generate_synthetic` with this seed and generator version: anything missing,
half-built or older is dropped and built again. Synthetic rows never reach the
configured database itself. Then, in a process of its own per tier, it signs the big
county's MASH manager in (both factors) and times the real views in-process with
Django's test client, round-robin over the pages, after a warm-up; the tiers take
turns, three rounds each. It prints p50 and p95 of each page per tier, national p95
over county p95, and queries per request.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/safeguarding"
TIERS = ("county", "national")
TARGET_MS = 150.0
TARGET_RATIO = 1.25
ROUNDS = 3


# --- building ----------------------------------------------------------------------------


def tier_url(tier: str) -> str:
    parts = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_URL)
    base = re.sub(r"_run\d+$", "", parts.path.lstrip("/")) or "safeguarding"
    return urlunsplit(parts._replace(path=f"/{base}_bench_{tier}"))


def _admin_connection(url: str):
    import psycopg2

    connection = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    connection.autocommit = True
    return connection


def built(url: str, tier: str, seed: int) -> bool:
    """Whether the tier's database exists and its build finished with this seed and version."""
    import psycopg2

    from safeguarding.management.commands.generate_synthetic import MARKER_TABLE, VERSION

    try:
        connection = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
            if cursor.fetchone()[0] is None:
                return False
            cursor.execute(f"SELECT seed, version FROM {MARKER_TABLE} WHERE tier = %s", [tier])
            return cursor.fetchone() == (seed, VERSION)
    finally:
        connection.close()


def manage(url: str, *argv: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "manage.py", *argv], cwd=ROOT, env=env, check=True)


def ensure(tier: str, seed: int, rebuild: bool) -> float | None:
    """Build the tier's database if it is missing or incomplete; the seconds it took."""
    from psycopg2 import sql

    url = tier_url(tier)
    name = urlsplit(url).path.lstrip("/")
    if not rebuild and built(url, tier, seed):
        print(f"{tier}: {name} is built (seed {seed})", flush=True)
        manage(url, "migrate", "--noinput", "-v0")  # new migrations (indexes) since
        return None
    print(f"{tier}: building {name} (seed {seed})", flush=True)
    began = time.monotonic()
    admin = _admin_connection(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    manage(url, "migrate", "--noinput", "-v0")
    manage(url, "generate_synthetic", "--tier", tier, "--seed", str(seed))
    seconds = time.monotonic() - began
    print(f"{tier}: built in {seconds / 60:.1f} min", flush=True)
    return seconds


# --- measuring (in a process per tier, Django pointed at the tier's database) ------------


def signed_in(person):
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=person, name="bench", confirmed=True)
    client = Client(HTTP_USER_AGENT="bench/pages")
    client.force_login(person)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def measure(tier: str, requests: int, warmup: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from cases import selectors
    from cases.models import Case
    from people.models import Person
    from safeguarding.management.commands.generate_synthetic import MARKER_TABLE

    # Not setup_test_environment(): it instruments every template render (a signal and a
    # copy of the context each time), which is the test client's cost, not the server's.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SEARCH_RATE_PER_MINUTE = 10**9  # the page's harvest limit, not what is measured
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT info FROM {MARKER_TABLE} WHERE tier = %s", [tier])
        info = cursor.fetchone()[0]
        info = json.loads(info) if isinstance(info, str) else info
    person = Person.objects.get(username=info["subject"])
    case = Case.objects.get(pk=info["bench_case"])
    client = signed_in(person)
    pages: dict[str, str | None] = {}
    try:
        pages["triage screen"] = reverse("triage")
    except NoReverseMatch:
        pages["triage screen"] = None
    pages["case page (1,000 entries)"] = reverse("case", args=[case.pk])
    pages["child search"] = reverse("children") + f"?name={info['search']}"
    pages["cases I can see"] = reverse("cases")
    live = {name: url for name, url in pages.items() if url}

    def get(url: str) -> float:
        began = time.perf_counter()
        response = client.get(url, secure=True)
        took = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (url, response.status_code)
        return took

    for name, url in list(live.items()):
        if client.get(url, secure=True).status_code == 501:  # routed, not written yet
            pages[name] = None
            del live[name]
    queries = {}
    for name, url in live.items():
        for _ in range(warmup):
            get(url)
        with CaptureQueriesContext(connection) as captured:
            get(url)
        queries[name] = len(captured.captured_queries)
    times: dict[str, list[float]] = {name: [] for name in live}
    for _ in range(requests):  # round-robin, so drift in the machine touches every page alike
        for name, url in live.items():
            times[name].append(get(url))
    results = {
        name: None if url is None else {"times": times[name], "queries": queries[name]}
        for name, url in pages.items()
    }
    return {
        "tier": tier,
        "pages": results,
        "subject": f"{person.username} ({person.agency})",
        "visible_cases": selectors.visible_cases(person).count(),
        "case_entries": selectors.chronology(case, person).count(),
        "search_hits": selectors.search_children(person, name=info["search"]).count(),
        "cases": info["cases"],
        "agencies": info["agencies"],
    }


def measured(tier: str, requests: int, warmup: int) -> dict:
    env = {**os.environ, "DATABASE_URL": tier_url(tier)}
    argv = [sys.executable, __file__, "--measure", tier, "--requests", str(requests),
            "--warmup", str(warmup)]  # fmt: skip
    out = subprocess.run(argv, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the table ---------------------------------------------------------------------------


def print_table(results: dict[str, dict], requests: int) -> None:
    county, national = results.get("county"), results.get("national")
    names = list((county or national)["pages"])
    header = ("page", "county p50", "county p95", "national p50", "national p95",
              "national/county p95", "queries")  # fmt: skip
    rows = []
    for name in names:
        c = county["pages"][name] if county else None
        n = national["pages"][name] if national else None
        if (county and c is None) or (national and n is None):
            rows.append((name, "not yet built", "", "", "", "", ""))
            continue
        ratio = f"{n['p95'] / c['p95']:.2f}" if c and n else ""
        counts = sorted({r["queries"] for r in (c, n) if r})
        rows.append(
            (
                name,
                f"{c['p50']:.1f}" if c else "",
                f"{c['p95']:.1f}" if c else "",
                f"{n['p50']:.1f}" if n else "",
                f"{n['p95']:.1f}" if n else "",
                ratio,
                " / ".join(str(q) for q in counts),
            )
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in
                     enumerate(widths))  # fmt: skip
    print()
    print(line.format(*header))
    for row in rows:
        print(line.format(*row))
    print()
    print(
        f"ms of server time per request, {requests} requests a page after warm-up; targets: "
        f"national p95 < {TARGET_MS:.0f} ms and national/county <= {TARGET_RATIO}"
    )
    for tier, result in results.items():
        print(
            f"{tier}: {result['cases']:,} cases, {result['agencies']} agencies; as "
            f"{result['subject']}: {result['visible_cases']:,} cases visible, "
            f"{result['case_entries']:,} entries on the case, {result['search_hits']} children "
            "found by the search"
        )
    with open("/proc/loadavg") as f:
        print("load average (1, 5, 15 min): " + ", ".join(f.read().split()[:3]))
    misses = []
    for name in names:
        n = national and national["pages"][name]
        c = county and county["pages"][name]
        if n and n["p95"] >= TARGET_MS:
            misses.append(f"{name}: national p95 {n['p95']:.0f} ms")
        if n and c and n["p95"] > TARGET_RATIO * c["p95"]:
            misses.append(f"{name}: national/county {n['p95'] / c['p95']:.2f}")
    print("targets met" if not misses else "missed: " + "; ".join(misses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", nargs="+", choices=TIERS, default=list(TIERS))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=90, help="timed requests a page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="build the tiers again")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--measure", choices=TIERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.requests, args.warmup)))
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    import django

    django.setup()  # no database is touched here: only the generator's version is read
    builds = {tier: ensure(tier, args.seed, args.rebuild) for tier in args.tiers}
    for tier, seconds in builds.items():
        if seconds is not None:
            print(f"build time, {tier}: {seconds / 60:.1f} min")
    if args.build_only:
        return 0
    # The tiers take turns, a few rounds each, so that a change in the machine's load
    # (it is shared) falls on both alike rather than on whichever ran second.
    results: dict[str, dict] = {}
    per_round = -(-args.requests // ROUNDS)
    for round_ in range(ROUNDS):
        for tier in args.tiers:
            print(f"{tier}: measuring, round {round_ + 1} of {ROUNDS}", flush=True)
            result = measured(tier, per_round, args.warmup)
            if tier not in results:
                results[tier] = result
                continue
            for name, page in result["pages"].items():
                if page:
                    results[tier]["pages"][name]["times"] += page["times"]
    for result in results.values():
        for page in result["pages"].values():
            if page:
                page["p50"] = statistics.median(page["times"])
                page["p95"] = statistics.quantiles(page["times"], n=20)[18]
    print_table(results, per_round * ROUNDS)
    return 0


if __name__ == "__main__":
    sys.exit(main())
