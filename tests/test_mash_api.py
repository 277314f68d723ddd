"""The MASH triage API (cases/api_mash.py): what each endpoint does, refuses and records.

Who may call what is tests/triage/test_api_permissions.py; here, as the people who may:
health.nurse refers, mash.manager runs the Norfolk MASH, police.officer answers checks.
"""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from audit.models import Action
from cases.models import Child, Entry
from tests.conftest import events
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
from triage.models import Contact
from triage.services import answer_check, assign_contact, decide_contact, request_checks

pytestmark = pytest.mark.django_db


def url(name: str, *args, **query) -> str:
    path = reverse(name, args=args)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post(client, path: str, body: dict):
    return client.post(path, body, content_type="application/json")


def contact_body(**fields) -> dict:
    return {
        "new_child": {"first_name": "Ivy", "last_name": "Referred", "date_of_birth": "2012-05-06"},
        "area": "E10000020",
        "referrer_type": "professional",
        "referrer_name": "Taylor Reed",
        "referrer_role": "Safeguarding nurse",
        "referrer_email": "taylor.reed@nnuh.example",
        "received_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "concern": "Disclosed being hit at home.",
    } | fields


@pytest.fixture
def asked(make_contact, people, agencies):
    """A contact rated amber with checks asked of the police and the hospital."""
    contact = make_contact(by="health.nurse", rag="amber", first_name="Quilla")
    checks = request_checks(
        people["mash.manager"], contact,
        [agencies["norfolk_police"], agencies["norfolk_hospital"]], "What do you hold?",
    )  # fmt: skip
    return contact, {check.agency_id: check for check in checks}


# --- recording a contact --------------------------------------------------------------------


def test_recording_a_contact_with_a_new_child(sign_in, people, agencies):
    response = post(sign_in("health.nurse"), url("api-contacts"), contact_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["access"] == "referrer"
    assert data["reference"].startswith("MASH-")
    assert data["child"]["name"] == "Ivy Referred"
    assert data["mash"]["id"] == agencies["norfolk_childrens"].pk
    assert data["referring_agency"]["id"] == agencies["norfolk_hospital"].pk
    assert data["state"] == "new" and data["decision"] == ""
    # The referrer's view: nothing of the MASH's work.
    for hidden in ["checks", "ratings", "rag", "rationale", "assigned_to", "case"]:
        assert hidden not in data
    contact = Contact.objects.get(pk=data["id"])
    assert contact.child.first_name == "Ivy" and not contact.child.cases.exists()
    assert [e.target_id for e in events(Action.CONTACT_RECORDED)] == [str(contact.pk)]
    assert len(events(Action.CHILD_CREATED)) == 1


def test_recording_a_contact_about_a_child_you_may_see_by_area_id(
    sign_in, open_case_for, partnership
):
    case = open_case_for("social.worker", first_name="Kit", last_name="Known")
    body = contact_body(new_child=None, child=case.child_id, area=partnership.areas["norfolk"].pk)
    children_recorded = len(events(Action.CHILD_CREATED))
    response = post(sign_in("social.worker"), url("api-contacts"), body)
    assert response.status_code == 201, response.content
    data = response.json()
    # social.worker works at the receiving MASH: the MASH's view.
    assert data["access"] == "mash"
    assert data["child"]["id"] == case.child_id
    assert data["rag"] == "" and data["checks"] == [] and data["ratings"] == []
    assert len(events(Action.CHILD_CREATED)) == children_recorded


def test_a_child_you_may_not_see_is_not_found(sign_in, open_case_for):
    case = open_case_for("social.worker", first_name="Hidden", last_name="Child")
    body = contact_body(new_child=None, child=case.child_id)
    response = post(sign_in("suffolk.officer"), url("api-contacts"), body)
    assert response.status_code == 404
    assert "Hidden" not in response.content.decode()
    assert not Contact.objects.exists()
    assert events(Action.PERMISSION_REFUSED)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"new_child": None}, "child", "Give either"),
        ({"child": 1}, "child", "Give either"),
        ({"area": "E99999999"}, "area", "No such area"),
        ({"area": "Norfolk"}, "area", "ONS code"),
        ({"area": "E10000003"}, "area", "No children's services MASH covers Cambridgeshire"),
        ({"received_at": "2099-01-01T09:00:00Z"}, "received_at", "not in the future"),
        ({"received_at": "2025-01-01T09:00:00"}, "received_at", "offset"),
        ({"concern": "   "}, "concern", "not only spaces"),
        ({"referrer_type": "anonymous"}, "referrer_type", "not a valid choice"),
        ({"referrer_email": "not an email"}, "referrer_email", "email address"),
        ({"new_child": {"first_name": "Ivy"}}, "new_child", "required"),
    ],
)
def test_what_is_wrong_with_a_contact_is_told_by_field(sign_in, fields, field, message):
    response = post(sign_in("health.nurse"), url("api-contacts"), contact_body(**fields))
    assert response.status_code == 400, response.content
    assert message in str(response.json()[field]), response.json()
    assert not Contact.objects.exists() and not Child.objects.exists()


