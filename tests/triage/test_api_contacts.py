"""The triage API for one contact (triage/api.py): recording it, reading it, rating it,
asking partners and their answers, and deciding; what each does, refuses and records.

Who may call what is tests/triage/test_api_permissions.py; here, as the people who may:
health.nurse refers, mash.manager runs the Norfolk MASH, police.officer answers checks.
"""

import datetime as dt

import pytest
from django.utils import timezone

from audit.models import Action
from cases.models import Child, Entry
from notifications.models import Notification
from safeguarding import problems
from tests.conftest import events
from tests.problems import errors, kind, problem
from tests.triage.api_helpers import url
from triage.models import Contact
from triage.services import answer_check, decide_contact, request_checks

pytestmark = pytest.mark.django_db


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


# --- recording a contact ---------------------------------------------------------------------


def test_recording_a_contact_with_a_new_child(sign_in, people, agencies):
    response = post(sign_in("health.nurse"), url("api-contacts"), contact_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"].endswith(f"/api/v1/contacts/{data['id']}/")  # issue 23
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
    found = problem(response, 404)
    assert found == problems.body(404, found["detail"])
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
        # DRF's message would quote "anonymous" back: replaced (issue 23).
        ({"referrer_type": "anonymous"}, "referrer_type", problems.ECHOING_CODES["invalid_choice"]),
        ({"referrer_email": "not an email"}, "referrer_email", "email address"),
        ({"new_child": {"first_name": "Ivy"}}, "new_child", "required"),
    ],
)
def test_what_is_wrong_with_a_contact_is_told_by_field(sign_in, fields, field, message):
    response = post(sign_in("health.nurse"), url("api-contacts"), contact_body(**fields))
    told = errors(response)
    assert message in str(told[field]), told
    sent = fields.get(field)
    if isinstance(sent, str) and len(sent.strip()) >= problems.SHORTEST_ECHO:
        assert sent not in response.content.decode()
    assert not Contact.objects.exists() and not Child.objects.exists()


def test_a_possible_duplicate_child_is_409_until_confirmed(sign_in, open_case_for):
    open_case_for("social.worker", first_name="Ivy", last_name="Referred",
                  date_of_birth=dt.date(2012, 5, 6))  # fmt: skip
    client = sign_in("health.nurse")
    response = post(client, url("api-contacts"), contact_body())
    assert kind(response, 409) == "duplicate-child"
    assert response.json()["hidden_matches"] == 1  # the hospital may not see that child
    assert not Contact.objects.exists()
    response = post(client, url("api-contacts"), contact_body(confirm_not_duplicate=True))
    assert response.status_code == 201


# --- reading a contact -----------------------------------------------------------------------


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


# --- rating ----------------------------------------------------------------------------------


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
        ({"rag": "purple", "reason": "Why not"}, "rag", problems.ECHOING_CODES["invalid_choice"]),
        ({"rag": "red", "reason": " "}, "reason", "not only spaces"),
        ({"rag": "red"}, "reason", "required"),
        # The service's own refusal: told as a problem with the request as a whole. Its
        # words ("already rated amber") would quote the rating sent: replaced (issue 23).
        ({"rag": "amber", "reason": "Again"}, "non_field_errors", problems.NOT_VALID),
    ],
)
def test_a_bad_rating_is_400(sign_in, make_contact, body, field, message):
    contact = make_contact(by="health.nurse", rag="amber")
    response = post(sign_in("mash.manager"), url("api-contact-rating", contact.pk), body)
    told = errors(response)
    assert message in str(told[field]), told
    for sent in ("purple", "amber"):
        assert sent not in response.content.decode()


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
        assert problem(response, 409) == problems.body(
            409, "This contact has been decided: it can no longer be changed."
        ), name


# --- checks ----------------------------------------------------------------------------------


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
    told = errors(response)
    assert message in str(told[field]), told


def test_checks_the_service_refuses_are_400(sign_in, agencies, make_contact, asked):
    client = sign_in("mash.manager")
    unrated = make_contact(by="health.nurse")
    body = {"agencies": [agencies["norfolk_police"].pk], "question": "?"}
    response = post(client, url("api-contact-checks", unrated.pk), body)
    assert "Rate the contact first" in str(errors(response)["non_field_errors"])
    contact, _ = asked  # the police were asked already
    response = post(client, url("api-contact-checks", contact.pk), body)
    assert "already been asked" in str(errors(response)["non_field_errors"])
    mash = {"agencies": [agencies["norfolk_childrens"].pk], "question": "?"}
    response = post(client, url("api-contact-checks", contact.pk), mash)
    assert "cannot ask itself" in str(errors(response)["non_field_errors"])


# --- answering -------------------------------------------------------------------------------


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
    assert problem(again, 409) == problems.body(409, "Your agency has already answered this check.")
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
    assert field in errors(response)


