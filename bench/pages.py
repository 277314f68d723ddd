"""Server time of the MASH pages on synthetic county and national data: `make bench`.

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/pages.py

For each tier it makes sure a database `<name>_bench_<tier>` exists beside the configured
one (DATABASE_URL's server and name; `exec`'s throwaway `_run<pid>` suffix is dropped so
the embedded server's bench databases are reused), built to completion by
`manage.py generate_synthetic` with this seed and generator version: anything missing,
half-built or older is dropped and built again. Synthetic rows never reach the
configured database itself. Then, in a process of its own per tier and round, it signs
the big county's MASH manager and its information-governance officer in (both factors)
and times the real views in-process with Django's test client, round-robin over the
pages, after a warm-up: a floor page (bench/floor.py), the triage screen, the case page,
the child search's results, the case list, the inbox, home, a contact and the access
report. The times are read from the Server-Timing header (total and database). Each round
prints every page's p50 and p95 per tier, p95 over the floor's p95, national over county,
the database's p50 and the queries; the verdict takes the worst round for the floor and
the absolute target, and the median round for national over county.
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
TARGET_MS = 50.0  # every page's p95 on the national tier, when the machine is quiet
QUIET_LOAD = 1.5  # the 1-minute load average under which TARGET_MS is judged
TARGET_OVER_FLOOR = 3.0  # every page's p95 over the floor's p95, in every round
TARGET_RATIO_P50 = 1.1  # national over county, in the median round
TARGET_RATIO_P95 = 1.25
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


# The pages timed, in the order printed. The floor is bench/floor.py: a signed-in page that
# renders the base template and writes one audit event, and nothing else.
FLOOR = "floor: a minimal signed-in page"
PAGES = (
    FLOOR,
    "triage screen",
    "case page (1,000 entries)",
    "child search (results)",
    "cases I can see",
    "inbox",
    "home worklist",
    "contact page",
    "access report (IG officer)",
)
TIMING = re.compile(r'db;dur=([0-9.]+);desc="(\d+) queries", total;dur=([0-9.]+)')


def measure(tier: str, requests: int, warmup: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse

    from cases import selectors
    from cases.models import Case
    from people.models import Person
    from safeguarding.management.commands.generate_synthetic import MARKER_TABLE
    from triage.models import Contact

    # Not setup_test_environment(): it instruments every template render (a signal and a
    # copy of the context each time), which is the test client's cost, not the server's.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SEARCH_RATE_PER_MINUTE = 10**9  # the page's harvest limit, not what is measured
    settings.ROOT_URLCONF = "floor"  # the service's URLs and the floor page (bench/floor.py)
    settings.SERVER_TIMING = True  # the times are read from the Server-Timing header
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT info FROM {MARKER_TABLE} WHERE tier = %s", [tier])
        info = cursor.fetchone()[0]
        info = json.loads(info) if isinstance(info, str) else info
    person = Person.objects.get(username=info["subject"])
    officer = Person.objects.filter(
        agency=person.agency, role=Person.Role.INFORMATION_GOVERNANCE, is_active=True
    ).first()
    case = Case.objects.get(pk=info["bench_case"])
    contact = (
        Contact.objects.filter(mash=person.agency)
        .exclude(state=Contact.State.DECIDED)
        .order_by("due_at", "id")
        .first()
    )
    manager, governance = signed_in(person), signed_in(officer)
    searched = manager.post(reverse("children"), {"name": info["search"]}, secure=True)
    assert searched.status_code == 303, searched.status_code
    urls = dict(
        zip(
            PAGES,
            [
                (manager, reverse("bench-floor")),
                (manager, reverse("triage")),
                (manager, reverse("case", args=[case.pk])),
                (manager, searched["Location"]),
                (manager, reverse("cases")),
                (manager, reverse("inbox")),
                (manager, reverse("home")),
                (manager, reverse("contact", args=[contact.pk])),
                (governance, reverse("access-events")),
            ],
            strict=True,
        )
    )

    def get(name: str) -> tuple[float, float, int]:
        client, url = urls[name]
        response = client.get(url, secure=True)
        assert response.status_code == 200, (name, url, response.status_code)
        db_ms, queries, total_ms = TIMING.fullmatch(response["Server-Timing"]).groups()
        return float(total_ms), float(db_ms), int(queries)

    for name in PAGES:
        for _ in range(warmup):
            get(name)
    pages = {name: {"times": [], "db": [], "queries": set()} for name in PAGES}
    for _ in range(requests):  # round-robin, so drift in the machine touches every page alike
        for name in PAGES:
            total_ms, db_ms, queries = get(name)
            pages[name]["times"].append(total_ms)
            pages[name]["db"].append(db_ms)
            pages[name]["queries"].add(queries)
    for page in pages.values():
        page["queries"] = sorted(page["queries"])
    return {
        "tier": tier,
        "pages": pages,
        "subject": f"{person.username} ({person.agency})",
        "visible_cases": selectors.visible_case_count(person),
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


# --- the tables --------------------------------------------------------------------------


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20, method="inclusive")[18]


def summarise(result: dict) -> dict[str, dict]:
    """p50, p95 and the database's p50 of each page of one tier in one round."""
    return {
        name: {
            "p50": statistics.median(page["times"]),
            "p95": p95(page["times"]),
            "db50": statistics.median(page["db"]),
            "queries": page["queries"],
        }
        for name, page in result["pages"].items()
    }


