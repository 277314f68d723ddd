"""The links pages and API take the same number of queries whatever they show: one link
or many, with one other case sharing them or many (DESIGN.md: pages at constant cost)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from links.matching import compare
from tests.links.helpers import link

pytestmark = pytest.mark.django_db


def counted(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def grow(open_case_for, people):
    """`grow(case, n)`: n more vehicles on the case, each also on a case of its own."""
    worker = people["social.worker"]

    def _grow(case, count):
        for _ in range(count):
            plate = f"GR{_grow.made:04d}"
            _grow.made += 1
            other = open_case_for("social.worker", first_name=f"Other{_grow.made}")
            first = link(worker, other, "vehicle", registration=plate)
            second = link(worker, case, "vehicle", registration=plate)
            compare(first.pk)
            compare(second.pk)

    _grow.made = 0
    return _grow


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("social.worker", "case-links"),
        ("social.worker", "api-case-links"),
        ("mash.manager", "area-links"),
        ("mash.manager", "area-links-csv"),
        ("mash.manager", "api-area-links"),
        ("social.worker", "inbox"),
        ("ig.officer", "link-oversight"),
    ],
)
def test_the_same_queries_for_one_shared_link_or_twelve(open_case_for, sign_in, grow, who, name):
    case = open_case_for("social.worker", first_name="Counted")
    client = sign_in(who)
    args = [case.pk] if name in ("case-links", "api-case-links") else []
    url = reverse(name, args=args)
    grow(case, 1)
    one = counted(client, url)
    grow(case, 11)
    assert counted(client, url) == one


def test_the_match_page_takes_the_same_queries_for_any_match(open_case_for, sign_in, grow):
    from links.models import Match

    case = open_case_for("social.worker", first_name="Counted")
    grow(case, 2)
    client = sign_in("social.worker")
    first, last = Match.objects.order_by("id")[:1].get(), Match.objects.order_by("-id")[:1].get()
    assert counted(client, reverse("link-match", args=[first.pk])) == counted(
        client, reverse("link-match", args=[last.pk])
    )