def test_a_possible_duplicate_child_is_409_until_confirmed(sign_in, open_case_for):
    open_case_for("social.worker", first_name="Ivy", last_name="Referred",
                  date_of_birth=dt.date(2012, 5, 6))  # fmt: skip
    client = sign_in("health.nurse")
    response = post(client, url("api-contacts"), contact_body())
    assert response.status_code == 409
    assert response.json()["hidden_matches"] == 1  # the hospital may not see that child
    assert not Contact.objects.exists()
    response = post(client, url("api-contacts"), contact_body(confirm_not_duplicate=True))
    assert response.status_code == 201


# --- reading a contact ----------------------------------------------------------------------


def test_the_mash_sees_every_answer_and_the_referrer_none(sign_in, people, agencies, asked):
    contact, checks = asked
    police = checks[agencies["norfolk_police"].pk]
    answer_check(people["police.officer"], police, "Two call-outs to the address.",
                 "Intelligence: an adult at the address is under investigation.")  # fmt: skip

    mash = sign_in("social.worker").get(url("api-contact", contact.pk))
    assert mash.status_code == 200
    data = mash.json()
    assert data["access"] == "mash" and data["rag"] == "amber"
    assert [r["rag"] for r in data["ratings"]] == ["amber"]
    by_agency = {c["agency"]["id"]: c for c in data["checks"]}
    assert by_agency[police.agency_id]["answer"] == "Two call-outs to the address."
    assert "under investigation" in by_agency[police.agency_id]["restricted_answer"]
    assert by_agency[agencies["norfolk_hospital"].pk]["answered_at"] is None

    referrer = sign_in("health.nurse").get(url("api-contact", contact.pk))
    assert referrer.status_code == 200
    body = referrer.content.decode()
    assert referrer.json()["access"] == "referrer"
    assert "Two call-outs" not in body and "under investigation" not in body
    assert "checks" not in referrer.json() and "What do you hold?" not in body

    viewed = events(Action.CONTACT_VIEWED)
    assert [(e.actor_username, e.detail["access"]) for e in viewed] == [
        ("social.worker", "mash"), ("health.nurse", "referrer"),
    ]  # fmt: skip
    assert {e.target_id for e in viewed} == {str(contact.pk)}


def test_the_referrer_sees_the_outcome_not_the_rationale(sign_in, people, make_contact):
    contact = make_contact(by="health.nurse", rag="green")
    decide_contact(people["mash.manager"], contact, "advice", "Advice to the family.")
    data = sign_in("health.nurse").get(url("api-contact", contact.pk)).json()
    assert data["state"] == "decided" and data["decision"] == "advice"
    assert data["decided_at"] and "rationale" not in data and "case" not in data


# --- rating ---------------------------------------------------------------------------------


def test_rating_sets_the_deadline_and_keeps_the_history(sign_in, make_contact):
    contact = make_contact(by="health.nurse")
    client = sign_in("mash.manager")
    response = post(client, url("api-contact-rating", contact.pk),
                    {"rag": "amber", "reason": "Older men, no immediate danger."})  # fmt: skip
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["rag"] == "amber" and data["state"] == "open"
    due = dt.datetime.fromisoformat(data["due_at"])
    assert due - contact.received_at == dt.timedelta(hours=24)
    response = post(client, url("api-contact-rating", contact.pk),
                    {"rag": "red", "reason": "Now missing overnight."})  # fmt: skip
    assert [r["rag"] for r in response.json()["ratings"]] == ["amber", "red"]
    assert [e.detail["rag"] for e in events(Action.CONTACT_RATED)] == ["amber", "red"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"rag": "purple", "reason": "Why not"}, "rag", "not a valid choice"),
        ({"rag": "red", "reason": " "}, "reason", "not only spaces"),
        ({"rag": "red"}, "reason", "required"),
        # The service's own refusal: told as a problem with the request as a whole.
        ({"rag": "amber", "reason": "Again"}, "non_field_errors", "already rated amber"),
    ],
)
def test_a_bad_rating_is_400(sign_in, make_contact, body, field, message):
    contact = make_contact(by="health.nurse", rag="amber")
    response = post(sign_in("mash.manager"), url("api-contact-rating", contact.pk), body)
    assert response.status_code == 400
    assert message in str(response.json()[field])


