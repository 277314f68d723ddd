"""The return home interview compliance report on the national tier: server time of the
page (and the API), by placing authority and by host area, for the tier's last full month.

Run:

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/interview_report.py

It builds the national tier as bench/pages.py does (`<name>_bench_national`, reused when
built by this generator version) and, in a process pointed at that database, signs in the
big county's MASH manager and times `--requests` GETs of each (after `--warmup`), from the
request to the last byte, in this process (no network). Target (issue 19): p95 under one
second. Prints the machine's load average with the figures.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
TARGET_P95_MS = 1000


def measure(requests: int, warmup: int) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.urls import reverse
    from pages import signed_in

    from people.models import Person

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the test client's
    settings.API_RATE_PER_MINUTE = 10**9  # the API's limit, not what is measured
    with connection.cursor() as cursor:
        cursor.execute("SELECT info FROM bench_synthetic_build WHERE tier = 'national'")
        info = cursor.fetchone()[0]
        info = info if isinstance(info, dict) else json.loads(info)
        cursor.execute("SELECT count(*) FROM missing_returninterview")
        interviews = cursor.fetchone()[0]
    manager = Person.objects.select_related("agency").get(username=info["subject"])
    client = signed_in(manager)
    from reports.interview_views import default_month

    month = f"{default_month():%Y-%m}"
    timed = {}
    for name, url, query in [
        ("page, by placing authority", reverse("return-interview-report"), {"by": "placing"}),
        ("page, by host area", reverse("return-interview-report"), {"by": "host"}),
        ("CSV, by placing authority", reverse("return-interview-report-csv"), {"by": "placing"}),
        ("API, by host area", reverse("api-return-interview-report"), {"by": "host"}),
    ]:
        times = []
        for number in range(warmup + requests):
            began = time.perf_counter()
            response = client.get(url, {**query, "month": month})
            assert response.status_code == 200, response.status_code
            if number >= warmup:
                times.append((time.perf_counter() - began) * 1000)
        timed[name] = times
    return {"month": month, "interviews": interviews, "agency": manager.agency.name,
            "timed": timed}  # fmt: skip


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
    if args.measure:
        print(json.dumps(measure(args.requests, args.warmup)))
        return 0
    import django

    django.setup()
    from pages import ensure, tier_url

    ensure("national", args.seed, rebuild=False)
    env = {**os.environ, "DATABASE_URL": tier_url("national")}
    run = subprocess.run(  # noqa: S603 (this script, with numbers it parsed)
        [sys.executable, __file__, "--measure", "--requests", str(args.requests),
         "--warmup", str(args.warmup)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(run.stdout.strip().splitlines()[-1])
    print(
        f"national tier: {result['interviews']:,} return interviews; month {result['month']}; "
        f"as the MASH manager of {result['agency']}"
    )
    print(f"{'request':30} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    met = True
    for name, times in result["timed"].items():
        worst = p95(times)
        met = met and worst < TARGET_P95_MS
        print(
            f"{name:30} {len(times):>4} {statistics.median(times):8.1f} {worst:8.1f} "
            f"{max(times):8.1f}"
        )
    print(f"target: p95 under {TARGET_P95_MS} ms: {'met' if met else 'MISSED'}")
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
