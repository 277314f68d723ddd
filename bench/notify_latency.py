"""How soon a missing-child report reaches the agencies told: from its COMMIT to (a) the
notification in each recipient's inbox and (b) its email accepted by an SMTP server.

Run:

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/notify_latency.py

Everything is real and on this machine: PostgreSQL and Redis (the embedded ones under
`devservices exec`, or those in DATABASE_URL / REDIS_URL), a Celery worker subprocess
(prefork, 2 processes, as `make run` starts it), and an SMTP receiver (aiosmtpd) in a
process of its own. It never touches the configured database's data: it creates a scratch
database `bench_notify_latency_<pid>` on the same server, migrates it and drops it at the
end (chronology and audit rows are append-only, so synthetic ones must not reach a real
database). Tasks go to a queue of the benchmark's own.

Each report is `report_missing` by a Norfolk social worker for a child placed in Norfolk
whose case is shared with Suffolk Constabulary, last seen in Suffolk: three recipients,
three notifications, three emails, and the child's missing-from-care profile (with a
photo) released to both police forces in the same transaction. After each report the
child's return is recorded, before the next report (a case has one open missing episode at
a time); the return's own notices are delivered
alongside, as they would be, but are not timed. The commit time is taken by an on-commit
hook registered before the service's own (so it runs first, as soon as COMMIT has
returned). (a) is when a poller thread, on a database connection of its own, first sees
the row (the inbox page's filter: the agency's notifications), polling every 2 ms; (b) is
when the receiver's DATA handler gets the message (before it answers 250), matched by
Message-ID. Both clocks are `time.monotonic()` (CLOCK_MONOTONIC, the same in every
process). The machine's load average is printed with the figures: on a shared 2-core
machine it moves them a lot.

Two runs: one report at a time (the next once the last one's emails are in), and bursts
of `--burst` reports back to back (the emails of a whole burst in flight at once).
"""

import argparse
import email.parser
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")

POLL_SECONDS = 0.002
TIMEOUT_SECONDS = 60
QUEUE = f"bench-notify-{uuid.uuid4().hex[:8]}"
TARGET_P95_MS = 1000


# The scratch database ---------------------------------------------------------------------


def scratch_database() -> tuple[str, str]:
    """Create an empty database beside the configured one; return (its URL, admin URL)."""
    import psycopg2
    from psycopg2 import sql

    configured = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/x")
    parts = urlsplit(configured)
    name = f"bench_notify_latency_{os.getpid()}"
    admin = psycopg2.connect(configured)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    return urlunsplit(parts._replace(path=f"/{name}")), configured


def drop_database(url: str, admin_url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        name = urlsplit(url).path.lstrip("/")
        cursor.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    admin.close()


# The SMTP receiver and the inbox poller ------------------------------------------------------


class Receiver:
    """aiosmtpd handler, in a process of its own (so that this one's threads and GIL do
    not slow it): reports when each Message-ID arrived."""

    def __init__(self, arrivals) -> None:
        self.arrivals = arrivals
        self._parser = email.parser.BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope) -> str:
        at = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process here
        self.arrivals.put((self._parser.parsebytes(envelope.content)["Message-ID"], at))
        return "250 2.0.0 Accepted"


def serve_smtp(port: int, arrivals, ready) -> None:
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    Controller(Receiver(arrivals), hostname="127.0.0.1", port=port).start()
    ready.set()
    while True:
        time.sleep(3600)  # until terminated


class SmtpReceiver:
    """Starts the receiver process and collects its arrivals here."""

    def __init__(self) -> None:
        import multiprocessing

        # Forked before Django starts: the child holds no database connection or thread.
        context = multiprocessing.get_context("fork")
        self.port = free_port()
        self.arrived: dict[str, float] = {}
        self.duplicates = 0
        self._arrivals = context.Queue()
        ready = context.Event()
        self.process = context.Process(
            target=serve_smtp, args=(self.port, self._arrivals, ready), daemon=True
        )
        self.process.start()
        if not ready.wait(30):
            raise SystemExit("the SMTP receiver did not start")
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        while True:
            message_id, at = self._arrivals.get()
            if message_id in self.arrived:
                self.duplicates += 1
            self.arrived.setdefault(message_id, at)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


class InboxPoller(threading.Thread):
    """Polls the recipients' inboxes on a database connection of its own (Django gives
    each thread its own), recording when each notification is first seen.

    One query a poll for all three agencies (the inbox page's filter, by agency and
    newer than the last seen): one snapshot, so as ids are handed out in commit order
    here (one report at a time, from one thread), nothing newer than `last` is skipped.
    """

    def __init__(self, agencies) -> None:
        super().__init__(daemon=True)
        self.agencies = agencies
        self.seen: dict[int, float] = {}
        self.running = True

    def run(self) -> None:
        from django.db import connection

        from notifications.models import Notification

        last = 0
        try:
            while self.running:
                ids = list(
                    Notification.objects.filter(agency__in=self.agencies, pk__gt=last)
                    .order_by("pk")
                    .values_list("pk", flat=True)
                )
                now = time.monotonic()
                for pk in ids:
                    self.seen.setdefault(pk, now)
                if ids:
                    last = ids[-1]
                time.sleep(POLL_SECONDS)
        finally:
            connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# The worker ---------------------------------------------------------------------------------


def start_worker(smtp_port: int) -> subprocess.Popen:
    from safeguarding.celery import app

    hostname = f"{QUEUE}@localhost"
    env = {
        **os.environ,
        "CELERY_TASK_DEFAULT_QUEUE": QUEUE,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
    }
    # Our own fixed command line: no untrusted input.
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "celery", "-A", "safeguarding", "worker", "--pool=prefork",
         "--concurrency=2", f"--queues={QUEUE}", f"--hostname={hostname}",
         "--loglevel=WARNING", "--without-mingle", "--without-gossip"],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[hostname], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the Celery worker did not start")
    return worker


