"""The triage API for the MASH's queue and its counts (triage/api.py): ordered by time
left, filtered, paged, in a constant number of queries, the MASH's own only and for its
managers only; and every triage operation fuzzed from the schema as the people who may.

Who may call what is tests/triage/test_api_permissions.py.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from audit.models import Action
from tests.conftest import events
from tests.problems import detail, errors
from tests.project.test_api_fuzz import (  # noqa: F401 - fixtures (api_rate, wsgi_app...) used by name
    CHECKS,
    FUZZ,
    api_rate,
    api_schema,
    bearer,
    make_token,
    pinned_credentials,
    worker_token,
    wsgi_app,
)
from tests.triage.api_helpers import url
from triage.services import assign_contact, decide_contact, request_checks

pytestmark = pytest.mark.django_db


# --- the queue -------------------------------------------------------------------------------


@pytest.fixture
def queue(make_contact, people, agencies, open_case_for):
    """A red, an amber (assigned, checks outstanding), a green (from the police), a new one
    and a decided one."""
    now = timezone.now()
    red = make_contact(by="health.nurse", rag="red", received_at=now - dt.timedelta(hours=5))
    amber = make_contact(by="health.nurse", rag="amber")
    request_checks(people["mash.manager"], amber, [agencies["norfolk_police"]], "?")
    assign_contact(people["mash.manager"], amber, people["social.worker"])
    green = make_contact(by="police.officer", rag="green")
    new = make_contact(by="health.nurse", received_at=now - dt.timedelta(minutes=10))
    decided = make_contact(by="health.nurse", rag="green")
    decide_contact(people["mash.manager"], decided, "advice", "Advice given.")
    return {"red": red, "amber": amber, "green": green, "new": new, "decided": decided}


def listed(client, **query) -> list[int]:
    response = client.get(url("api-contacts", **query))
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_queue_is_by_time_left_with_checks_and_overdue(sign_in, queue):
    client = sign_in("mash.manager")
    response = client.get(url("api-contacts"))
    rows = {row["id"]: row for row in response.json()["results"]}
    # The red one received 5 hours ago is overdue and first; then the new one (due as red).
    assert list(rows)[:2] == [queue["red"].pk, queue["new"].pk]
    assert queue["decided"].pk not in rows
    assert rows[queue["red"].pk]["overdue"] is True
    assert rows[queue["new"].pk]["overdue"] is False
    amber = rows[queue["amber"].pk]
    assert amber["checks"] == {"asked": 1, "outstanding": 1, "overdue": 0}
    assert amber["assigned_to"]["name"] == "Jo Fletcher"
    assert amber["child"] == {"id": queue["amber"].child_id, "name": "Contact Testchild",
                              "date_of_birth": "2011-03-04"}  # fmt: skip
    assert rows[queue["green"].pk]["referring_agency"]["name"] == "Norfolk Constabulary"
    listing = events(Action.CONTACTS_LISTED)
    assert len(listing) == 1 and listing[0].detail["contacts"] == list(rows)


def test_the_queue_filters(sign_in, people, agencies, queue):
    client = sign_in("mash.manager")
    assert listed(client, rag="amber") == [queue["amber"].pk]
    assert listed(client, rag="unrated") == [queue["new"].pk]
    assert listed(client, state="new") == [queue["new"].pk]
    assert listed(client, state="checks") == [queue["amber"].pk]
    assert set(listed(client, state="ready")) == {queue["red"].pk, queue["green"].pk}
    assert listed(client, state="decided") == [queue["decided"].pk]
    assert listed(client, assignee=people["social.worker"].pk) == [queue["amber"].pk]
    assert queue["amber"].pk not in listed(client, assignee="none")
    assert listed(client, referrer=agencies["norfolk_police"].pk) == [queue["green"].pk]
    assert listed(client, rag="green", state="decided") == [queue["decided"].pk]
    assert events(Action.CONTACTS_LISTED)[0].detail["filters"] == {"rag": "amber"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("colour=red", "colour"),
        ("rag=purple", "rag"),
        ("rag=", "rag"),
        ("state=overdue", "state"),
        ("assignee=nobody", "assignee"),
        ("assignee=0", "assignee"),
        ("referrer=police", "referrer"),
        ("rag=red&rag=amber", "rag"),
    ],
)
def test_unknown_or_bad_filters_are_400(sign_in, queue, query, field):
    response = sign_in("mash.manager").get(url("api-contacts") + "?" + query)
    assert field in errors(response)
    assert not events(Action.CONTACTS_LISTED)


def test_the_queue_is_paged_by_cursor(sign_in, make_contact):
    start = timezone.now() - dt.timedelta(hours=3)
    made = [
        make_contact(by="health.nurse", received_at=start + dt.timedelta(minutes=i)).pk
        for i in range(30)
    ]
    client = sign_in("mash.manager")
    first = client.get(url("api-contacts")).json()
    assert [row["id"] for row in first["results"]] == made[:25]
    assert first["previous"] is None and first["next"]
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == made[25:]
    assert second["next"] is None
    assert client.get(url("api-contacts", cursor="bm90LW91cnM")).status_code == 400


def test_the_queue_takes_the_same_queries_for_1_or_20_contacts(
    sign_in, people, agencies, make_contact
):
    client = sign_in("mash.manager")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url("api-contacts"))
        assert response.status_code == 200
        return len(queries)

    def contact(i: int) -> None:
        made = make_contact(by="health.nurse" if i % 2 else "police.officer", rag="amber",
                            first_name=f"Child{i}")  # fmt: skip
        request_checks(people["mash.manager"], made, [agencies["norfolk_hospital"]], "?")
        assign_contact(people["mash.manager"], made, people["social.worker"])

    contact(0)
    one = count()
    for i in range(1, 20):
        contact(i)
    assert count() == one
    assert one <= 10, one


def test_the_queue_is_only_the_mashs_own(sign_in, people, agencies, make_contact):
    ours = make_contact(by="health.nurse")
    theirs = make_contact(by="suffolk.officer", area="suffolk")
    assert theirs.mash == agencies["suffolk_childrens"]
    assert listed(sign_in("mash.manager")) == [ours.pk]


def test_the_queue_is_refused_to_non_managers_and_recorded(sign_in, queue):
    response = sign_in("police.mash").get(url("api-contacts"))
    assert "MASH managers" in detail(response, 403)
    assert events(Action.PERMISSION_REFUSED)[-1].detail == {"why": "mash managers only"}
    assert not events(Action.CONTACTS_LISTED)


# --- the counts ------------------------------------------------------------------------------


def test_the_summary_counts_the_queue(sign_in, queue, open_case_for, missing):
    case = open_case_for("social.worker", first_name="Gone")
    missing(case)
    response = sign_in("mash.manager").get(url("api-triage-summary"))
    assert response.status_code == 200
    data = response.json()
    assert data["queue"] == {"total": 4, "unrated": 1, "red": 1, "amber": 1, "green": 1,
                             "overdue": 1, "unassigned": 3}  # fmt: skip
    assert data["checks"] == {"outstanding": 1, "overdue": 0}
    assert data["missing"] == 1
    assert set(data) == {"queue", "checks", "missing", "unacknowledged", "interviews_due",
                         "high_risk_screenings", "high_risk_assessments"}  # fmt: skip
    assert [e.detail for e in events(Action.TRIAGE_VIEWED)] == [{"view": "summary"}]


def test_the_summary_refuses_unknown_parameters_and_non_managers(sign_in):
    assert sign_in("mash.manager").get(url("api-triage-summary", day="today")).status_code == 400
    assert sign_in("social.worker").get(url("api-triage-summary")).status_code == 403
    assert not events(Action.TRIAGE_VIEWED)


# --- fuzzed from the schema, as the people who may -------------------------------------------


MASH_PATHS = [
    ("/api/v1/contacts/", ["GET", "POST"], "mash.manager"),
    ("/api/v1/contacts/{contact_id}/", ["GET"], "mash.manager"),
    ("/api/v1/contacts/{contact_id}/rating/", ["POST"], "mash.manager"),
    ("/api/v1/contacts/{contact_id}/checks/", ["GET", "POST"], "mash.manager"),
    ("/api/v1/contacts/{contact_id}/decision/", ["POST"], "mash.manager"),
    ("/api/v1/contacts/{contact_id}/", ["GET"], "health.nurse"),
    ("/api/v1/checks/{check_id}/answer/", ["POST"], "police.officer"),
    ("/api/v1/triage/summary/", ["GET"], "mash.manager"),
]


def _fuzz(strategy, headers: dict) -> None:
    @given(case=strategy)
    @FUZZ
    def run(case):
        case.call_and_validate(checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_the_mash_operations_answer_within_their_schema_for_those_who_may(
    request, people, agencies, make_contact, mode
):
    """tests/project/test_api_fuzz.py fuzzes every operation as social.worker, who may not rate,
    list or decide and finds no contact there: here the ids are real and the callers may."""
    contact = make_contact(by="health.nurse", rag="amber", first_name="Fuzzy")
    (check,) = request_checks(
        people["mash.manager"], contact, [agencies["norfolk_police"]], "Known?"
    )
    schema = request.getfixturevalue("api_schema")
    ids = {"contact_id": contact.pk, "check_id": check.pk}
    failures = []
    for path, methods, username in MASH_PATHS:
        _, secret = make_token(people[username])
        headers = bearer(secret)
        for method in methods:
            operation = schema[path][method]
            pinned_headers, pinned_cookies = pinned_credentials(operation, headers, {})
            own = {k: v for k, v in ids.items() if "{" + k + "}" in path}
            strategy = operation.as_strategy(
                generation_mode=mode, headers=pinned_headers, cookies=pinned_cookies or None,
                path_parameters=own or None,
            )  # fmt: skip
            try:
                _fuzz(strategy, headers)
            except (FailureGroup, AssertionError) as failure:
                failures.append(f"{method} {path} as {username} ({mode.value}):\n{failure}")
            except Unsatisfiable:
                if mode is not GenerationMode.NEGATIVE:
                    raise
    assert not failures, "\n\n".join(failures)
