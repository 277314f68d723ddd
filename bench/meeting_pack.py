"""The meeting pack (issue 22): built in under two seconds for a child with a 1,000-entry
chronology (the printable HTML page), and its PDF for a child with 200 entries in under
ten. A benchmark, not a timed test.

Run (it migrates and fills the database it is given; `exec` gives it a throwaway one):

    .venv/bin/python -m safeguarding.devservices exec -- .venv/bin/python bench/meeting_pack.py

The page is served in-process by Django's test client (signed in with both factors), as
the police officer asked to the meeting; the PDF is `meetings.pack.pdf` of the same build.
Each is timed `--runs` times (default 10 and 3) after one warm-up, and the load average is
printed with the table: on a shared 2-core machine the figures move with it.
"""

import argparse
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

CATEGORIES = ["note", "concern", "education", "health_attendance", "intelligence", "missing"]


def child_with(entries: int, first_name: str):
    """A council case shared with the police, with `entries` synthetic entries over two
    years (one in ten restricted to the police), and a strategy discussion about it."""
    from cases.models import Entry
    from cases.services import create_child_and_case
    from meetings.services import schedule_meeting
    from people.models import Agency, Person
    from sharing.models import LawfulBasis, Share
    from sharing.services import share_case

    worker = Person.objects.get(username="social.worker")
    police = Person.objects.get(username="police.officer")
    case = create_child_and_case(
        worker, child_fields={"first_name": first_name, "last_name": "Bench", "gender": "female"},
        aliases=[], concern="Synthetic concern for the benchmark.",
    )  # fmt: skip
    share_case(case, worker, Agency.objects.get(name="Norfolk Constabulary"),
               Share.Level.CONTRIBUTE, LawfulBasis.CDA1998_S115, "Benchmark")  # fmt: skip
    start = timezone.now() - dt.timedelta(days=730)
    step = dt.timedelta(days=730) / max(entries, 1)
    Entry.objects.bulk_create(
        Entry(
            case=case, category=CATEGORIES[n % len(CATEGORIES)], occurred_at=start + n * step,
            recorded_by=police if n % 10 == 0 else worker,
            agency=police.agency if n % 10 == 0 else worker.agency,
            text=f"Synthetic entry {n}: seen near the bus station with an older teenager; "
            "school told; follow-up agreed with the family support worker.",
            restricted=n % 10 == 0,
        )
        for n in range(entries - 1)  # the case's opening entry is the thousandth
    )  # fmt: skip
    manager = Person.objects.get(username="mash.manager")
    meeting = schedule_meeting(manager, kind="strategy_discussion", held_at=timezone.now(),
                               cases=[case], agencies=[police.agency])  # fmt: skip
    return case, meeting


def timed(run, count: int) -> list[float]:
    run()  # warm-up: templates compiled, connections open
    spent = []
    for _ in range(count):
        began = time.perf_counter()
        run()
        spent.append(time.perf_counter() - began)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pdf-runs", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from meetings import pack
    from people.demo import build_partnership
    from people.models import Person
    from tests.conftest import verify_second_factor

    build_partnership()
    _, big = child_with(1000, "Thousand")
    _, small = child_with(200, "Twohundred")
    officer = Person.objects.get(username="police.officer")
    setup_test_environment()
    client = Client()
    client.force_login(officer)
    verify_second_factor(client, officer)
    url = reverse("meeting-pack", args=[big.pk])

    def page():
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    def made_pdf():
        assert pack.pdf(pack.build(officer, small)).startswith(b"%PDF")

    rows = [
        ("HTML pack page, 1,000 entries", 2.0, timed(page, args.runs)),
        ("PDF pack, 200 entries", 10.0, timed(made_pdf, args.pdf_runs)),
    ]
    print(f"{'what':34} {'runs':>4} {'median s':>9} {'max s':>7} {'target s':>9}")
    for name, target, spent in rows:
        print(f"{name:34} {len(spent):>4} {statistics.median(spent):>9.2f} {max(spent):>7.2f} "
              f"{target:>9.1f}{'' if max(spent) < target else '  MISSED'}")  # fmt: skip
    print("load average (1, 5, 15 min): {:.1f}, {:.1f}, {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
