"""The case API for cases: listing them, opening one for a child, what you may do with one,
closing it; ids that find nothing and made-up cursors; the lists' query counts; and a walk
through every case and sharing endpoint, checked against the published schema.

The world most tests start from (the `world` fixture, tests/cases/api_helpers.py):
social.worker (Norfolk children's services) has opened a case for Amy, and shared it `view`
with Norfolk Constabulary. Suffolk police and the hospital have nothing.
"""

import base64
import datetime as dt

import pytest
import schemathesis

from audit.models import Action
from cases.services import create_child_and_case
from people.tokens import create_token
from safeguarding import problems
from sharing.models import Share
from tests.cases.api_helpers import (
    AMY_NHS,
    NOT_FOUND,
    REASON,
    actions,
    count_queries,
    entry,
    ids,
    new_child,
    post,
    recorded,
    results,
    url,
)
from tests.conftest import events
from tests.problems import errors, problem

# The fuzz's checks and fixtures (Django's WSGI handler; a rate limit a walk-through fits in).
from tests.project.test_api_fuzz import CHECKS, SCHEMA_URL, api_rate, bearer, wsgi_app  # noqa: F401

pytestmark = pytest.mark.django_db


# --- cases ---------------------------------------------------------------------------------


def test_cases_lists_what_your_agency_may_see_newest_first(sign_in, world, open_case_for):
    later = open_case_for("social.worker", first_name="Zoe")
    client = sign_in("social.worker")
    with recorded() as written:
        response = client.get(url("api-cases"))
    assert ids(response) == [later.pk, world.case.pk]
    first = results(response)[1]
    assert first["child"] == {
        "id": world.child.pk,
        "first_name": "Amy",
        "last_name": "Example",
        "date_of_birth": "2010-05-01",
    }
    assert first["lead_agency"]["name"] == "Norfolk County Council Children's Services"
    assert actions(written) == [Action.CASE_LISTED]
    assert written[0].detail == {"cases": [later.pk, world.case.pk]}
    assert ids(sign_in("police.officer").get(url("api-cases"))) == [world.case.pk]
    assert ids(sign_in("health.nurse").get(url("api-cases"))) == []


def test_opening_a_case_needs_a_child_you_may_see(sign_in, world):
    client = sign_in("police.officer")
    with recorded() as written:
        response = post(client, url("api-cases"), {"child": world.child.pk, "concern": "Missing"})
    assert response.status_code == 201, response.content
    assert response.json()["lead_agency"]["name"] == "Norfolk Constabulary"
    assert response.json()["access"] == ["view", "contribute", "manage"]
    # The police see the child through the council's view-only share: the council's case
    # records that they opened their own (SECURITY.md, "Passing on").
    assert actions(written) == [
        Action.SHARED, Action.OWN_CASE_OPENED, Action.ENTRY_ADDED, Action.CASE_OPENED
    ]  # fmt: skip

    outsider = sign_in("suffolk.officer")
    hidden = post(outsider, url("api-cases"), {"child": world.child.pk})
    missing = post(outsider, url("api-cases"), {"child": world.child.pk + 1000})
    assert problem(hidden, 404) == problem(missing, 404) == problems.body(404, "No such child")
    assert post(outsider, url("api-cases"), {"child": "x"}).status_code == 400


def test_a_case_says_what_you_may_do_with_it(sign_in, world):
    client = sign_in("mash.manager")
    with recorded() as written:
        mine = client.get(url("api-case", world.case.pk))
    assert mine.status_code == 200
    assert mine.json()["reference"] == world.case.reference
    assert mine.json()["access"] == ["view", "contribute", "manage"]
    assert mine.json()["opened_by"] == "Jo Fletcher"
    assert actions(written) == [Action.CASE_VIEWED]
    lead = Share.objects.get(case=world.case, level="manage")
    assert written[0].detail == {
        "view": "case",
        "via": "share",
        "share": lead.pk,
        "level": "manage",
    }
    assert sign_in("police.mash").get(url("api-case", world.case.pk)).json()["access"] == ["view"]


@pytest.mark.parametrize("username", ["suffolk.officer", "health.nurse"])
def test_a_case_not_shared_with_you_is_not_found_like_one_that_does_not_exist(
    sign_in, world, username
):
    client = sign_in(username)
    for name in ["api-case", "api-case-entries", "api-case-screenings", "api-case-shares"]:
        hidden = client.get(url(name, world.case.pk))
        missing = client.get(url(name, world.case.pk + 1000))
        assert problem(hidden, 404) == problem(missing, 404) == NOT_FOUND, name
        assert "Amy" not in hidden.content.decode()
    assert not events(Action.CASE_VIEWED)