# --- deciding --------------------------------------------------------------------------------


def test_a_strategy_discussion_opens_the_case_with_the_whole_story(
    sign_in, people, agencies, asked
):
    contact, checks = asked
    answer_check(people["police.officer"], checks[agencies["norfolk_police"].pk],
                 "Two call-outs.", "Restricted intelligence.")  # fmt: skip
    checks[agencies["norfolk_hospital"].pk].delete()  # only the police were asked
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


DECIDE = {"decision": "strategy_discussion", "rationale": "Threshold for s.47 met."}


def test_deciding_with_a_check_outstanding_is_409_naming_it_and_decides_nothing(
    sign_in, people, agencies, asked
):
    contact, checks = asked
    answer_check(people["police.officer"], checks[agencies["norfolk_police"].pk], "Held.")
    response = post(sign_in("mash.manager"), url("api-contact-decision", contact.pk), DECIDE)
    assert kind(response, 409) == "open-partner-checks"
    data = response.json()
    assert "still outstanding" in data["detail"] and "close_open_checks" in data["detail"]
    hospital = checks[agencies["norfolk_hospital"].pk]
    assert [(c["id"], c["agency"]["id"]) for c in data["open_checks"]] == [
        (hospital.pk, agencies["norfolk_hospital"].pk)
    ]
    assert data["open_checks"][0]["due_at"] and data["open_checks"][0]["overdue"] is False
    contact.refresh_from_db()
    assert not contact.decided
    assert not events(Action.CONTACT_DECIDED) and not events(Action.CHECK_CLOSED)


def test_deciding_with_close_open_checks_closes_them_with_the_reason_then_decides(
    sign_in, people, agencies, asked
):
    contact, checks = asked
    answer_check(people["police.officer"], checks[agencies["norfolk_police"].pk], "Held.")
    body = DECIDE | {"close_open_checks": True, "close_reason": "Police answer is enough."}
    response = post(sign_in("mash.manager"), url("api-contact-decision", contact.pk), body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["state"] == "decided"
    hospital = next(c for c in data["checks"] if c["agency"]["id"] == checks[
        agencies["norfolk_hospital"].pk].agency_id)  # fmt: skip
    assert hospital["closed_at"] and hospital["closed_reason"] == "Police answer is enough."
    assert hospital["answered_at"] is None and hospital["overdue"] is False
    assert hospital["closed_by"] == str(people["mash.manager"])  # closed by hand, not overtaken
    told = Notification.objects.get(kind="check_closed")
    assert told.agency_id == agencies["norfolk_hospital"].pk
    assert told.subject_id == hospital["id"] and "Police answer" not in told.summary
    closure = Entry.objects.get(case_id=data["case"]["id"], text__contains="closed its check")
    assert "Police answer is enough." in closure.text
    assert [e.detail["check"] for e in events(Action.CHECK_CLOSED)] == [hospital["id"]]
    assert events(Action.CHECK_CLOSED)[0].detail["overtaken"] is False
    request = Notification.objects.get(kind="partner_check", subject_id=hospital["id"])
    assert request.withdrawn_at is not None  # stops escalating


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"close_open_checks": True}, "close_reason"),
        ({"close_open_checks": True, "close_reason": "  "}, "close_reason"),
        ({"close_reason": "Not needed."}, "close_reason"),
        ({"close_open_checks": "perhaps", "close_reason": "x"}, "close_open_checks"),
    ],
)
def test_closing_open_checks_needs_a_reason_and_the_flag(sign_in, asked, extra, field):
    contact, _ = asked
    response = post(
        sign_in("mash.manager"), url("api-contact-decision", contact.pk), DECIDE | extra
    )
    assert field in errors(response)
    contact.refresh_from_db()
    assert not contact.decided and not contact.checks.filter(closed_at__isnull=False).exists()


def test_a_transfer_goes_to_another_mash(sign_in, agencies, make_contact):
    contact = make_contact(by="health.nurse", rag="amber")
    client = sign_in("mash.manager")
    path = url("api-contact-decision", contact.pk)
    response = post(client, path, {"decision": "transfer", "rationale": "Lives in Suffolk."})
    assert "other authority" in str(errors(response)["non_field_errors"])
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
    assert field in errors(response)
    assert "wait_and_see" not in response.content.decode()
    contact.refresh_from_db()
    assert not contact.decided


def test_an_unrated_contact_cannot_be_decided(sign_in, make_contact):
    contact = make_contact(by="health.nurse")
    response = post(sign_in("mash.manager"), url("api-contact-decision", contact.pk),
                    {"decision": "advice", "rationale": "Quick one."})  # fmt: skip
    assert "Rate the contact" in str(errors(response)["non_field_errors"])
