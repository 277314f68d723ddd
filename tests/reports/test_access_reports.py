"""Access reports: who looked at which child, under which share, as information governance
and a case's managers may see it, through the pages and the API; reading the log is audited.

The world (tests/reports/conftest.py): social.worker (Norfolk children's services) opened a
case for Amy, which her agency manages, and shared it `view` with Norfolk Constabulary;
suffolk.officer opened a case for Sam, which Suffolk Constabulary manages. ig.officer is
information governance at Norfolk children's services.
"""

import csv
import datetime as dt
import io

import pytest
import schemathesis
import time_machine
from django.urls import reverse
from django.utils import timezone
from schemathesis import GenerationMode

from audit.models import Action
from audit.services import record
from people.models import Person
from sharing.services import grant_emergency_access
from tests.conftest import events
from tests.problems import errors
from tests.project.test_api_fuzz import (
    CHECKS,
    SCHEMA_URL,
    bearer,
    fuzz,
    make_token,
    operations,
    still_signed_in,
)
from tests.project.test_api_fuzz import api_rate as _api_rate  # noqa: F401 - a fixture, by its name
from tests.project.test_api_fuzz import wsgi_app as _wsgi_app  # noqa: F401 - a fixture, by its name
from tests.reports.helpers import NOTE, REASON, count_queries, listed, signed_in_as, viewed

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


# --- who sees what ---------------------------------------------------------------------------


def test_information_governance_sees_its_cases_and_its_peoples_activity_and_nothing_else(
    world, people
):
    police_read = viewed(
        people["police.officer"], world.amy, via="share", share=world.police_share.pk, level="view"
    )
    child_read = record(
        Action.CASE_VIEWED,
        actor=people["police.officer"],
        target_type="child",
        target_id=world.amy.child_id,
        detail={"cases": [world.amy.pk]},
    )
    # A Norfolk social worker breaks the glass on Suffolk's case: their agency's IG sees it.
    access = grant_emergency_access(world.sam, people["social.worker"], REASON)
    glass = events(Action.EMERGENCY_ACCESS, actor_username="social.worker")[0]
    own_read = viewed(people["social.worker"], world.sam, via="emergency_access", access=access.pk)
    # Suffolk's own work on Suffolk's case is none of Norfolk's business.
    theirs = viewed(people["suffolk.officer"], world.sam)
    police_on_sam = viewed(people["police.officer"], world.sam)

    for response in (
        signed_in_as("ig.officer").get(reverse("access-events")),
        signed_in_as("ig.officer").get(reverse("api-audit-events")),
    ):
        assert response.status_code == 200
        seen = listed(response)
        for event in (police_read, child_read, glass, own_read):
            assert event.pk in seen
        assert theirs.pk not in seen
        assert police_on_sam.pk not in seen


def test_others_read_through_the_api_only_the_events_on_cases_they_manage(world, people):
    police_read = viewed(people["police.officer"], world.amy)
    child_read = record(
        Action.CASE_VIEWED,
        actor=people["police.officer"],
        target_type="child",
        target_id=world.amy.child_id,
    )
    grant_emergency_access(world.sam, people["social.worker"], REASON)
    own_glass = events(Action.EMERGENCY_ACCESS, actor_username="social.worker")[0]

    seen = listed(signed_in_as("social.worker").get(reverse("api-audit-events")))
    assert police_read.pk in seen
    assert child_read.pk not in seen  # information governance's to read
    assert own_glass.pk not in seen  # on a case their agency does not manage
    # Norfolk police manage no case: nothing at all.
    assert listed(signed_in_as("police.officer").get(reverse("api-audit-events"))) == []


