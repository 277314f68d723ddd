"""The case API for children: searching for them, recording a child (which opens a case)
and reading one child.

The world most tests start from (the `world` fixture, tests/cases/api_helpers.py):
social.worker (Norfolk children's services) has opened a case for Amy, and shared it `view`
with Norfolk Constabulary. Suffolk police and the hospital have nothing.
"""

import datetime as dt
import json

import pytest

from audit.models import Action
from cases.models import Case, Child
from safeguarding import problems
from tests.cases.api_helpers import (
    AMY_NHS,
    actions,
    ids,
    new_child,
    nhs_number,
    post,
    recorded,
    results,
    url,
)
from tests.conftest import events
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db


# --- children: search ----------------------------------------------------------------------


def test_search_matches_part_of_a_name_or_alias_without_accents_or_case(sign_in, open_case_for):
    case = open_case_for(
        "social.worker", first_name="José", last_name="Álvarez", aliases=["Jay Bird"]
    )
    open_case_for("social.worker", first_name="Someone", last_name="Else")
    client = sign_in("social.worker")
    for term in ["jose", "ALVAR", "josé álvarez", "bird", "JAY"]:
        assert ids(client.get(url("api-children", search=term))) == [case.child_id], term
    found = results(client.get(url("api-children", search="alvarez")))[0]
    assert found["aliases"] == ["Jay Bird"]
    assert found["cases"] == [
        {
            "id": case.pk,
            "reference": case.reference,
            "status": "open",
            "risk_level": "not_screened",
            "lead_agency": {
                "id": case.lead_agency_id,
                "name": "Norfolk County Council Children's Services",
                "kind": "social_care",
            },
        }
    ]


def test_search_by_date_of_birth_and_nhs_number_together(sign_in, world, open_case_for):
    twin = open_case_for("social.worker", first_name="Ava", date_of_birth=dt.date(2010, 5, 1))
    client = sign_in("social.worker")
    same_day = client.get(url("api-children", date_of_birth="2010-05-01"))
    assert sorted(ids(same_day)) == sorted([world.child.pk, twin.child_id])
    spaced = f"{AMY_NHS[:3]} {AMY_NHS[3:6]} {AMY_NHS[6:]}"
    assert ids(client.get(url("api-children", nhs_number=spaced))) == [world.child.pk]
    both = url("api-children", date_of_birth="2010-05-01", search="ava")
    assert ids(client.get(both)) == [twin.child_id]


def test_search_shows_only_children_with_a_case_your_agency_may_see(sign_in, world):
    assert ids(sign_in("police.officer").get(url("api-children", search="amy"))) == [world.child.pk]
    for outsider in ["suffolk.officer", "health.nurse"]:
        assert ids(sign_in(outsider).get(url("api-children", search="amy"))) == []
        assert ids(sign_in(outsider).get(url("api-children", nhs_number=AMY_NHS))) == []


def test_a_search_is_audited_with_the_children_it_showed_never_the_terms(sign_in, world):
    client = sign_in("police.officer")
    with recorded() as written:
        client.get(url("api-children", search="Amy", date_of_birth="2010-05-01"))
    assert actions(written) == [Action.SEARCH]
    assert written[0].actor_username == "police.officer"
    assert written[0].target_type == "child"
    assert written[0].detail == {"terms": ["date_of_birth", "search"], "children": [world.child.pk]}
    assert "Amy" not in str(written[0].detail)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_of_birth": "1/5/2010"}, "date_of_birth", "Date has wrong format"),
        ({"search": "x" * 101}, "search", "no more than 100 characters"),
        ({"search": "   "}, "search", "not only spaces"),
        # Refused before the view (safeguarding.middleware): the problem shape's detail.
        ({"nhs_number": "943\x00"}, "detail", "text the service cannot store (a NUL byte"),
    ],
)
def test_search_terms_are_checked(sign_in, world, query, field, message):
    response = sign_in("social.worker").get(url("api-children", **query))
    if field == "detail":
        assert message in problem(response, 400)["detail"]
    else:
        assert message in str(errors(response)[field])
    assert not events(Action.SEARCH)


def test_a_term_given_twice_is_refused(sign_in, world):
    response = sign_in("social.worker").get("/api/v1/children/?search=amy&search=bob")
    assert errors(response) == {"search": ["Give this once."]}


# --- children: recording -------------------------------------------------------------------


