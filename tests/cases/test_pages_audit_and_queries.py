"""Every case page's reads: exactly their audit events (and none for a refused page), and a
constant number of queries whatever the number of cases or entries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Visit
from cases.services import add_entry, amend_entry
from people.models import Agency
from sharing.services import grant_emergency_access
from tests.cases.page_helpers import run_search
from tests.conftest import events, scored_screening

pytestmark = pytest.mark.django_db


def counts(*actions) -> dict:
    return {a: Event.objects.filter(action=a).count() for a in actions}


READS = [Action.SEARCH, Action.CASE_LISTED, Action.CASE_VIEWED, Action.CHRONOLOGY_EXPORTED,
         Action.DUPLICATE_WARNED]  # fmt: skip


# Exactly one audit event per read -------------------------------------------------------


def test_each_read_page_writes_exactly_its_audit_events(sign_in, open_case_for, share, people):
    case = open_case_for("social.worker", first_name="Amy")
    entry = case.entries.get(category="case_opened")
    client = sign_in("social.worker")
    expected = [
        (reverse("children"), {}, {}),
        (reverse("children"), {"name": "amy"}, {Action.SEARCH: 1}),
        (reverse("cases"), {}, {Action.CASE_LISTED: 1}),
        (reverse("shares"), {}, {Action.CASE_LISTED: 1}),
        (reverse("case", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-print", args=[case.pk]), {},
         {Action.CASE_VIEWED: 1, Action.CHRONOLOGY_EXPORTED: 1}),
        (reverse("case-export", args=[case.pk]), {}, {Action.CHRONOLOGY_EXPORTED: 1}),
        (reverse("case-journey", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("entry-new", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("entry-amend", args=[case.pk, entry.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("screenings", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-share", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("case-close", args=[case.pk]), {}, {Action.CASE_VIEWED: 1}),
        (reverse("child-new"), {}, {}),
        (reverse("emergency-access"), {}, {}),
    ]  # fmt: skip
    for url, query, wrote in expected:
        before = counts(*READS)
        searched = url == reverse("children") and query
        response = run_search(client, url, query) if searched else client.get(url, query)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
        after = counts(*READS)
        assert {a: after[a] - before[a] for a in READS if after[a] != before[a]} == wrote, url
    viewed = events(Action.CASE_VIEWED)
    assert {e.target_id for e in viewed} == {str(case.pk)}
    assert all(e.actor_username == "social.worker" and e.request_id for e in viewed)


def test_a_refused_case_page_records_no_view(sign_in, open_case_for, people):
    case = open_case_for("social.worker")
    assert sign_in("suffolk.officer").get(reverse("case", args=[case.pk])).status_code == 404
    assert events(Action.CASE_VIEWED) == []


# A constant number of queries per page --------------------------------------------------


# Measured on the small data sets below (a session read and write, the person, their
# authenticator, the header's inbox count, the page's own reads, the audit insert); the
# big ones must not exceed it. The case page, for a manager, also reads the share it is
# read under. The case list, the search and the case page also read the flags of their
# cases (cases.flags, issue 17): 9 queries for any number of cases (the latest assessments
# and screenings, notifications not acknowledged, latest missing episodes, current
# placements, interviews owed, open contacts, open checks and meeting actions). The lists
# ask for what they show (brief flags, issue 18): 7, as they read no placements or
# screenings.
FLAG_QUERIES = 9
LIST_FLAG_QUERIES = 7
CASE_LIST_QUERIES = 12 + LIST_FLAG_QUERIES


SHARES_RECEIVED_QUERIES = 10


SEARCH_QUERIES = 12 + LIST_FLAG_QUERIES


# The placement, missing episodes, shares, emergency accesses and recent activity are on
# the case's tabs (issue 17); the "At a glance" strip reads the flags instead, and the
# person's own emergency access is read for its warning.
CASE_PAGE_QUERIES = 27  # 25, the reader's visit and what was recorded since their last


def _address(client, url, query) -> str:
    """A list page's address, or a child search's results page as the browser reaches it
    (the form posted, then `?search=<id>`), so that only the results page is counted."""
    if query:
        return client.post(url, query)["Location"]
    return f"{url}?"


def test_lists_take_the_same_number_of_queries_for_3_cases_or_300(
    sign_in, open_case_for, share, people, django_assert_max_num_queries
):
    def open_and_share(count: int, start: int) -> None:
        for number in range(start, start + count):
            share(open_case_for("social.worker", first_name=f"Child{number}", aliases=["Al"]),
                  "norfolk_police")  # fmt: skip

    open_and_share(3, 0)
    suffolk = open_case_for("suffolk.officer")
    grant_emergency_access(suffolk, people["police.officer"], "Missing tonight, at risk")
    client = sign_in("police.officer")
    pages = [
        (reverse("cases"), {}, CASE_LIST_QUERIES),
        (reverse("shares"), {}, SHARES_RECEIVED_QUERIES),
        (reverse("children"), {"name": "child"}, SEARCH_QUERIES),
    ]
    for url, query, most in pages:
        address = _address(client, url, query)
        with django_assert_max_num_queries(most):
            assert client.get(address).status_code == 200
    open_and_share(297, 3)
    for url, query, most in pages:
        address = _address(client, url, query)
        for page in (1, 7):
            with django_assert_max_num_queries(most):
                response = client.get(f"{address}&page={page}")
            assert response.status_code == 200
            assert len(response.context["page_obj"].object_list) == 25


def test_the_case_page_takes_the_same_number_of_queries_for_3_entries_or_300(
    sign_in, open_case_for, share, people, agencies, django_assert_max_num_queries
):
    from sharing.models import LawfulBasis
    from sharing.services import share_case

    case = open_case_for("social.worker", concern="First concern", aliases=["Al"],
                         looked_after=True,
                         responsible_authority=agencies["suffolk_childrens"])  # fmt: skip
    share(case, "norfolk_police", "contribute")
    scored_screening(case, people["social.worker"], "low", indicators=["missing"])
    client = sign_in("mash.manager")
    url = reverse("case", args=[case.pk])
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        assert client.get(url).status_code == 200

    for number in range(20):
        agency = Agency.objects.create(name=f"Partner {number}", kind="other",
                                       duty_email="duty@partner.example")  # fmt: skip
        share_case(case, people["social.worker"], agency, "view",
                   LawfulBasis.CA2004_S11, "Partner check")  # fmt: skip
    for number in range(140):
        own = add_entry(people["social.worker"], case, category="note",
                        occurred_at=timezone.now(), text=f"Note {number}",
                        restricted=number % 3 == 0)  # fmt: skip
        add_entry(people["police.officer"], case, category="intelligence",
                  occurred_at=timezone.now(), text=f"Intelligence {number}",
                  restricted=number % 2 == 0)  # fmt: skip
        if number % 10 == 0:
            amend_entry(people["social.worker"], own, text="Corrected",
                        occurred_at=own.occurred_at, category="note", reason="Typo")  # fmt: skip
    grant_emergency_access(case, people["suffolk.officer"], "Found at 2am, at risk")
    assert case.entries.count() > 300
    # The first visit ended long ago: the 300 entries are all new since then.
    Visit.objects.filter(case=case).update(seen_at=timezone.now() - dt.timedelta(days=1))
    for query in [{}, {"page": 4}, {"category": "note"}, {"agency": agencies["norfolk_police"].pk}]:
        with django_assert_max_num_queries(CASE_PAGE_QUERIES):
            response = client.get(url, query)
        assert response.status_code == 200
        assert len(response.context["page_obj"].object_list) == 25
        assert len(response.context["new_entries"]) > 25
