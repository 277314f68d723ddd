"""What the case API's tests share (tests/cases/test_api_*.py, tests/sharing/test_api.py):
the world most of them start from, building URLs and requests, reading answers, the audit
events a block writes, and the bodies sent for a child, an entry and emergency access.

The `world` fixture is offered by tests/cases/conftest.py and tests/sharing/conftest.py; a
module that needs another world defines its own.
"""

import datetime as dt
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from safeguarding import problems


def nhs_number(base: int) -> str:
    """A valid NHS number from nine digits (the next base up if the check digit would be 10)."""
    digits = f"{base:09d}"
    check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11
    if check == 10:
        return nhs_number(base + 1)
    return digits + str(0 if check == 11 else check)


AMY_NHS = nhs_number(943476591)


@pytest.fixture
def world(open_case_for, share):
    case = open_case_for(
        "social.worker",
        first_name="Amy",
        last_name="Example",
        date_of_birth=dt.date(2010, 5, 1),
        nhs_number=AMY_NHS,
        concern="Seen getting into cars with older men",
    )
    police = share(case, "norfolk_police", "view")
    return SimpleNamespace(case=case, child=case.child, police_share=police)


@contextmanager
def recorded():
    """The audit events written inside the block, oldest first."""
    before = Event.objects.aggregate(last=Max("id"))["last"] or 0
    written: list[Event] = []
    yield written
    written.extend(Event.objects.filter(id__gt=before).order_by("id"))


def actions(written) -> list[str]:
    return [event.action for event in written]


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> list[int]:
    return [row["id"] for row in results(response)]


def url(name, *args, **query) -> str:
    path = reverse(name, args=args)
    return f"{path}?{urlencode(query)}" if query else path


NOT_FOUND = problems.body(404, "No such case")  # the whole problem: it says no more


def new_child(**fields) -> dict:
    return {"first_name": "Bea", "last_name": "Newcombe", "date_of_birth": "2011-02-03"} | fields


def entry(**fields) -> dict:
    when = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    return {"category": "concern", "occurred_at": when, "text": "Came home late"} | fields


REASON = {"reason": "Child found at 2am, police need history before interview"}


def count_queries(client, path, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)
