"""What auditing adds to a request: the case page timed with audit events written and not.

Run (it migrates and fills the database it is given; `exec` gives it a throwaway one):

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/audit_overhead.py

The page is served in-process by Django's test client (no network, no browser), signed in
with both factors, for a case with 200 chronology entries and four shares. "Off" replaces
the one INSERT that `audit.services.record` makes with nothing: everything else (building
the event, the access-basis query) still runs, so the difference is the cost of writing
the event. Rounds alternate on and off so that drift in the machine affects both alike.
"""

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguarding.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

ENTRIES = 200
ROUNDS = 10
PER_ROUND = 30


def build():
    from cases.services import add_entry, create_child_and_case
    from people.demo import build_partnership
    from people.models import Agency, Person
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    build_partnership()
    worker = Person.objects.get(username="social.worker")
    case = create_child_and_case(
        worker,
        child_fields={"first_name": "Bench", "last_name": "Child", "gender": "female"},
        aliases=[],
        concern="Synthetic concern for the benchmark.",
    )
    start = timezone.now() - dt.timedelta(days=ENTRIES)
    for n in range(ENTRIES):
        add_entry(
            worker,
            case,
            category="note",
            occurred_at=start + dt.timedelta(days=n),
            text=f"Synthetic note {n}.",
            restricted=False,
        )
    for agency in Agency.objects.exclude(pk=worker.agency_id)[:3]:
        share_case(case, worker, agency, "view", LawfulBasis.CA1989_S47, "Benchmark")
    return worker, case


def signed_in(person) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_USER_AGENT="bench/1.0")
    client.force_login(person)
    session = client.session
    device = TOTPDevice.objects.get(user=person, confirmed=True)
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client: Client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(url, secure=True)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.status_code
    return times


def main() -> None:
    from audit.actions import Action
    from audit.models import Event

    setup_test_environment()
    call_command("migrate", verbosity=0)
    worker, case = build()
    client = signed_in(worker)
    url = reverse("case", args=[case.pk])
    timed(client, url, 20)  # warm caches and connections

    real_create = Event.objects.create
    results: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(ROUNDS):
        Event.objects.create = real_create
        results["on"] += timed(client, url, PER_ROUND)
        Event.objects.create = lambda **fields: Event(**fields)  # nothing written
        results["off"] += timed(client, url, PER_ROUND)
    Event.objects.create = real_create

    written = Event.objects.filter(action=Action.CASE_VIEWED, target_id=str(case.pk)).count()
    print(f"Case page, {ENTRIES} entries, {ROUNDS * PER_ROUND} requests each way")
    print(f"{'auditing':<10}{'p50 ms':>10}{'p95 ms':>10}{'mean ms':>10}")
    for name, times in results.items():
        p95 = statistics.quantiles(times, n=20)[18]
        print(
            f"{name:<10}{statistics.median(times):>10.1f}{p95:>10.1f}"
            f"{statistics.fmean(times):>10.1f}"
        )
    on, off = (statistics.median(results[k]) for k in ("on", "off"))
    print(f"difference at p50: {on - off:.2f} ms ({(on - off) / off:.1%})")
    print(f"case_viewed events written while on: {written}")


if __name__ == "__main__":
    main()
