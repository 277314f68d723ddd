"""Benchmark audit sealing and verification on a million synthetic events.

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/audit_seal.py

Works in a scratch database of its own (created beside the configured DATABASE_URL's,
migrated, dropped at the end): the audit log is append-only, so synthetic events must
never reach a real one. See bench/README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")
# The scratch database's seals are published to a scratch file, never var/'s real one.
SCRATCH = tempfile.TemporaryDirectory(prefix="bench-audit-seal-")
os.environ["AUDIT_SEAL_PUBLISH_PATH"] = os.path.join(SCRATCH.name, "published-seals.log")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from audit.sealing import read_horizon, seal_pending  # noqa: E402

# Realistic widths: a username, an agency name, a browser's user agent, a request id, a
# client address and a small JSON detail, as the middleware and services write them.
INSERT_SYNTHETIC = """
INSERT INTO audit_event (occurred_at, action, actor_id, actor_username, actor_agency_id,
    actor_agency, target_type, target_id, request_id, client_address, user_agent, detail)
SELECT now() - make_interval(secs => (%(last)s - g) * 0.25),
       (ARRAY['sign_in', 'case_viewed', 'search', 'entry_added', 'api_request',
              'case_listed'])[1 + g %% 6],
       1 + g %% 5000,
       'person.' || lpad((g %% 5000)::text, 5, '0') || '.surname',
       1 + g %% 120,
       (ARRAY['Norfolk Constabulary', 'Suffolk County Council Children''s Services',
              'Norfolk and Norwich University Hospitals NHS Foundation Trust'])[1 + g %% 3],
       'case',
       (100000 + g %% 200000)::text,
       md5(g::text),
       ('10.' || (g %% 250) || '.' || (g / 250 %% 250) || '.' || (1 + g %% 7))::inet,
       'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
           || 'Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
       jsonb_build_object('path', '/cases/' || (100000 + g %% 200000) || '/chronology',
                          'method', 'GET', 'status', 200)
FROM generate_series(%(first)s, %(last)s) AS g
"""
INSERT_CHUNK = 100_000


def insert_events(start: int, count: int) -> None:
    with connection.cursor() as cursor:
        for first in range(start, start + count, INSERT_CHUNK):
            last = min(first + INSERT_CHUNK, start + count) - 1
            cursor.execute(INSERT_SYNTHETIC, {"first": first, "last": last})


def timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def run(total: int, new: int) -> list[tuple[str, int | None, float]]:
    rows: list[tuple[str, int | None, float]] = []
    with connection.cursor() as cursor:
        # Autovacuum would take a lock that conflicts with the sealer's horizon lock and
        # make a round skip (as it may in production); keep it out of the measurement.
        cursor.execute("ALTER TABLE audit_event SET (autovacuum_enabled = off)")
    backlog = total - new
    seconds, _ = timed(lambda: insert_events(1, backlog))
    rows.append(("insert synthetic events (SQL)", backlog, seconds))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_event")
    seconds, sealed = timed(seal_pending)
    assert sealed == backlog, f"sealed {sealed} of {backlog}"
    rows.append(("seal the backlog (one round)", backlog, seconds))

    insert_events(backlog + 1, new)
    seconds, sealed = timed(seal_pending)
    assert sealed == new, f"sealed {sealed} of {new}"
    rows.append((f"(a) seal {new:,} new events", new, seconds))

    lock_steps = [timed(read_horizon)[0] for _ in range(21)]
    rows.append(("horizon lock step, median of 21", None, statistics.median(lock_steps)))

    out = StringIO()
    seconds, _ = timed(lambda: call_command("verify_audit", stdout=out))
    rows.append((f"(b) verify_audit on {total:,} events", total, seconds))
    print(out.getvalue().strip())
    return rows


def print_table(rows: list[tuple[str, int | None, float]]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"\nPostgreSQL {version}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}\n")
    print(f"{'step':<40} {'events':>10} {'seconds':>9} {'events/s':>10}")
    for name, events, seconds in rows:
        if events is None:
            print(f"{name:<40} {'':>10} {seconds * 1000:>7.1f}ms {'':>10}")
        else:
            print(f"{name:<40} {events:>10,} {seconds:>9.2f} {events / seconds:>10,.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="events in total")
    parser.add_argument("--new", type=int, default=100_000, help="new events to seal, timed")
    args = parser.parse_args()
    logging.getLogger("audit.sealing").setLevel(logging.WARNING)  # one line per seal
    if not 0 < args.new < args.events:
        parser.error("--new must be between 1 and --events")
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_audit_seal_{os.getpid()}"
    print(f"creating and migrating scratch database {connection.settings_dict['TEST']['NAME']}")
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print_table(run(args.events, args.new))
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
