"""The load benchmark's machinery works (bench/load.py, `make bench-load`).

On a small synthetic database of its own (`generate_synthetic --tier tiny`), three people
(a MASH manager, a social worker and a police officer) use the image's gunicorn for a few
seconds: every request answers as expected, each kind of record is created through its
form, every create the server answered with its redirect is in the database exactly once,
and the scratch database is gone afterwards. The figures themselves are not judged here.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_load_benchmark_runs_and_every_create_is_in_the_database_once(tmp_path):
    figures = tmp_path / "load.json"
    argv = [sys.executable, "bench/load.py", "--tiny", "--users", "3", "--seconds", "8",
            "--workers", "2", "--wait", "0.1,0.3", "--json", str(figures),
            "--every-kind-first"]  # fmt: skip
    run = subprocess.run(
        argv, cwd=ROOT, env={**os.environ}, capture_output=True, text=True, timeout=240
    )
    said = run.stdout[-4000:] + run.stderr[-4000:]
    assert run.returncode == 0, said

    level = json.loads(figures.read_text())["levels"][0]
    assert level["users"] == 3 and level["errors"] == 0, said
    served = {row["name"]: row["n"] for row in level["pages"]}
    for name in ("home", "static file", "case page", "triage screen", "child search (results)"):
        assert served.get(name), (name, served)
    checks = json.loads(figures.read_text())["checks"]
    for kind, check in checks.items():
        assert check["answered"] > 0, (kind, said)
        assert check["rows"] == check["answered"], (kind, check)
        assert not (check["missing"] or check["twice"] or check["unanswered"]), (kind, check)

    # Its scratch database is dropped.
    name = re.search(r"scratch database (bench_load_\d+)", run.stdout)[1]
    database = settings.DATABASES["default"]
    connection = psycopg2.connect(
        host=database["HOST"] or None, port=database["PORT"] or None,
        user=database["USER"], password=database["PASSWORD"], dbname="postgres",
    )  # fmt: skip
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone() is None
    finally:
        connection.close()