# The reports --------------------------------------------------------------------------------


def build():
    import datetime as dt

    from django.utils import timezone

    from cases.services import create_child_and_case
    from missing.services import record_placement
    from people.demo import build_partnership
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    world = build_partnership()
    worker = world.people["social.worker"]
    case = create_child_and_case(
        worker,
        child_fields={"first_name": "Bench", "last_name": "Child", "gender": "female"},
        aliases=[],
        concern="Synthetic concern for the benchmark.",
    )
    share_case(case, worker, world.agencies["suffolk_police"], "view",
               LawfulBasis.CA1989_S47, "Benchmark")  # fmt: skip
    record_placement(worker, case, area=world.areas["norfolk"], address="1 Bench Road",
                     postcode="NR1 3QU", provider_type="childrens_home",
                     started_at=timezone.now() - dt.timedelta(days=1))  # fmt: skip
    # A missing-from-care profile with a photo: each report releases it to the police where
    # the child lives (Norfolk) and where they were last seen (Suffolk), in its transaction.
    from missing import profiles
    from safeguarding.demo import demo_photo

    profiles.save_profile(worker, case, description="Synthetic.", places="Bench Road\nPark",
                          associates="A. Example, 07700 900000")  # fmt: skip
    profiles.add_photo(worker, case, demo_photo())
    return worker, case, world.areas["suffolk"]


def report(person, case, seen_in) -> tuple[float, list[int]]:
    """One missing report; returns when it committed and its notifications' ids."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from missing.services import record_return, report_missing
    from notifications.models import Notification

    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        episode = report_missing(
            person,
            case,
            last_seen_at=timezone.now() - dt.timedelta(minutes=30),
            last_seen_where="Bench Road",
            circumstances="Synthetic report for the benchmark.",
            risk="high",
            last_seen_area=seen_in,
        )
    ids = list(
        Notification.objects.filter(kind="missing", subject_id=episode.pk).values_list(
            "pk", flat=True
        )
    )
    # A case has one open episode at a time (missing_one_open_per_case): the child comes
    # back before the next report, as in life. Its notices are delivered too, alongside.
    record_return(person, episode, returned_at=timezone.now(), how_found="Came back (bench).")
    return committed[0], ids


def message_id(notification_id: int) -> str:
    from django.conf import settings

    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<notification-{notification_id}-email@{domain}>"


def wait_for(receiver: SmtpReceiver, poller: InboxPoller, ids: list[int]) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not all(message_id(i) in receiver.arrived and i in poller.seen for i in ids):
        if time.monotonic() > deadline:
            raise SystemExit(f"notifications {ids} not all delivered in {TIMEOUT_SECONDS} s")
        time.sleep(0.002)


def run(person, case, seen_in, receiver, poller, reports: int, burst: int) -> tuple[list, list]:
    """`reports` reports in bursts of `burst`; the latencies (ms) of (a) and (b)."""
    inbox_ms, email_ms = [], []
    for _ in range(reports // burst):
        sent = [report(person, case, seen_in) for _ in range(burst)]
        ids = [i for _, batch in sent for i in batch]
        wait_for(receiver, poller, ids)
        for committed, batch in sent:
            for i in batch:
                inbox_ms.append((poller.seen[i] - committed) * 1000)
                email_ms.append((receiver.arrived[message_id(i)] - committed) * 1000)
    return inbox_ms, email_ms


def percentile(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=200, help="reports in each run")
    parser.add_argument("--burst", type=int, default=20, help="reports per burst")
    args = parser.parse_args()

    receiver = SmtpReceiver()
    url, admin_url = scratch_database()
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from people.models import Agency

    worker = poller = None
    try:
        call_command("migrate", verbosity=0)
        person, case, seen_in = build()
        worker = start_worker(receiver.port)
        told = Agency.objects.filter(
            name__in=[
                "Norfolk Constabulary",
                "Suffolk Constabulary",
                "Norfolk and Norwich University Hospitals NHS Foundation Trust",
            ]
        )
        poller = InboxPoller(list(told))
        poller.start()

        run(person, case, seen_in, receiver, poller, reports=10, burst=1)  # warm up: not counted
        results = {
            "one at a time": run(person, case, seen_in, receiver, poller, args.reports, 1),
            f"bursts of {args.burst}": run(person, case, seen_in, receiver, poller, args.reports,
                                           args.burst),
        }  # fmt: skip

        print(
            f"\nFrom the COMMIT of a missing report ({args.reports} reports per run, "
            f"3 recipients each; worker: prefork, 2 processes)\n"
        )
        print(f"{'run':<16}{'to':<30}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
        met = True
        for name, (inbox_ms, email_ms) in results.items():
            for what, values in (
                ("(a) the recipient's inbox", inbox_ms),
                ("(b) email accepted by SMTP", email_ms),
            ):
                p95 = percentile(values, 95)
                met &= p95 < TARGET_P95_MS
                print(
                    f"{name:<16}{what:<30}{len(values):>6}{percentile(values, 50):>9.1f}"
                    f"{p95:>9.1f}{max(values):>9.1f}"
                )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"\nduplicate emails: {receiver.duplicates}; load average (1, 5, 15 min): {load}")
        print(f"target p95 < {TARGET_P95_MS} ms for both: {'met' if met else 'NOT met'}")
    finally:
        if poller is not None:
            poller.running = False
            poller.join(5)
        if worker is not None:
            worker.terminate()
            worker.wait(30)
        receiver.stop()
        connections.close_all()
        drop_database(url, admin_url)


if __name__ == "__main__":
    main()
