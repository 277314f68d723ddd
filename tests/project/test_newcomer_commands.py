"""What the README tells a newcomer to type works as written: the command that prints a
demo second-factor code reads the database `make run` uses, and the links in emails point
at the port the app was started on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from safeguarding import devservices
from tests.conftest import current_code

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The test database, as a URL a command in another process can be given."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s["PASSWORD"] else ""
    return f"postgresql://{s['USER']}{password}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def settings_of(env: dict[str, str], expression: str) -> str:
    """Evaluate `expression` with the app set up in a fresh process with `env`."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    env = {**env, "DJANGO_SETTINGS_MODULE": "safeguarding.settings"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_the_readmes_demo_code_command_prints_the_code_of_the_demo_person(people):
    """README, "Signing in": exactly the command it gives, with no DEBUG set by hand."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env["DATABASE_URL"] = database_url()  # as `make run` would: the database holding the demo
    before = current_code(people["social.worker"])
    result = subprocess.run(
        [sys.executable, "-m", "safeguarding.devservices", "exec", "--",
         sys.executable, "manage.py", "demo_otp_code", "social.worker"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip().splitlines()[-1]
    assert printed in {before, current_code(people["social.worker"])}
    assert printed.isdigit() and len(printed) == 6


def test_a_manage_command_runs_against_the_database_make_run_uses():
    env, database, throwaway = devservices.exec_plan(
        [".venv/bin/python", "manage.py", "demo_otp_code", "social.worker"]
    )
    # run_app starts services(DATABASE_NAME, ...): the same database, kept.
    assert (database, throwaway) == (devservices.DATABASE_NAME, False)
    assert env["DEBUG"] == "1"


def test_the_tests_still_get_a_throwaway_database_of_their_own():
    env, database, throwaway = devservices.exec_plan([".venv/bin/python", "-m", "pytest"])
    assert database == f"{devservices.DATABASE_NAME}_run{os.getpid()}" and throwaway
    assert "DEBUG" not in env or env["DEBUG"] == os.environ.get("DEBUG")


def test_email_links_point_at_the_port_the_app_was_started_on():
    # `make run` started with PORT=8123 (or --port 8123): every process it starts sees it.
    started = {k: v for k, v in devservices.run_env(8123).items() if k != "SITE_URL"}
    assert started["PORT"] == "8123"
    assert settings_of(started, "settings.SITE_URL") == "http://127.0.0.1:8123"
    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    assert settings_of(env, "settings.SITE_URL") == "http://127.0.0.1:8000"
    # A SITE_URL that is set (production) wins.
    given = env | {"PORT": "8123", "SITE_URL": "https://hub.example.org"}
    assert settings_of(given, "settings.SITE_URL") == "https://hub.example.org"
