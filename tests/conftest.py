"""The cast of characters every test can reason about: the demo partnership.

`partnership.people["suffolk.officer"]`, `agencies["norfolk_police"]` and so on, built by
the same code as `manage.py load_demo`, so the tests and the demo describe one world.
"""

import os

import pytest

from sharing.demo import Partnership, build_partnership

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="session", autouse=True)
def flushing_may_truncate_the_audit_log():
    """Let the test harness empty the append-only tables between transactional tests.

    The audit and chronology tables refuse TRUNCATE (that is the point), but Django's test
    runner empties every table with TRUNCATE after a transactional or live-server test.
    Only around that harness flush, the test superuser switches the refusal off and
    straight back on; the application itself never can (SECURITY.md, database roles).
    """
    from django.core.management.commands import flush
    from django.db import connections

    original = flush.Command.handle

    def no_truncate_triggers(cursor) -> list[tuple[str, str]]:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE '%_no_truncate'"
        )
        return cursor.fetchall()

    def handle(self, **options):
        connection = connections[options.get("database", "default")]
        with connection.cursor() as cursor:
            found = no_truncate_triggers(cursor)
            for table, trigger in found:
                cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{trigger}"')
        try:
            return original(self, **options)
        finally:
            with connection.cursor() as cursor:
                for table, trigger in found:
                    cursor.execute(f'ALTER TABLE "{table}" ENABLE ALWAYS TRIGGER "{trigger}"')

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def empty_cache():
    """Rate-limit and lockout counters live in the Redis cache; each test starts at zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests that are not about hashing use a fast hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def partnership(db) -> Partnership:
    return build_partnership(password=PASSWORD)


@pytest.fixture
def people(partnership):
    return partnership.people


@pytest.fixture
def agencies(partnership):
    return partnership.agencies


def verify_second_factor(client, person) -> None:
    """Mark the client's session as past the second factor with the person's authenticator."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=person, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def sign_in(client, people):
    """Sign a demo person in, second factor included, returning the test client."""

    def _sign_in(username: str, *, second_factor: bool = True):
        client.force_login(people[username])
        if second_factor:
            verify_second_factor(client, people[username])
        return client

    return _sign_in


def current_code(person) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from sharing.two_factor import current_code as code_of

    return code_of(TOTPDevice.objects.get(user=person, confirmed=True))


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker process on a queue of its own, against the test database.

    Yields the queue name: send tasks there with `apply_async(queue=...)`.
    """
    import subprocess
    import sys
    import time
    import uuid

    from django.db import connection

    from safeguarding.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    hostname = f"{queue}@localhost"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or ''}"
        f":{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    # The embedded server listens on a Unix socket, given as HOST or in OPTIONS["host"].
    host = db["HOST"] or db.get("OPTIONS", {}).get("host", "")
    if host and host.startswith("/"):
        env["DATABASE_URL"] = f"postgresql://{db['USER']}@/{db['NAME']}?host={host}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "safeguarding", "worker", "--pool=solo",
         f"--queues={queue}", f"--hostname={hostname}", "--loglevel=WARNING",
         "--without-mingle", "--without-gossip"],
        env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[hostname], timeout=0.5):
            assert worker.poll() is None, "the Celery worker exited while starting"
            assert time.monotonic() < deadline, "the Celery worker did not answer within 30 s"
        yield queue
    finally:
        worker.terminate()
        worker.wait(15)


def events(action, **filters):
    """The audit events of one kind, oldest first."""
    from audit.models import Event

    return list(Event.objects.filter(action=action, **filters).order_by("id"))


@pytest.fixture
def open_case_for(people):
    """Open a case as a demo person: `open_case_for("social.worker", first_name="Amy")`."""
    from cases.services import create_child_and_case

    def _open(username: str, concern: str = "", aliases=(), **child):
        fields = {"first_name": "Test", "last_name": "Child", "gender": "female"} | child
        return create_child_and_case(
            None, people[username], child_fields=fields, aliases=list(aliases), concern=concern
        )

    return _open


@pytest.fixture
def share(people, agencies):
    """Share a case from its manager to an agency: `share(case, "norfolk_police", "view")`."""
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    def _share(case, agency_key: str, level: str = "view", by: str = "social.worker"):
        return share_case(
            None, case, people[by], agencies[agency_key], level, LawfulBasis.CA1989_S47,
            "Strategy discussion",
        )  # fmt: skip

    return _share