def test_a_decided_contact_cannot_be_rated_asked_about_or_decided_again(
    sign_in, people, agencies, make_contact
):
    contact = make_contact(by="health.nurse", rag="green")
    decide_contact(people["mash.manager"], contact, "no_further_action", "Known, safe.")
    client = sign_in("mash.manager")
    for name, body in [
        ("api-contact-rating", {"rag": "red", "reason": "Late news"}),
        ("api-contact-checks", {"agencies": [agencies["norfolk_police"].pk], "question": "?"}),
        ("api-contact-decision", {"decision": "advice", "rationale": "Changed my mind"}),
    ]:
        response = post(client, url(name, contact.pk), body)
        assert response.status_code == 409, name
        assert response.json() == {
            "detail": "This contact has been decided: it can no longer be changed."
        }


# --- checks ---------------------------------------------------------------------------------


def test_asking_partners_and_listing_the_checks(sign_in, agencies, make_contact):
    contact = make_contact(by="health.nurse", rag="red")
    client = sign_in("mash.manager")
    body = {"agencies": [agencies["norfolk_police"].pk, agencies["norfolk_hospital"].pk],
            "question": "Anything on the child or the address?"}  # fmt: skip
    response = post(client, url("api-contact-checks", contact.pk), body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert {c["agency"]["id"] for c in made} == set(body["agencies"])
    assert all(c["answered_at"] is None and not c["overdue"] for c in made)
    assert len(events(Action.CHECK_REQUESTED)) == 1

    listed = sign_in("social.worker").get(url("api-contact-checks", contact.pk))
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()["results"]] == [c["id"] for c in made]
    read = events(Action.CONTACT_VIEWED)[-1]
    assert read.detail["view"] == "checks" and read.detail["checks"] == [c["id"] for c in made]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"agencies": [], "question": "?"}, "agencies", "at least 1"),
        ({"agencies": [999999], "question": "?"}, "agencies", "No such agency"),
        ({"agencies": ["1"], "question": "?"}, "agencies", "valid integer"),
        ({"question": "?"}, "agencies", "required"),
    ],
)
def test_a_bad_request_for_checks_is_400(sign_in, make_contact, body, field, message):
    contact = make_contact(by="health.nurse", rag="red")
    response = post(sign_in("mash.manager"), url("api-contact-checks", contact.pk), body)
    assert response.status_code == 400
    assert message in str(response.json()[field]), response.json()


def test_checks_the_service_refuses_are_400(sign_in, agencies, make_contact, asked):
    client = sign_in("mash.manager")
    unrated = make_contact(by="health.nurse")
    body = {"agencies": [agencies["norfolk_police"].pk], "question": "?"}
    response = post(client, url("api-contact-checks", unrated.pk), body)
    assert response.status_code == 400
    assert "Rate the contact first" in str(response.json()["non_field_errors"])
    contact, _ = asked  # the police were asked already
    response = post(client, url("api-contact-checks", contact.pk), body)
    assert response.status_code == 400
    assert "already been asked" in str(response.json()["non_field_errors"])
    mash = {"agencies": [agencies["norfolk_childrens"].pk], "question": "?"}
    response = post(client, url("api-contact-checks", contact.pk), mash)
    assert "cannot ask itself" in str(response.json()["non_field_errors"])


# --- answering ------------------------------------------------------------------------------


def test_answering_a_check_once(sign_in, agencies, asked):
    contact, checks = asked
    police = checks[agencies["norfolk_police"].pk]
    client = sign_in("police.officer")
    path = url("api-check-answer", police.pk)
    response = post(client, path, {"answer": "Nothing held.", "restricted_answer": "Ask DS Grant."})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["answer"] == "Nothing held." and data["restricted_answer"] == "Ask DS Grant."
    assert data["answered_by"] == "Dana Wells" and data["contact"]["id"] == contact.pk
    assert data["child"]["name"] == "Quilla Testchild"
    assert [e.detail for e in events(Action.CHECK_ANSWERED)] == [
        {"check": police.pk, "restricted": True}
    ]
    again = post(client, path, {"answer": "Something else."})
    assert again.status_code == 409
    assert again.json() == {"detail": "Your agency has already answered this check."}
    police.refresh_from_db()
    assert police.answer == "Nothing held."


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": "  "}, "answer"),
        ({}, "answer"),
        ({"answer": "x", "restricted_answer": 3}, "restricted_answer"),
    ],
)
def test_a_bad_answer_is_400(sign_in, agencies, asked, body, field):
    _, checks = asked
    police = checks[agencies["norfolk_police"].pk]
    response = post(sign_in("police.officer"), url("api-check-answer", police.pk), body)
    assert response.status_code == 400
    assert field in response.json()