def test_filtering_by_a_child_brings_in_the_searches_that_showed_them(world, people):
    search = record(
        Action.SEARCH,
        actor=people["police.officer"],
        target_type="child",
        detail={"name": "amy", "children": [world.amy.child_id]},
    )
    other_search = record(
        Action.SEARCH,
        actor=people["suffolk.officer"],
        target_type="child",
        detail={"name": "sam", "children": [world.sam.child_id]},
    )
    read = viewed(people["police.officer"], world.amy)
    client = signed_in_as("ig.officer")

    amy = listed(client.get(reverse("access-events"), {"child": world.amy.child_id}))
    assert search.pk in amy and read.pk in amy
    assert other_search.pk not in amy
    # Not every search of every child: only when a report asks about one in scope.
    assert search.pk not in listed(client.get(reverse("access-events")))
    # Sam is not a child of Norfolk's cases: Suffolk's search for him stays out of scope.
    assert other_search.pk not in listed(
        client.get(reverse("access-events"), {"child": world.sam.child_id})
    )
    api = listed(client.get(reverse("api-audit-events"), {"child": world.amy.child_id}))
    assert search.pk in api and read.pk in api


def test_a_case_history_is_for_its_managers_and_says_under_what_each_read_was_made(world, people):
    signed_in_as("police.officer").get(reverse("case", args=[world.amy.pk]))
    glass = grant_emergency_access(world.amy, people["suffolk.officer"], REASON)
    signed_in_as("suffolk.officer").get(reverse("case", args=[world.amy.pk]))

    response = signed_in_as("social.worker").get(
        reverse("case-access-history", args=[world.amy.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Under share #{world.police_share.pk} (view)" in page
    assert f"Emergency access #{glass.pk}" in page
    assert "suffolk.officer" in page and "police.officer" in page
    assert world.amy.reference in page

    # Those who may only view the case, and those who may not see it, are told nothing.
    for username in ("police.officer", "suffolk.officer", "health.nurse"):
        refused = signed_in_as(username).get(reverse("case-access-history", args=[world.amy.pk]))
        assert refused.status_code == 404
        assert "police.officer" not in refused.content.decode()
    missing = signed_in_as("social.worker").get(reverse("case-access-history", args=[99999]))
    assert missing.status_code == 404


# --- filters, paging, CSV --------------------------------------------------------------------


def test_the_filters_narrow_the_events(world, people):
    long_ago = timezone.now() - dt.timedelta(days=40)
    old = viewed(people["police.officer"], world.amy, when=long_ago)
    new = viewed(people["police.officer"], world.amy)
    by_worker = viewed(people["social.worker"], world.amy)
    client = signed_in_as("ig.officer")

    def find(**query) -> list[int]:
        response = client.get(reverse("access-events"), query)
        assert response.status_code == 200
        return listed(response)

    assert {old.pk, new.pk} <= set(find(person="police.officer"))
    assert by_worker.pk not in find(person="police.officer")
    assert by_worker.pk in find(person=str(people["social.worker"].pk))
    assert set(find(action="case_viewed", reference=world.amy.reference.lower())) == {
        old.pk,
        new.pk,
        by_worker.pk,
    }
    assert find(action="case_closed") == []
    day = timezone.localtime(long_ago).date()
    parts = {"day": day.day, "month": day.month, "year": day.year}
    dated = {f"occurred_{end}_{part}": v for end in ("from", "to") for part, v in parts.items()}
    assert find(**dated, person="police.officer") == [old.pk]
    # A reference no case has is not an error (whether a case exists is not told): nothing.
    assert find(reference="CSE-1999-999999") == []


def test_a_mistake_in_the_filters_is_shown_and_what_was_typed_is_kept(world):
    client = signed_in_as("ig.officer")
    response = client.get(
        reverse("access-events"),
        {
            "reference": "not a reference",
            "child": "Amy",
            "person": "police.officer",
            "occurred_from_day": "31",
            "occurred_from_month": "2",
            "occurred_from_year": "2026",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter a case reference, like CSE-2026-000123" in page
    assert "Enter the child’s id as a number, like 123" in page
    assert "From must be a real date" in page
    assert 'value="not a reference"' in page and 'value="police.officer"' in page
    assert response.context["page_obj"] is None
    assert "<title>Error: " in page
    assert events(Action.ACCESS_REPORT_VIEWED) == []
    # The download of a mistaken search goes back to the page that says what is wrong.
    export = client.get(reverse("access-events-export"), {"child": "Amy"})
    assert export.status_code == 302
    assert export["Location"].startswith(reverse("access-events"))


def test_the_csv_is_streamed_with_a_bom_and_formulas_defused(world, people, agencies):
    person = Person.objects.create_user(
        "=1+2", password="x" * 20, agency=agencies["norfolk_childrens"]
    )
    basis = {"via": "share", "share": world.police_share.pk, "level": "view"}
    # In the hour the clocks went back: the second 01:30 of the night, a few seconds in.
    with time_machine.travel(dt.datetime(2026, 10, 25, 1, 30, 9, 500, tzinfo=dt.UTC), tick=False):
        record(
            Action.CASE_VIEWED, actor=person, target_type="case", target_id=world.amy.pk,
            detail=basis,
        )  # fmt: skip
    response = signed_in_as("ig.officer").get(reverse("access-events-export"), {"person": "=1+2"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["When", "When (ISO 8601)", "Person", "Agency", "Action", "Target",
                       "Under", "Request id", "Client address", "Detail"]  # fmt: skip
    assert len(rows) == 2
    when, iso, who, agency, action, target, under, _, _, detail = rows[1]
    # As people read it, to the second and with its zone (01:30 happened twice that night);
    # then for a spreadsheet to sort by.
    assert when == "25 October 2026 at 1:30:09am GMT"
    assert iso == "2026-10-25T01:30:09+00:00"
    assert who == "'=1+2"
    assert agency == "Norfolk County Council Children's Services"
    assert action == "Viewed a case"
    assert target == f"case {world.amy.pk}"
    assert under == f"Under share #{world.police_share.pk} (view)"
    assert '"via": "share"' in detail

    history = signed_in_as("social.worker").get(
        reverse("case-access-history-export", args=[world.amy.pk])
    )
    assert history["Content-Disposition"] == (
        f'attachment; filename="{world.amy.reference}-access-history.csv"'
    )
    assert [row[2] for row in csv_rows(history)[1:] if row[2].startswith("'")] == ["'=1+2"]


def test_each_event_is_said_to_the_second_so_the_order_within_a_minute_shows(world, people):
    # Two reads in the same minute, in summer (BST) and in the hour the clocks went back.
    police = people["police.officer"]
    viewed(police, world.amy, when=dt.datetime(2026, 7, 1, 14, 7, 9, tzinfo=dt.UTC))
    viewed(police, world.amy, when=dt.datetime(2026, 7, 1, 14, 7, 41, tzinfo=dt.UTC))
    viewed(police, world.amy, when=dt.datetime(2026, 10, 25, 0, 30, 0, tzinfo=dt.UTC))
    query = {"person": "police.officer"}
    for page in (
        signed_in_as("ig.officer").get(reverse("access-events"), query),
        signed_in_as("social.worker").get(reverse("case-access-history", args=[world.amy.pk])),
    ):
        text = page.content.decode()
        assert ">1 July 2026 at 3:07:09pm</th>" in text
        assert ">1 July 2026 at 3:07:41pm</th>" in text
        assert ">25 October 2026 at 1:30:00am BST</th>" in text


def test_events_are_paged_newest_first(world, people):
    for _ in range(30):
        viewed(people["police.officer"], world.amy)
    client = signed_in_as("ig.officer")
    query = {"person": "police.officer"}
    first = client.get(reverse("access-events"), query)
    second = client.get(reverse("access-events"), query | {"page": 2})
    assert len(listed(first)) == 25 and len(listed(second)) == 5
    everything = listed(first) + listed(second)
    assert everything == sorted(everything, reverse=True)
    assert 'href="?person=police.officer&amp;page=2"' in first.content.decode()
    history = signed_in_as("social.worker").get(
        reverse("case-access-history", args=[world.amy.pk]), {"page": 2}
    )
    assert history.context["page_obj"].number == 2


def test_the_count_stops_at_a_thousand_and_says_how_to_reach_the_rest(world, people, monkeypatch):
    """Counting walks the log as the page does, so it stops after the cap: the page says
    "more than" and lists the first ones; the CSV holds them all."""
    from reports import views

    assert views.EVENT_COUNT_CAP == 1000
    monkeypatch.setattr(views, "EVENT_COUNT_CAP", 12)
    for _ in range(20):
        viewed(people["police.officer"], world.amy)
    client = signed_in_as("ig.officer")
    query = {"person": "police.officer"}
    counted = client.get(reverse("access-events"), query)
    said = " ".join(counted.content.decode().split())
    assert "More than 12 events match the filters, newest first: the first 12 are" in said
    assert len(listed(counted)) == 12
    everything = csv_rows(client.get(reverse("access-events-export"), query))
    assert len(everything) - 1 == 20  # the header, then every event


def test_a_target_id_that_is_not_a_number_is_neither_an_error_nor_a_match(world, people):
    odd = record(
        Action.CASE_VIEWED, actor=people["suffolk.officer"], target_type="case", target_id="x1"
    )
    odd_child = record(
        Action.CASE_VIEWED,
        actor=people["suffolk.officer"],
        target_type="child",
        target_id=f"{world.amy.child_id}.0",
    )
    mine = viewed(people["police.officer"], world.amy)
    response = signed_in_as("ig.officer").get(reverse("access-events"))
    assert response.status_code == 200
    shown = set(listed(response))
    assert mine.pk in shown and odd.pk not in shown and odd_child.pk not in shown


def test_the_reports_take_as_many_queries_for_3_events_as_for_60(
    world, people, django_assert_max_num_queries
):
    def read(count: int) -> None:
        for number in range(count):
            viewed(
                people["police.officer"],
                world.amy,
                via="share",
                share=world.police_share.pk,
                level="view",
                entries=[number],
            )

    read(3)
    ig, worker = signed_in_as("ig.officer"), signed_in_as("social.worker")
    reports = [
        (ig, reverse("access-events"), {}),
        (ig, reverse("access-events"), {"child": world.amy.child_id, "person": "police.officer"}),
        (ig, reverse("api-audit-events"), {}),
        (worker, reverse("case-access-history", args=[world.amy.pk]), {}),
    ]
    few = [count_queries(c, p, q, django_assert_max_num_queries) for c, p, q in reports]
    read(57)
    for (client, path, query), most in zip(reports, few, strict=True):
        with django_assert_max_num_queries(most):
            response = client.get(path, query)
        assert len(listed(response)) == 25


# --- reading the log is itself recorded ------------------------------------------------------


def test_reading_and_downloading_a_report_is_recorded(world, people):
    viewed(people["police.officer"], world.amy)
    client = signed_in_as("ig.officer")
    client.get(
        reverse("access-events"), {"reference": world.amy.reference, "action": "case_viewed"}
    )
    seen = events(Action.ACCESS_REPORT_VIEWED)[-1]
    assert (seen.actor_username, seen.target_type, seen.target_id) == (
        "ig.officer",
        "case",
        str(world.amy.pk),
    )
    assert seen.detail["report"] == "events"
    assert seen.detail["filters"] == {
        "case": world.amy.reference,
        "child": None,
        "person": None,
        "action": "case_viewed",
        "from": None,
        "to": None,
    }
    assert seen.detail["page"] == 1
    assert seen.detail["rows"] >= 1

    response = client.get(reverse("access-events-export"), {"person": "police.officer"})
    csv_rows(response)
    exported = events(Action.ACCESS_REPORT_EXPORTED)[-1]
    assert exported.detail == {
        "report": "events",
        "format": "csv",
        "filters": {
            "case": None,
            "child": None,
            "person": "police.officer",
            "action": None,
            "from": None,
            "to": None,
        },
    }

    signed_in_as("social.worker").get(reverse("case-access-history", args=[world.amy.pk]))
    history = events(Action.ACCESS_REPORT_VIEWED, actor_username="social.worker")[-1]
    assert history.target_id == str(world.amy.pk)
    assert history.detail["report"] == "case_access_history"

    client.get(reverse("api-audit-events"), {"case": world.amy.pk})
    api = events(Action.ACCESS_REPORT_VIEWED)[-1]
    assert api.detail["report"] == "events" and api.detail["filters"] == {"case": world.amy.pk}
    # The report the next reader sees includes this reading.
    later = listed(client.get(reverse("access-events"), {"action": "access_report_viewed"}))
    assert seen.pk in later and api.pk in later


# --- the API's filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"reference": "CSE-2026-000001"},  # not one of its parameters
        {"child": "Amy"},
        {"case": "0"},
        {"action": "peeked"},
        {"occurred_from": "yesterday"},
        {"occurred_from": "2026-02-01", "occurred_to": "2026-01-01"},
        {"actor": ""},
    ],
)
def test_the_api_refuses_unknown_or_bad_filters(world, query):
    response = signed_in_as("ig.officer").get(reverse("api-audit-events"), query)
    found = errors(response)
    assert found and set(found) <= {*query, "non_field_errors"}
    # Nothing sent is quoted back (the parameters' names are the schema's own).
    assert not [value for value in query.values() if len(value) >= 4 and value in str(found)]


def test_the_api_refuses_a_filter_given_twice(world):
    response = signed_in_as("ig.officer").get(f"{reverse('api-audit-events')}?case=1&case=2")
    assert errors(response) == {"case": ["Give this once."]}


def test_the_api_says_under_what_a_read_was_made(world, people):
    read = viewed(
        people["police.officer"], world.amy, via="share", share=world.police_share.pk, level="view"
    )
    answer = signed_in_as("ig.officer").get(
        reverse("api-audit-events"), {"case": world.amy.pk, "actor": "police.officer"}
    )
    [row] = answer.json()["results"]
    assert row["id"] == read.pk
    assert row["under"] == f"Under share #{world.police_share.pk} (view)"
    assert row["action_label"] == "Viewed a case"
    assert row["actor_agency"] == "Norfolk Constabulary"


def test_events_about_no_case_in_particular_are_shown_too(world, people):
    listing = record(
        Action.CASE_LISTED,
        actor=people["social.worker"],
        target_type="case",
        detail={"list": "cases", "cases": [world.amy.pk]},
    )
    signing_in = record(Action.SIGN_IN, actor=people["mash.manager"])
    response = signed_in_as("ig.officer").get(reverse("access-events"))
    assert response.status_code == 200
    assert {listing.pk, signing_in.pk} <= set(listed(response))
    page = response.content.decode()
    assert "Listed cases" in page and "Signed in" in page
    assert f"cases: {world.amy.pk}" in page


# --- the API's answers match its schema, for the person it is for ----------------------------


@pytest.mark.usefixtures("_api_rate")
def test_the_access_endpoints_answer_within_their_schema_for_information_governance(
    request, world, people
):
    """The fuzz (test_api_fuzz) runs as a social worker, who is refused most of these."""
    grant_emergency_access(world.amy, people["suffolk.officer"], REASON)
    viewed(
        people["police.officer"], world.amy, via="share", share=world.police_share.pk, level="view"
    )
    _, secret = make_token(people["ig.officer"])
    wsgi_app = request.getfixturevalue("_wsgi_app")
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app, headers=bearer(secret))
    audit = [op for op in operations(schema) if op.path.startswith("/api/v1/audit/")]
    assert len(audit) == 3
    failures = [
        fuzz(op, mode, [*CHECKS, still_signed_in], headers=bearer(secret))
        for op in audit
        for mode in GenerationMode
    ]
    assert not [failure for failure in failures if failure], failures
    # And the answers that random ids rarely reach, on an access the fuzz cannot have used.
    glass = grant_emergency_access(world.amy, people["health.nurse"], REASON)
    checked = [
        schema["/api/v1/audit/events/"]["GET"].Case(query={"case": world.amy.pk}),
        schema["/api/v1/audit/emergency-accesses/"]["GET"].Case(query={"reviewed": "false"}),
        schema["/api/v1/audit/emergency-accesses/{access_id}/review/"]["POST"].Case(
            path_parameters={"access_id": glass.pk}, body={"note": NOTE}
        ),
        schema["/api/v1/audit/emergency-accesses/{access_id}/review/"]["POST"].Case(
            path_parameters={"access_id": glass.pk}, body={"note": NOTE}
        ),
    ]
    statuses = [
        case.call_and_validate(checks=CHECKS, headers=bearer(secret)).status_code
        for case in checked
    ]
    assert statuses == [200, 200, 200, 409]