def test_recording_a_child_opens_a_case_led_and_managed_by_your_agency(sign_in, people):
    client = sign_in("police.officer")
    body = new_child(
        aliases=[" Bee ", "B"],
        nhs_number=nhs_number(123456789),
        postcode="nr1 3qu",
        gender="female",
        concern="  Found at a party with adults  ",
    )
    with recorded() as written:
        response = post(client, url("api-children"), body)
    assert response.status_code == 201, response.content
    child, case = response.json()["child"], response.json()["case"]
    assert child["first_name"] == "Bea"
    assert child["aliases"] == ["B", "Bee"]
    assert child["postcode"] == "NR1 3QU"
    assert child["nhs_number"] == nhs_number(123456789)
    assert child["cases"][0]["id"] == case["id"]
    assert case["reference"].startswith("CSE-")
    assert case["lead_agency"]["name"] == "Norfolk Constabulary"
    assert actions(written) == [
        Action.CHILD_CREATED,
        Action.SHARED,
        Action.ENTRY_ADDED,
        Action.CASE_OPENED,
    ]
    opened = Case.objects.get(pk=case["id"])
    assert opened.entries.get(category="concern").text == "Found at a party with adults"
    detail = sign_in("police.officer").get(url("api-case", case["id"])).json()
    assert detail["access"] == ["view", "contribute", "manage"]
    assert detail["opened_by"] == str(people["police.officer"])


def test_a_looked_after_child_is_shared_with_the_responsible_authority(sign_in, agencies):
    body = new_child(looked_after=True, responsible_authority=agencies["norfolk_childrens"].pk)
    response = post(sign_in("health.nurse"), url("api-children"), body)
    assert response.status_code == 201, response.content
    assert response.json()["child"]["responsible_authority"]["kind"] == "social_care"
    case_id = response.json()["case"]["id"]
    assert sign_in("social.worker").get(url("api-case", case_id)).json()["access"] == ["view"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "may not be blank"),
        ({"first_name": "   "}, "first_name", "not only spaces"),
        ({"first_name": 7}, "first_name", "Not a valid string"),
        ({"last_name": "x" * 101}, "last_name", "no more than 100 characters"),
        ({"nhs_number": "943 476 5910"}, "nhs_number", "the check digit does not match"),
        ({"nhs_number": "94347"}, "nhs_number", "Enter an NHS number as 10 digits"),
        ({"postcode": "NOT A CODE"}, "postcode", "Enter a real postcode"),
        ({"date_of_birth": "2011-02-30"}, "date_of_birth", "Date has wrong format"),
        # DRF's own words would quote the value back: the schema's are given instead.
        ({"gender": "unknown"}, "gender", problems.ECHOING_CODES["invalid_choice"]),
        ({"looked_after": "yes"}, "looked_after", "Must be a valid boolean"),
        ({"aliases": ["ok", ""]}, "aliases", "may not be blank"),
        ({"aliases": ["a"] * 11}, "aliases", "no more than 10 elements"),
        ({"responsible_authority": "1"}, "responsible_authority", "A valid integer"),
    ],
)
def test_recording_a_child_explains_what_is_wrong(sign_in, fields, field, message):
    response = post(sign_in("social.worker"), url("api-children"), new_child(**fields))
    assert message in str(errors(response)[field]), response.json()
    if field == "gender":
        assert "unknown" not in response.content.decode()
    assert not Child.objects.exists()


def test_names_that_grow_when_made_searchable_are_still_recorded(sign_in):
    # "ﷺ" becomes 18 letters when made searchable: 200 of them once overflowed the column.
    body = new_child(first_name="\ufdfa" * 100, last_name="\ufdfa" * 100)
    response = post(sign_in("social.worker"), url("api-children"), body)
    assert response.status_code == 201
    assert len(Child.objects.get().search_text) > 2000


def test_the_responsible_authority_is_childrens_services_and_only_for_a_looked_after_child(
    sign_in, agencies
):
    client = sign_in("social.worker")
    police = post(
        client,
        url("api-children"),
        new_child(looked_after=True, responsible_authority=agencies["norfolk_police"].pk),
    )
    assert errors(police) == {"responsible_authority": ["Choose a children's services agency."]}
    not_looked_after = post(
        client,
        url("api-children"),
        new_child(responsible_authority=agencies["suffolk_childrens"].pk),
    )
    assert "only for a looked-after child" in errors(not_looked_after)["responsible_authority"][0]
    assert not Child.objects.exists()