def _table(header: tuple, rows: list[tuple]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in
                     enumerate(widths))  # fmt: skip
    print(line.format(*header))
    for row in rows:
        print(line.format(*(str(cell) for cell in row)))


def load_average() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        return tuple(float(x) for x in f.read().split()[:3])


def report(rounds: list[dict[str, dict]], requests: int, info: dict, loads: list) -> bool:
    """Print each round, then the verdict; whether every target was met."""
    main_tier = "national" if "national" in rounds[0] else "county"
    both = "national" in rounds[0] and "county" in rounds[0]
    for number, measured_round in enumerate(rounds, 1):
        print(f"\nround {number} of {len(rounds)} (load average at its start: "
              f"{', '.join(f'{x:.2f}' for x in loads[number - 1])})")  # fmt: skip
        floor = {tier: pages[FLOOR]["p95"] for tier, pages in measured_round.items()}
        rows = []
        for name in PAGES:
            row = [name]
            for tier in ("county", "national"):
                if tier in measured_round:
                    page = measured_round[tier][name]
                    row += [f"{page['p50']:.1f}", f"{page['p95']:.1f}",
                            f"{page['p95'] / floor[tier]:.1f}"]  # fmt: skip
            if both:
                n, c = measured_round["national"][name], measured_round["county"][name]
                row += [f"{n['p50'] / c['p50']:.2f}", f"{n['p95'] / c['p95']:.2f}"]
            mine = measured_round[main_tier][name]
            row += [f"{mine['db50']:.1f}", " / ".join(str(q) for q in mine["queries"])]
            rows.append(row)
        header = ["page"]
        for tier in ("county", "national"):
            if tier in measured_round:
                header += [f"{tier} p50", f"{tier} p95", "p95/floor"]
        if both:
            header += ["nat/county p50", "nat/county p95"]
        header += [f"{main_tier} db p50", "queries"]
        _table(tuple(header), rows)

    print(f"\nms of server time per request (Server-Timing total), {requests} requests a "
          f"page a round after warm-up, {len(rounds)} rounds")  # fmt: skip
    for tier, about in info.items():
        print(
            f"{tier}: {about['cases']:,} cases, {about['agencies']} agencies; as "
            f"{about['subject']}: {about['visible_cases']:,} cases visible, "
            f"{about['case_entries']:,} entries on the case, {about['search_hits']} children "
            "found by the search"
        )
    worst_load = max(load[0] for load in loads)
    print("load average (1 min) at the start of each round: "
          + ", ".join(f"{load[0]:.2f}" for load in loads))  # fmt: skip

    # The verdict, on the main tier: every round within 3x the floor; the absolute target
    # only where the machine was quiet enough to judge it; the ratios in the median round.
    misses, notes = [], []
    for name in PAGES[1:]:
        over = [r[main_tier][name]["p95"] / r[main_tier][FLOOR]["p95"] for r in rounds]
        if max(over) > TARGET_OVER_FLOOR:
            misses.append(f"{name}: p95 {max(over):.1f} times the floor")
    for name in PAGES:
        worst = max(r[main_tier][name]["p95"] for r in rounds)
        if worst >= TARGET_MS:
            if worst_load < QUIET_LOAD:
                misses.append(f"{name}: p95 {worst:.0f} ms")
            else:
                notes.append(f"{name}: p95 {worst:.0f} ms at load {worst_load:.1f}")
        if both:
            p50s = sorted(r["national"][name]["p50"] / r["county"][name]["p50"] for r in rounds)
            p95s = sorted(r["national"][name]["p95"] / r["county"][name]["p95"] for r in rounds)
            if p50s[len(p50s) // 2] > TARGET_RATIO_P50:
                misses.append(f"{name}: national/county p50 {p50s[len(p50s) // 2]:.2f}")
            if p95s[len(p95s) // 2] > TARGET_RATIO_P95:
                misses.append(f"{name}: national/county p95 {p95s[len(p95s) // 2]:.2f}")
    print(
        f"targets ({main_tier}): p95 at most {TARGET_OVER_FLOOR:g} times the floor's in every "
        f"round; p95 under {TARGET_MS:g} ms (judged at load under {QUIET_LOAD}); "
        f"national/county at most {TARGET_RATIO_P50} at p50 and {TARGET_RATIO_P95} at p95 in "
        "the median round"
    )
    for note in notes:
        print(f"not judged (machine too busy): {note}")
    print("targets met" if not misses else "missed: " + "; ".join(misses))
    return not misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", nargs="+", choices=TIERS, default=list(TIERS))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=60, help="timed requests a page a round")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
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
    # Rounds: the tiers take turns in each, so that a change in the machine's load (it is
    # shared) falls on both alike; every round is judged against its own floor.
    rounds: list[dict[str, dict]] = []
    loads, info = [], {}
    for number in range(args.rounds):
        loads.append(load_average())
        measured_round = {}
        for tier in args.tiers:
            print(f"{tier}: measuring, round {number + 1} of {args.rounds}", flush=True)
            result = measured(tier, args.requests, args.warmup)
            measured_round[tier] = summarise(result)
            info[tier] = result
        rounds.append(measured_round)
    met = report(rounds, args.requests, info, loads)
    return 0 if met or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