def test_an_id_too_large_for_any_row_is_not_found(sign_in):
    client, huge = sign_in("social.worker"), 10**30
    for name in ["api-case", "api-child", "api-case-entries", "api-case-shares"]:
        assert client.get(url(name, huge)).status_code == 404, name
    for name in ["api-share-revoke", "api-share-acknowledge"]:
        assert post(client, url(name, huge)).status_code == 404, name
    glass = post(client, url("api-case-emergency-access", huge), REASON)
    assert problem(glass, 404) == NOT_FOUND
    too_big = post(client, url("api-cases"), {"child": 2**64})
    assert errors(too_big) == {
        "child": ["Ensure this value is less than or equal to 9223372036854775807."]
    }


def test_a_manager_closes_a_case_once(sign_in, world):
    client = sign_in("mash.manager")
    assert errors(post(client, url("api-case-close", world.case.pk))) == {
        "reason": ["This field is required."]
    }
    with recorded() as written:
        response = post(client, url("api-case-close", world.case.pk), {"reason": "Risk reduced"})
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    assert response.json()["closed_at"]
    assert actions(written) == [Action.CASE_CLOSED]
    assert world.case.entries.filter(category="case_closed", text__contains="Risk reduced")
    again = post(client, url("api-case-close", world.case.pk), {"reason": "Again"})
    assert problem(again, 409) == problems.body(409, "This case is already closed.")
    viewer = post(sign_in("police.officer"), url("api-case-close", world.case.pk), {"reason": "x"})
    assert viewer.status_code == 404


# --- paging and queries --------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.b64encode(b"p=yesterday").decode(),
        base64.b64encode(b"p=2024-01-01%00").decode(),
        base64.b64encode(b"o=-3").decode(),
    ],
)
def test_a_made_up_cursor_is_a_mistake_in_the_request(sign_in, world, cursor):
    """400, not 404 (issue 23): the list is there; the cursor is not one it gave."""
    client = sign_in("social.worker")
    for name in ["api-case-entries", "api-case-screenings", "api-case-shares"]:
        response = client.get(url(name, world.case.pk, cursor=cursor))
        assert errors(response) == BAD_CURSOR, name
    response = client.get(url("api-cases", cursor=cursor))
    assert errors(response) == BAD_CURSOR
    garbled_id = base64.b64encode(b"p=abc").decode()
    assert client.get(url("api-children", cursor=garbled_id)).status_code == 400


BAD_CURSOR = {"cursor": ["This is not a cursor this list gave. Start again from the first page."]}


def many_children(person, n: int) -> None:
    for i in range(n):
        create_child_and_case(
            person, child_fields={"first_name": f"Child{i:03d}", "last_name": "Many"},
            aliases=[f"Alias{i}"], concern="",
        )  # fmt: skip


LISTS = ["/api/v1/cases/", "/api/v1/children/", "/api/v1/children/?search=many"]


def test_lists_take_the_same_few_queries_whatever_their_size(
    sign_in, people, django_assert_max_num_queries
):
    client = sign_in("mash.manager")
    many_children(people["social.worker"], 3)
    few = {path: count_queries(client, path, django_assert_max_num_queries) for path in LISTS}
    many_children(people["social.worker"], 300)
    for path in LISTS:
        with django_assert_max_num_queries(few[path]):
            response = client.get(path)
        assert len(response.json()["results"]) == 25
        assert response.json()["next"]
    assert max(few.values()) <= 11, few


# --- the schema ----------------------------------------------------------------------------