# --- deciding -------------------------------------------------------------------------------


def test_a_strategy_discussion_opens_the_case_with_the_whole_story(
    sign_in, people, agencies, asked
):
    contact, checks = asked
    answer_check(people["police.officer"], checks[agencies["norfolk_police"].pk],
                 "Two call-outs.", "Restricted intelligence.")  # fmt: skip
    response = post(
        sign_in("mash.manager"),
        url("api-contact-decision", contact.pk),
        {"decision": "strategy_discussion", "rationale": "Threshold for s.47 met."},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "decided" and data["decision"] == "strategy_discussion"
    assert data["case"]["reference"] and data["rationale"] == "Threshold for s.47 met."
    categories = set(
        Entry.objects.filter(case_id=data["case"]["id"]).values_list("category", flat=True)
    )
    assert {"mash_contact", "mash_rating", "partner_check", "mash_decision"} <= categories
    assert events(Action.CONTACT_DECIDED)[0].detail["case"] == data["case"]["id"]


def test_a_transfer_goes_to_another_mash(sign_in, agencies, make_contact):
    contact = make_contact(by="health.nurse", rag="amber")
    client = sign_in("mash.manager")
    path = url("api-contact-decision", contact.pk)
    response = post(client, path, {"decision": "transfer", "rationale": "Lives in Suffolk."})
    assert response.status_code == 400
    assert "other authority" in str(response.json()["non_field_errors"])
    body = {"decision": "transfer", "rationale": "Lives in Suffolk.",
            "transfer_to": agencies["suffolk_childrens"].pk}  # fmt: skip
    response = post(client, path, body)
    assert response.status_code == 200, response.content
    assert response.json()["transfer_to"]["id"] == agencies["suffolk_childrens"].pk
    assert response.json()["case"] is None
    assert Contact.objects.filter(mash=agencies["suffolk_childrens"]).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "wait_and_see", "rationale": "x"}, "decision"),
        ({"decision": "advice", "rationale": ""}, "rationale"),
        ({"decision": "advice", "rationale": "x", "transfer_to": 999999}, "transfer_to"),
    ],
)
def test_a_bad_decision_is_400(sign_in, make_contact, body, field):
    contact = make_contact(by="health.nurse", rag="amber")
    response = post(sign_in("mash.manager"), url("api-contact-decision", contact.pk), body)
    assert response.status_code == 400
    assert field in response.json()
    contact.refresh_from_db()
    assert not contact.decided


def test_an_unrated_contact_cannot_be_decided(sign_in, make_contact):
    contact = make_contact(by="health.nurse")
    response = post(sign_in("mash.manager"), url("api-contact-decision", contact.pk),
                    {"decision": "advice", "rationale": "Quick one."})  # fmt: skip
    assert response.status_code == 400
    assert "Rate the contact" in str(response.json()["non_field_errors"])


# --- the queue ------------------------------------------------------------------------------


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
    assert response.status_code == 400
    assert field in response.json()
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
    assert client.get(url("api-contacts", cursor="bm90LW91cnM")).status_code == 404


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
    assert response.status_code == 403
    assert "MASH managers" in response.json()["detail"]
    assert events(Action.PERMISSION_REFUSED)[-1].detail == {"why": "mash managers only"}
    assert not events(Action.CONTACTS_LISTED)


# --- the counts -----------------------------------------------------------------------------


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
                         "high_risk_screenings"}  # fmt: skip
    assert [e.detail for e in events(Action.TRIAGE_VIEWED)] == [{"view": "summary"}]


def test_the_summary_refuses_unknown_parameters_and_non_managers(sign_in):
    assert sign_in("mash.manager").get(url("api-triage-summary", day="today")).status_code == 400
    assert sign_in("social.worker").get(url("api-triage-summary")).status_code == 403
    assert not events(Action.TRIAGE_VIEWED)


# --- fuzzed from the schema, as the people who may ------------------------------------------

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