def test_a_possible_duplicate_you_can_see_is_shown_until_you_confirm(sign_in, world):
    client = sign_in("social.worker")
    same = new_child(first_name="amy", last_name="EXAMPLE", date_of_birth="2010-05-01")
    with recorded() as written:
        response = post(client, url("api-children"), same)
    assert problem(response, 409)["type"] == problems.type_uri("duplicate-child")
    assert response.json()["duplicates"] == [
        {
            "child": world.child.pk,
            "reason": "the same name and date of birth",
            "cases": [world.case.pk],
        }
    ]
    assert response.json()["hidden_matches"] == 0
    assert "confirm_not_duplicate" in response.json()["detail"]
    assert actions(written) == [Action.DUPLICATE_WARNED]
    assert written[0].detail == {"children": [world.child.pk], "hidden": 0, "nhs_number": False}
    assert Child.objects.count() == 1

    confirmed = post(client, url("api-children"), same | {"confirm_not_duplicate": True})
    assert confirmed.status_code == 201
    assert Child.objects.count() == 2


def test_a_possible_duplicate_you_cannot_see_is_only_counted(sign_in, world):
    same = new_child(first_name="Amy", last_name="Example", date_of_birth="2010-05-01")
    response = post(sign_in("suffolk.officer"), url("api-children"), same)
    body = problem(response, 409)
    # Nothing but that count: the whole problem, its fixed members included.
    assert body == problems.body(
        409, body["detail"], kind="duplicate-child", duplicates=[], hidden_matches=1
    )
    # Not searched for in the count or the status: the child's id may be 1 too (the first
    # child in a fresh test database, as on a new pytest-xdist process), or 409's digits.
    rest = json.dumps({key: body[key] for key in ("detail", "duplicates")})
    for secret in [str(world.child.pk), world.case.reference, "Norfolk"]:
        assert secret not in rest
    confirmed = post(
        sign_in("suffolk.officer"), url("api-children"), same | {"confirm_not_duplicate": True}
    )
    assert confirmed.status_code == 201


@pytest.mark.parametrize("username", ["social.worker", "suffolk.officer"])
def test_an_nhs_number_already_recorded_is_refused_even_when_confirmed(sign_in, world, username):
    body = new_child(nhs_number=AMY_NHS, confirm_not_duplicate=True)
    response = post(sign_in(username), url("api-children"), body)
    assert "already recorded" in problem(response, 409)["detail"]
    assert response.json()["type"] == problems.type_uri("duplicate-child")
    seen = response.json()["duplicates"]
    if username == "social.worker":
        assert seen == [
            {"child": world.child.pk, "reason": "the same NHS number", "cases": [world.case.pk]}
        ]
    else:
        assert seen == []
        assert response.json()["hidden_matches"] == 1
    assert Child.objects.count() == 1
    assert events(Action.DUPLICATE_WARNED)[0].detail["nhs_number"] is True


def test_an_nhs_number_recorded_by_someone_else_a_moment_before_is_409_not_an_error(
    sign_in, world, monkeypatch
):
    """Two agencies record the same child at once: the database's unique NHS number decides."""
    from cases import api, services

    checks = iter([[], services.possible_duplicates])  # the first check runs before theirs

    def racing(person, **identity):
        check = next(checks)
        return check(person, **identity) if callable(check) else check

    monkeypatch.setattr(api, "possible_duplicates", racing)
    response = post(sign_in("social.worker"), url("api-children"), new_child(nhs_number=AMY_NHS))
    assert problem(response, 409)["duplicates"][0]["child"] == world.child.pk
    assert Child.objects.count() == 1


# --- children: one child -------------------------------------------------------------------


def test_a_child_is_shown_with_the_cases_you_may_see(sign_in, world):
    client = sign_in("police.officer")
    # The police open a case of their own for Amy: both show, to them.
    own = post(client, url("api-cases"), {"child": world.child.pk}).json()
    with recorded() as written:
        response = client.get(url("api-child", world.child.pk))
    assert response.status_code == 200
    assert response.json()["nhs_number"] == AMY_NHS
    assert sorted(c["id"] for c in response.json()["cases"]) == sorted([world.case.pk, own["id"]])
    assert actions(written) == [Action.CASE_VIEWED]
    assert (written[0].target_type, written[0].target_id) == ("child", str(world.child.pk))
    # social.worker's agency was not given the police case: only its own shows.
    mine = sign_in("social.worker").get(url("api-child", world.child.pk)).json()
    assert [c["id"] for c in mine["cases"]] == [world.case.pk]


def test_a_child_without_a_case_you_may_see_is_not_found(sign_in, world):
    client = sign_in("suffolk.officer")
    hidden = client.get(url("api-child", world.child.pk))
    missing = client.get(url("api-child", world.child.pk + 1000))
    assert problem(hidden, 404) == problem(missing, 404) == problems.body(404, "No such child")
    assert not events(Action.CASE_VIEWED)