@pytest.mark.usefixtures("api_rate")
def test_every_answer_of_a_walk_through_matches_the_schema(
    wsgi_app,  # noqa: F811 - the fuzz's fixture, imported above
    world,
    people,
    agencies,
    share,
):
    """Real successes and refusals, checked by schemathesis against the published schema."""
    share(world.case, "norfolk_police", "contribute")
    _, secret = create_token(people["social.worker"], "schema", 7)
    _, police = create_token(people["police.officer"], "schema", 7)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app, headers=bearer(secret))
    case_id = {"case_id": world.case.pk}

    def call(path, method, who=secret, **kwargs):
        response = (
            schema[path][method]
            .Case(**kwargs)
            .call_and_validate(checks=CHECKS, headers=bearer(who))
        )
        return response.status_code

    assert call("/api/v1/children/", "GET", query={"search": "amy"}) == 200
    assert call("/api/v1/children/", "POST", body=new_child(looked_after=True)) == 201
    assert call("/api/v1/children/", "POST", body=new_child(nhs_number=AMY_NHS)) == 409
    assert call("/api/v1/children/", "POST", body=new_child(first_name="")) == 400
    assert (
        call("/api/v1/children/{child_id}/", "GET", path_parameters={"child_id": world.child.pk})
        == 200
    )
    assert call("/api/v1/cases/", "GET") == 200
    # One open case per child and lead agency: the council has Amy's; the police open theirs.
    assert call("/api/v1/cases/", "POST", body={"child": world.child.pk}) == 409
    assert call("/api/v1/cases/", "POST", police, body={"child": world.child.pk}) == 201
    assert call("/api/v1/cases/{case_id}/", "GET", path_parameters=case_id) == 200
    entries = "/api/v1/cases/{case_id}/entries/"
    assert call(entries, "POST", path_parameters=case_id, body=entry()) == 201
    assert call(entries, "GET", path_parameters=case_id, query={"category": "concern"}) == 200
    note = world.case.entries.filter(category="concern").earliest("id")
    amend = entry(supersedes=note.pk, amendment_reason="Clearer")
    assert call(entries, "POST", path_parameters=case_id, body=amend) == 201
    assert call(entries, "POST", path_parameters=case_id, body=amend) == 400
    screenings = "/api/v1/cases/{case_id}/screenings/"
    assert call(screenings, "POST", path_parameters=case_id, body={"indicators": ["online"]}) == 410
    assert call(screenings, "GET", path_parameters=case_id) == 200
    assessments = "/api/v1/cases/{case_id}/assessments/"
    judged = {"harm": ["online"], "analysis": "Images asked for.", "level": "medium",
              "rationale": "Grooming online.", "review_by": (dt.date.today()
              + dt.timedelta(days=30)).isoformat()}  # fmt: skip
    assert call(assessments, "POST", path_parameters=case_id, body=judged) == 201
    assert call(assessments, "POST", path_parameters=case_id, body={**judged, "level": "x"}) == 400
    assert call(assessments, "GET", path_parameters=case_id) == 200
    parts = "/api/v1/cases/{case_id}/assessment-contributions/"
    assert call(parts, "POST", path_parameters=case_id, body={"analysis": "Seen."}) == 201
    assert call(parts, "GET", path_parameters=case_id) == 200
    shares = "/api/v1/cases/{case_id}/shares/"
    give = {"agency": agencies["norfolk_hospital"].pk, "level": "view",
            "lawful_basis": "gdpr_6e_9g", "purpose": "Attendance"}  # fmt: skip
    assert call(shares, "POST", path_parameters=case_id, body=give) == 201
    assert call(shares, "GET", path_parameters=case_id) == 200
    share_id = {"share_id": world.police_share.pk}
    assert (
        call("/api/v1/shares/{share_id}/acknowledge/", "POST", police, path_parameters=share_id)
        == 200
    )
    assert call("/api/v1/shares/{share_id}/revoke/", "POST", path_parameters=share_id) == 200
    lead = {"share_id": Share.objects.get(case=world.case, level="manage").pk}
    assert call("/api/v1/shares/{share_id}/revoke/", "POST", path_parameters=lead) == 409
    glass = "/api/v1/cases/{case_id}/emergency-access/"
    _, nurse = create_token(people["suffolk.officer"], "schema", 7)
    assert call(glass, "POST", nurse, path_parameters=case_id, body=REASON) == 201
    assert call(glass, "POST", path_parameters=case_id, body=REASON) == 409
    assert (
        call(
            "/api/v1/cases/{case_id}/close/",
            "POST",
            path_parameters=case_id,
            body={"reason": "Done"},
        )
        == 200
    )
    assert (
        call(
            "/api/v1/cases/{case_id}/close/",
            "POST",
            path_parameters=case_id,
            body={"reason": "Done"},
        )
        == 409
    )
    assert (
        call("/api/v1/cases/{case_id}/", "GET", nurse, path_parameters={"case_id": 10**15}) == 404
    )


def test_cases_are_found_by_reference_and_a_case_one_may_not_see_is_an_empty_list(
    open_case_for, people
):
    """Issue 23: a partner system holding a case reference finds its id; for a case the
    person may not see the answer is the same as for one that does not exist."""
    from rest_framework.test import APIClient

    from people.tokens import create_token

    mine = open_case_for("social.worker", first_name="Refa", last_name="Rence")
    theirs = open_case_for("suffolk.officer", first_name="Other", last_name="Child")

    def listed(username, reference):
        _, secret = create_token(people[username], "by reference", 1)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        answer = client.get("/api/v1/cases/", {"reference": reference})
        assert answer.status_code == 200
        return [row["id"] for row in answer.json()["results"]]

    assert listed("social.worker", mine.reference) == [mine.pk]
    assert listed("social.worker", f" {mine.reference.lower()} ") == [mine.pk]
    assert listed("social.worker", theirs.reference) == []
    assert listed("social.worker", "CSE-1999-000001") == []


def test_a_201_says_where_the_created_child_is_even_when_replayed(people):
    """Location on a 201 (issue 23) for what has an address of its own (a child here; a
    case and a MASH contact alike, through cases.http.location); a replay of the same
    Idempotency-Key answers the same Location."""
    from rest_framework.test import APIClient

    from people.tokens import create_token

    _, secret = create_token(people["social.worker"], "location", 1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    body = {"first_name": "Lokasha", "last_name": "Whereabout"}
    made = client.post("/api/v1/children/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert made.status_code == 201, made.content
    child_id = made.json()["child"]["id"]
    assert made["Location"] == f"http://testserver/api/v1/children/{child_id}/"
    assert client.get(made["Location"]).status_code == 200
    again = client.post("/api/v1/children/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == made["Location"]


def test_a_case_read_carries_an_etag_that_answers_304_and_is_still_audited(sign_in, world, people):
    """ETag on case and child reads (issue 23): a strong hash of what this person was
    served; If-None-Match with it answers 304, recorded as a read all the same; it changes
    when what they may see changes."""
    from audit.models import Event

    client = sign_in("social.worker")
    first = client.get(url("api-case", world.case.pk))
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")
    reads = Event.objects.filter(action="case_viewed", target_id=str(world.case.pk)).count()
    same = client.get(url("api-case", world.case.pk), HTTP_IF_NONE_MATCH=tag)
    assert same.status_code == 304 and same.content == b"" and same["ETag"] == tag
    assert Event.objects.filter(action="case_viewed", target_id=str(world.case.pk)).count() == (
        reads + 1
    )
    child = client.get(url("api-child", world.case.child_id))
    assert child.status_code == 200 and child["ETag"] != tag
    assert (
        client.get(
            url("api-child", world.case.child_id), HTTP_IF_NONE_MATCH=child["ETag"]
        ).status_code
        == 304
    )
    # Another person, who may do less with the case, is served another body: another tag.
    other = sign_in("police.officer").get(url("api-case", world.case.pk))
    assert other.status_code == 200 and other["ETag"] != tag
    # Someone who may not see the case learns nothing from a tag: 404 whatever they send.
    assert (
        sign_in("suffolk.officer")
        .get(url("api-case", world.case.pk), HTTP_IF_NONE_MATCH=tag)
        .status_code
        == 404
    )


def test_closing_with_a_stale_if_match_is_refused_412_and_a_fresh_one_closes(sign_in, world):
    """If-Match (optional) on closing a case (issue 23): a version the person would not be
    served now answers 412 and closes nothing; the current one closes; without the header
    it closes as before. Visibility first: 404 for a case one may not see, whatever sent."""
    client = sign_in("social.worker")
    read = client.get(url("api-case", world.case.pk))
    close = url("api-case-close", world.case.pk)
    body = {"reason": "Risk reduced; multi-agency agreement"}
    stale = client.post(close, body, content_type="application/json", HTTP_IF_MATCH='"0000"')
    assert stale.status_code == 412, stale.content
    assert client.get(url("api-case", world.case.pk)).json()["status"] == "open"
    assert (
        sign_in("suffolk.officer")
        .post(close, body, content_type="application/json", HTTP_IF_MATCH=read["ETag"])
        .status_code
        == 404
    )
    client = sign_in("social.worker")
    fresh = client.post(close, body, content_type="application/json", HTTP_IF_MATCH=read["ETag"])
    assert fresh.status_code == 200, fresh.content
    assert fresh.json()["status"] == "closed"
