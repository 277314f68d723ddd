"""The case API: children, cases, the chronology, screenings, shares and break-glass access.

The world most tests start from: social.worker (Norfolk children's services) has opened a
case for Amy, and shared it `view` with Norfolk Constabulary. Suffolk police and the
hospital have nothing.
"""

import base64
import datetime as dt
import json
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import schemathesis
from django.conf import settings
from django.db.models import Max
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Case, Child, Entry
from cases.services import add_entry, create_child_and_case
from people.tokens import create_token
from sharing.models import EmergencyAccess, Share
from tests.conftest import events

# The fuzz's checks and fixtures (Django's WSGI handler; a rate limit a walk-through fits in).
from tests.project.test_api_fuzz import CHECKS, SCHEMA_URL, api_rate, bearer, wsgi_app  # noqa: F401

pytestmark = pytest.mark.django_db


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


NOT_FOUND = {"detail": "No such case"}


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
        ({"nhs_number": "943\x00"}, "nhs_number", "Null characters are not allowed"),
    ],
)
def test_search_terms_are_checked(sign_in, world, query, field, message):
    response = sign_in("social.worker").get(url("api-children", **query))
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not events(Action.SEARCH)


def test_a_term_given_twice_is_refused(sign_in, world):
    response = sign_in("social.worker").get("/api/v1/children/?search=amy&search=bob")
    assert response.status_code == 400
    assert response.json() == {"search": ["Give this once."]}


# --- children: recording -------------------------------------------------------------------


def new_child(**fields) -> dict:
    return {"first_name": "Bea", "last_name": "Newcombe", "date_of_birth": "2011-02-03"} | fields


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
        ({"gender": "unknown"}, "gender", "is not a valid choice"),
        ({"looked_after": "yes"}, "looked_after", "Must be a valid boolean"),
        ({"aliases": ["ok", ""]}, "aliases", "may not be blank"),
        ({"aliases": ["a"] * 11}, "aliases", "no more than 10 elements"),
        ({"responsible_authority": "1"}, "responsible_authority", "A valid integer"),
    ],
)
def test_recording_a_child_explains_what_is_wrong(sign_in, fields, field, message):
    response = post(sign_in("social.worker"), url("api-children"), new_child(**fields))
    assert response.status_code == 400
    assert message in str(response.json()[field]), response.json()
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
    assert police.json() == {"responsible_authority": ["Choose a children's services agency."]}
    not_looked_after = post(
        client,
        url("api-children"),
        new_child(responsible_authority=agencies["suffolk_childrens"].pk),
    )
    assert "only for a looked-after child" in not_looked_after.json()["responsible_authority"][0]
    assert not Child.objects.exists()


def test_a_possible_duplicate_you_can_see_is_shown_until_you_confirm(sign_in, world):
    client = sign_in("social.worker")
    same = new_child(first_name="amy", last_name="EXAMPLE", date_of_birth="2010-05-01")
    with recorded() as written:
        response = post(client, url("api-children"), same)
    assert response.status_code == 409
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
    assert response.status_code == 409
    body = response.json()
    assert body["duplicates"] == []
    assert body["hidden_matches"] == 1
    # Nothing but that count. Not searched for in the count itself: the child's id may be 1
    # too (the first child in a fresh test database, as on a new pytest-xdist process).
    assert set(body) == {"detail", "duplicates", "hidden_matches"}
    rest = json.dumps({key: value for key, value in body.items() if key != "hidden_matches"})
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
    assert response.status_code == 409
    assert "already recorded" in response.json()["detail"]
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
    assert response.status_code == 409
    assert response.json()["duplicates"][0]["child"] == world.child.pk
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
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "No such child"}
    assert not events(Action.CASE_VIEWED)


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
    assert actions(written) == [Action.SHARED, Action.ENTRY_ADDED, Action.CASE_OPENED]

    outsider = sign_in("suffolk.officer")
    hidden = post(outsider, url("api-cases"), {"child": world.child.pk})
    missing = post(outsider, url("api-cases"), {"child": world.child.pk + 1000})
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"detail": "No such child"}
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
        assert hidden.status_code == missing.status_code == 404, name
        assert hidden.json() == missing.json() == NOT_FOUND
        assert "Amy" not in hidden.content.decode()
    assert not events(Action.CASE_VIEWED)


def test_an_id_too_large_for_any_row_is_not_found(sign_in):
    client, huge = sign_in("social.worker"), 10**30
    for name in ["api-case", "api-child", "api-case-entries", "api-case-shares"]:
        assert client.get(url(name, huge)).status_code == 404, name
    for name in ["api-share-revoke", "api-share-acknowledge"]:
        assert post(client, url(name, huge)).status_code == 404, name
    glass = post(client, url("api-case-emergency-access", huge), REASON)
    assert glass.json() == NOT_FOUND
    too_big = post(client, url("api-cases"), {"child": 2**64})
    assert too_big.json() == {
        "child": ["Ensure this value is less than or equal to 9223372036854775807."]
    }


def test_a_manager_closes_a_case_once(sign_in, world):
    client = sign_in("mash.manager")
    assert post(client, url("api-case-close", world.case.pk)).json() == {
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
    assert again.status_code == 409
    assert again.json() == {"detail": "This case is already closed."}
    viewer = post(sign_in("police.officer"), url("api-case-close", world.case.pk), {"reason": "x"})
    assert viewer.status_code == 404


# --- the chronology ------------------------------------------------------------------------


@pytest.fixture
def chronology(world, people, share):
    """Entries from two agencies, one of them restricted to the police."""
    share(world.case, "norfolk_police", "contribute")
    when = timezone.now() - dt.timedelta(days=3)
    police = add_entry(
        people["police.officer"], world.case, category="intelligence",
        occurred_at=when, text="Vehicle seen twice", restricted=True,
    )  # fmt: skip
    note = add_entry(
        people["social.worker"], world.case, category="note",
        occurred_at=when - dt.timedelta(days=1), text="Home visit", restricted=False,
    )  # fmt: skip
    return SimpleNamespace(police=police, note=note)


def test_the_chronology_shows_every_agency_but_not_others_restricted_entries(
    sign_in, world, chronology
):
    client = sign_in("social.worker")
    with recorded() as written:
        social = client.get(url("api-case-entries", world.case.pk))
    assert chronology.police.pk not in ids(social)
    assert chronology.note.pk in ids(social)
    assert actions(written) == [Action.CASE_VIEWED]
    lead = Share.objects.get(case=world.case, level="manage")
    assert written[0].detail == {
        "view": "chronology",
        "entries": ids(social),
        **{"via": "share", "share": lead.pk, "level": "manage"},
    }

    police = sign_in("police.officer").get(url("api-case-entries", world.case.pk))
    seen = {row["id"]: row for row in results(police)}
    assert seen[chronology.police.pk]["restricted"] is True
    assert seen[chronology.police.pk]["agency"] == {
        "id": chronology.police.agency_id,
        "name": "Norfolk Constabulary",
        "kind": "police",
    }
    assert seen[chronology.police.pk]["recorded_by"] == "Dana Wells"
    assert seen[chronology.note.pk]["agency"]["kind"] == "social_care"
    # Newest first by when it happened.
    times = [row["occurred_at"] for row in results(police)]
    assert times == sorted(times, reverse=True)


def test_the_chronology_filters_by_agency_category_and_dates(sign_in, world, chronology, agencies):
    client = sign_in("police.officer")
    entries = url("api-case-entries", world.case.pk)
    police = client.get(f"{entries}?agency={agencies['norfolk_police'].pk}")
    assert ids(police) == [chronology.police.pk]
    assert ids(client.get(f"{entries}?category=note")) == [chronology.note.pk]
    day = chronology.note.occurred_at.astimezone(timezone.get_current_timezone()).date()
    between = client.get(f"{entries}?occurred_from={day}&occurred_to={day}")
    assert ids(between) == [chronology.note.pk]
    assert client.get(f"{entries}?occurred_from=yesterday").json() == {
        "occurred_from": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
    }
    assert client.get(f"{entries}?category=gossip").status_code == 400
    assert client.get(f"{entries}?agency=one").status_code == 400


def entry(**fields) -> dict:
    when = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    return {"category": "concern", "occurred_at": when, "text": "Came home late"} | fields


def test_a_contributor_records_an_entry(sign_in, world):
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), entry(restricted=True))
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["restricted"] is True
    assert made["agency"]["kind"] == "social_care"
    assert (made["supersedes"], made["superseded_by"]) == (None, None)
    assert actions(written) == [Action.ENTRY_ADDED]
    assert written[0].detail == {"entry": made["id"], "category": "concern", "restricted": True}
    # A restricted entry is the recording agency's alone.
    police = sign_in("police.officer").get(url("api-case-entries", world.case.pk))
    assert made["id"] not in ids(police)


def test_a_viewer_cannot_record_until_given_contribute(sign_in, world, share):
    refused = post(sign_in("police.officer"), url("api-case-entries", world.case.pk), entry())
    assert refused.status_code == 404
    assert refused.json() == NOT_FOUND
    share(world.case, "norfolk_police", "contribute")
    allowed = post(sign_in("police.officer"), url("api-case-entries", world.case.pk), entry())
    assert allowed.status_code == 201


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"occurred_at": "2999-01-01T00:00:00Z"}, "occurred_at", "not in the future"),
        ({"occurred_at": "last week"}, "occurred_at", "Datetime has wrong format"),
        ({"category": "case_opened"}, "category", "is not a valid choice"),
        ({"text": "x" * 5001}, "text", "no more than 5000 characters"),
        ({"text": " \n "}, "text", "not only spaces"),
        ({"restricted": 1}, "restricted", "Must be a valid boolean"),
        ({"supersedes": 5}, "amendment_reason", "Give the reason for the amendment"),
        ({"amendment_reason": "Typo"}, "amendment_reason", "only when amending"),
    ],
)
def test_an_entry_is_checked(sign_in, world, fields, field, message):
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), entry(**fields))
    assert response.status_code == 400
    assert message in str(response.json()[field]), response.json()
    assert written == []


def test_an_amendment_is_a_new_entry_and_the_original_stays(sign_in, world, chronology):
    client = sign_in("social.worker")
    amend = entry(
        category="note", text="Home visit, mother present", supersedes=chronology.note.pk,
        amendment_reason="Left out who was there", restricted=True,
    )  # fmt: skip
    with recorded() as written:
        response = post(client, url("api-case-entries", world.case.pk), amend)
    assert response.status_code == 201, response.content
    amendment = response.json()
    assert amendment["supersedes"] == chronology.note.pk
    assert amendment["restricted"] is False  # as the original: seen by whoever saw it
    assert amendment["amendment_reason"] == "Left out who was there"
    assert actions(written) == [Action.ENTRY_AMENDED]
    listed = {row["id"]: row for row in results(client.get(url("api-case-entries", world.case.pk)))}
    assert listed[chronology.note.pk]["superseded_by"] == amendment["id"]
    assert listed[chronology.note.pk]["text"] == "Home visit"

    again = post(client, url("api-case-entries", world.case.pk), amend)
    assert again.status_code == 400
    assert again.json() == {
        "supersedes": ["This entry has already been amended. Amend the newest version."]
    }


def test_only_the_recording_agency_amends_and_only_entries_it_may_see(
    sign_in, world, chronology, people
):
    opened = world.case.entries.get(category="concern")
    police = sign_in("police.officer")
    theirs = entry(supersedes=opened.pk, amendment_reason="Wrong")
    response = post(police, url("api-case-entries", world.case.pk), theirs)
    assert response.status_code == 400
    assert response.json() == {
        "supersedes": ["Only the agency that recorded an entry can amend it."]
    }
    # The police's restricted entry does not exist for social.worker, nor does another case's.
    social = sign_in("social.worker")
    hidden = entry(supersedes=chronology.police.pk, amendment_reason="Wrong")
    assert post(social, url("api-case-entries", world.case.pk), hidden).json() == {
        "detail": "No such entry"
    }
    service_made = world.case.entries.get(category="case_opened")
    made = entry(supersedes=service_made.pk, amendment_reason="Wrong")
    assert post(social, url("api-case-entries", world.case.pk), made).status_code == 400
    assert not events(Action.ENTRY_AMENDED)


# --- screenings ----------------------------------------------------------------------------


def test_a_screening_sets_the_risk_level_and_is_kept_as_history(sign_in, world):
    client = sign_in("social.worker")
    screenings = url("api-case-screenings", world.case.pk)
    with recorded() as written:
        first = post(client, screenings, {"indicators": ["missing"], "notes": "First look"})
    assert first.status_code == 201, first.content
    assert first.json()["risk_level"] == "low"
    assert actions(written) == [Action.SCREENING_RECORDED]
    heavy = ["older_partner", "money_or_gifts", "missing", "missing"]
    second = post(client, screenings, {"indicators": heavy})
    assert second.json()["risk_level"] == "high"
    assert second.json()["indicators"] == ["missing", "money_or_gifts", "older_partner"]
    assert client.get(url("api-case", world.case.pk)).json()["risk_level"] == "high"

    client = sign_in("police.officer")
    with recorded() as written:
        history = client.get(screenings)
    assert ids(history) == [second.json()["id"], first.json()["id"]]
    assert results(history)[0]["agency"]["kind"] == "social_care"
    assert actions(written) == [Action.CASE_VIEWED]
    assert written[0].detail["view"] == "screenings"


def test_a_screening_is_checked_and_needs_contribute(sign_in, world):
    screenings = url("api-case-screenings", world.case.pk)
    wrong = post(sign_in("social.worker"), screenings, {"indicators": ["tattoos"]})
    assert wrong.status_code == 400
    assert "is not a valid choice" in str(wrong.json()["indicators"])
    assert post(sign_in("social.worker"), screenings, {}).json() == {
        "indicators": ["This field is required."]
    }
    assert post(sign_in("police.officer"), screenings, {"indicators": []}).status_code == 404


# --- shares --------------------------------------------------------------------------------


def test_a_manager_sees_every_share_and_others_only_their_own(sign_in, world, share):
    health = share(world.case, "norfolk_hospital", "contribute")
    client = sign_in("social.worker")
    with recorded() as written:
        managed = client.get(url("api-case-shares", world.case.pk))
    lead = Share.objects.get(case=world.case, level="manage")
    assert ids(managed) == [health.pk, world.police_share.pk, lead.pk]
    assert actions(written) == [Action.CASE_VIEWED]
    assert written[0].detail == {
        "view": "shares",
        "shares": ids(managed),
        **{"via": "share", "share": lead.pk, "level": "manage"},
    }
    police = sign_in("police.officer").get(url("api-case-shares", world.case.pk))
    assert ids(police) == [world.police_share.pk]
    row = results(police)[0]
    assert (row["level"], row["lawful_basis"], row["active"]) == ("view", "ca1989_s47", True)
    assert row["shared_by"] == "Jo Fletcher"
    assert row["acknowledged_by"] is None


def test_sharing_gives_another_agency_access_at_once(sign_in, world, agencies):
    assert sign_in("health.nurse").get(url("api-case", world.case.pk)).status_code == 404
    body = {
        "agency": agencies["norfolk_hospital"].pk,
        "level": "contribute",
        "lawful_basis": "ca2004_s11",
        "purpose": "Sexual health follow-up",
    }
    client = sign_in("social.worker")
    with recorded() as written:
        response = post(client, url("api-case-shares", world.case.pk), body)
    assert response.status_code == 201, response.content
    assert response.json()["agency"]["name"].startswith("Norfolk and Norwich")
    assert actions(written) == [Action.SHARED]
    nurse = sign_in("health.nurse")
    assert nurse.get(url("api-case", world.case.pk)).json()["access"] == ["view", "contribute"]
    assert post(nurse, url("api-case-entries", world.case.pk), entry()).status_code == 201


def test_a_share_is_checked_and_needs_manage(sign_in, world, agencies):
    client = sign_in("social.worker")
    shares = url("api-case-shares", world.case.pk)
    body = {"level": "view", "lawful_basis": "ca2004_s11", "purpose": "Strategy"}
    own = post(client, shares, body | {"agency": agencies["norfolk_childrens"].pk})
    assert own.json() == {"agency": ["Your agency already manages this case."]}
    unknown = post(client, shares, body | {"agency": 999_999})
    assert unknown.json() == {"agency": ["No such agency."]}
    bad = post(client, shares, body | {"agency": agencies["suffolk_police"].pk, "level": "all"})
    assert "is not a valid choice" in str(bad.json()["level"])
    police = post(sign_in("police.mash"), shares, body | {"agency": agencies["suffolk_police"].pk})
    assert police.status_code == 404
    assert Share.objects.filter(case=world.case).count() == 2


def test_the_receiving_agency_acknowledges_a_share(sign_in, world, people):
    acknowledge = url("api-share-acknowledge", world.police_share.pk)
    for someone_else in ["social.worker", "suffolk.officer", "health.nurse"]:
        refused = post(sign_in(someone_else), acknowledge)
        assert refused.status_code == 404
        assert refused.json() == {"detail": "No such share"}
    client = sign_in("police.mash")
    with recorded() as written:
        response = post(client, acknowledge)
    assert response.status_code == 200
    assert response.json()["acknowledged_by"] == str(people["police.mash"])
    assert actions(written) == [Action.SHARE_ACKNOWLEDGED]
    assert world.case.entries.filter(category="share_acknowledged").count() == 1
    # Again is harmless, and records nothing new.
    client = sign_in("police.officer")
    with recorded() as written:
        assert post(client, acknowledge).status_code == 200
    assert actions(written) == []


def test_revoking_a_share_ends_access_at_once(sign_in, world):
    police = sign_in("police.officer")
    assert police.get(url("api-case", world.case.pk)).status_code == 200
    assert post(police, url("api-share-revoke", world.police_share.pk)).json() == {
        "detail": "No such share"
    }
    client = sign_in("mash.manager")
    with recorded() as written:
        response = post(client, url("api-share-revoke", world.police_share.pk))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert response.json()["revoked_by"] == "Morgan Hale"
    assert actions(written) == [Action.SHARE_REVOKED]
    police = sign_in("police.officer")
    for name in ["api-case", "api-case-entries", "api-case-screenings", "api-case-shares"]:
        assert police.get(url(name, world.case.pk)).status_code == 404, name
    assert ids(police.get(url("api-cases"))) == []
    assert ids(police.get(url("api-children", search="amy"))) == []
    acknowledge = post(police, url("api-share-acknowledge", world.police_share.pk))
    assert acknowledge.status_code == 404


def test_the_lead_agencys_own_share_cannot_be_revoked(sign_in, world):
    lead = Share.objects.get(case=world.case, level="manage")
    response = post(sign_in("social.worker"), url("api-share-revoke", lead.pk))
    assert response.status_code == 409
    assert "no manager" in response.json()["detail"]
    assert Share.objects.get(pk=lead.pk).revoked_at is None


def test_a_share_that_does_not_exist_is_not_found(sign_in, world):
    client = sign_in("social.worker")
    for name in ["api-share-acknowledge", "api-share-revoke"]:
        assert post(client, url(name, 999_999)).json() == {"detail": "No such share"}


# --- emergency access ----------------------------------------------------------------------

REASON = {"reason": "Child found at 2am, police need history before interview"}


def test_break_glass_gives_one_person_a_few_hours_of_reading(sign_in, world, people):
    client = sign_in("suffolk.officer")
    with recorded() as written:
        response = post(client, url("api-case-emergency-access", world.case.pk), REASON)
    assert response.status_code == 201, response.content
    granted = response.json()
    assert granted["case"] == world.case.pk
    assert granted["reference"] == world.case.reference
    hours = settings.EMERGENCY_ACCESS_HOURS
    expires = dt.datetime.fromisoformat(granted["expires_at"])
    assert dt.timedelta(hours=hours - 1) < expires - timezone.now() <= dt.timedelta(hours=hours)
    assert actions(written) == [Action.EMERGENCY_ACCESS]
    assert written[0].detail["hours"] == hours

    assert client.get(url("api-case", world.case.pk)).json()["access"] == ["view"]
    assert client.get(url("api-case-entries", world.case.pk)).status_code == 200
    # Reading only, and for that person only.
    assert post(client, url("api-case-entries", world.case.pk), entry()).status_code == 404
    assert post(client, url("api-case-close", world.case.pk), {"reason": "x"}).status_code == 404
    assert ids(client.get(url("api-case-shares", world.case.pk))) == []
    assert sign_in("police.officer").get(url("api-case", world.case.pk)).status_code == 200
    other_suffolk = Client()
    assert other_suffolk.get(url("api-case", world.case.pk)).status_code == 401
    # The managing agency sees it on the chronology.
    manager_view = results(sign_in("social.worker").get(url("api-case-entries", world.case.pk)))
    assert manager_view[0]["category"] == "emergency_access"
    assert "Robin Marsh" in manager_view[0]["text"]


def test_break_glass_ends_when_it_expires(sign_in, world):
    client = sign_in("suffolk.officer")
    post(client, url("api-case-emergency-access", world.case.pk), REASON)
    EmergencyAccess.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(url("api-case", world.case.pk)).status_code == 404


def test_break_glass_needs_a_reason_before_saying_anything_about_the_case(sign_in, world):
    client = sign_in("health.nurse")
    for case_id in [world.case.pk, world.case.pk + 1000]:
        response = post(client, url("api-case-emergency-access", case_id), {"reason": "Urgent"})
        assert response.status_code == 400
        assert response.json() == {
            "reason": [
                "Ensure this field has at least 20 characters.",
                "Give the reason in at least 20 characters.",
            ]
        }
    padded = post(
        client,
        url("api-case-emergency-access", world.case.pk),
        {"reason": " " * 15 + "Too short" + " " * 15},
    )
    assert padded.status_code == 400
    missing = post(client, url("api-case-emergency-access", world.case.pk + 1000), REASON)
    assert missing.json() == NOT_FOUND
    assert not EmergencyAccess.objects.exists()


def test_break_glass_is_refused_to_someone_who_can_already_see_the_case(sign_in, world):
    response = post(
        sign_in("police.officer"), url("api-case-emergency-access", world.case.pk), REASON
    )
    assert response.status_code == 409
    assert "already see" in response.json()["detail"]
    assert not EmergencyAccess.objects.exists()
    assert not events(Action.EMERGENCY_ACCESS)


# --- paging and queries --------------------------------------------------------------------


def test_the_chronology_is_cursor_paged_25_at_a_time(sign_in, world, people):
    start = timezone.now() - dt.timedelta(days=100)
    Entry.objects.bulk_create(
        Entry(case=world.case, category="note", occurred_at=start + dt.timedelta(hours=i),
              recorded_by=people["social.worker"], agency=people["social.worker"].agency,
              text=f"Note {i}")
        for i in range(57)
    )  # fmt: skip
    client = sign_in("social.worker")
    expected = list(
        Entry.objects.filter(case=world.case)
        .order_by("-occurred_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 60  # with the opening, the concern and the police share
    seen, pages, link = [], [], url("api-case-entries", world.case.pk)
    while link:
        page = client.get(link).json()
        pages.append(len(page["results"]))
        seen += [row["id"] for row in page["results"]]
        link = page["next"]
    assert pages == [25, 25, 10]
    assert seen == expected
    cursor = parse_qs(
        urlsplit(client.get(url("api-case-entries", world.case.pk)).json()["next"]).query
    )
    assert set(cursor) == {"cursor"}
    second = client.get(url("api-case-entries", world.case.pk, cursor=cursor["cursor"][0])).json()
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == expected[:25]
    assert len(events(Action.CASE_VIEWED)) == 6  # one a page asked for


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        base64.b64encode(b"p=yesterday").decode(),
        base64.b64encode(b"p=2024-01-01%00").decode(),
        base64.b64encode(b"o=-3").decode(),
    ],
)
def test_a_made_up_cursor_is_not_found(sign_in, world, cursor):
    client = sign_in("social.worker")
    for name in ["api-case-entries", "api-case-screenings", "api-case-shares"]:
        response = client.get(url(name, world.case.pk, cursor=cursor))
        assert response.status_code == 404, name
        assert response.json() == {"detail": "Invalid cursor"}
    response = client.get(url("api-cases", cursor=cursor))
    assert response.json() == {"detail": "Invalid cursor"}
    garbled_id = base64.b64encode(b"p=abc").decode()
    assert client.get(url("api-children", cursor=garbled_id)).status_code == 404


def many_children(person, n: int) -> None:
    for i in range(n):
        create_child_and_case(
            person, child_fields={"first_name": f"Child{i:03d}", "last_name": "Many"},
            aliases=[f"Alias{i}"], concern="",
        )  # fmt: skip


def count_queries(client, path, django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


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


def test_the_chronology_takes_the_same_few_queries_whatever_its_length(
    sign_in, world, people, django_assert_max_num_queries
):
    client = sign_in("police.officer")
    path = url("api-case-entries", world.case.pk)
    few = count_queries(client, path, django_assert_max_num_queries)
    officer, worker, now = people["police.officer"], people["social.worker"], timezone.now()
    Entry.objects.bulk_create(
        Entry(case=world.case, category="note", occurred_at=now - dt.timedelta(minutes=i),
              recorded_by=who, agency=who.agency, text=f"Note {i}", restricted=i % 3 == 0)
        for i in range(300) for who in [officer if i % 2 else worker]
    )  # fmt: skip
    with django_assert_max_num_queries(few):
        assert len(results(client.get(path))) == 25
    assert few <= 11, few


# --- tokens --------------------------------------------------------------------------------


def test_a_token_reads_and_writes_cases_as_its_person(world, people, share):
    share(world.case, "norfolk_police", "contribute")
    token, secret = create_token(people["police.officer"], "Force system", 7)
    api = Client()
    with recorded() as written:
        read = api.get(
            url("api-case-entries", world.case.pk), **{"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        )
    assert read.status_code == 200
    assert actions(written) == [Action.API_REQUEST, Action.CASE_VIEWED]
    assert written[0].target_id == str(token.pk)
    with recorded() as written:
        made = api.post(
            url("api-case-entries", world.case.pk), entry(category="intelligence"),
            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}",
        )  # fmt: skip
    assert made.status_code == 201
    assert made.json()["agency"]["name"] == "Norfolk Constabulary"
    assert actions(written) == [Action.API_REQUEST, Action.ENTRY_ADDED]
    suffolk_token = create_token(people["suffolk.officer"], "Suffolk", 7)[1]
    hidden = api.get(url("api-case", world.case.pk), HTTP_AUTHORIZATION=f"Bearer {suffolk_token}")
    assert hidden.status_code == 404


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
    assert call("/api/v1/cases/", "POST", body={"child": world.child.pk}) == 201
    assert call("/api/v1/cases/{case_id}/", "GET", path_parameters=case_id) == 200
    entries = "/api/v1/cases/{case_id}/entries/"
    assert call(entries, "POST", path_parameters=case_id, body=entry()) == 201
    assert call(entries, "GET", path_parameters=case_id, query={"category": "concern"}) == 200
    note = world.case.entries.filter(category="concern").earliest("id")
    amend = entry(supersedes=note.pk, amendment_reason="Clearer")
    assert call(entries, "POST", path_parameters=case_id, body=amend) == 201
    assert call(entries, "POST", path_parameters=case_id, body=amend) == 400
    screenings = "/api/v1/cases/{case_id}/screenings/"
    assert call(screenings, "POST", path_parameters=case_id, body={"indicators": ["online"]}) == 201
    assert call(screenings, "GET", path_parameters=case_id) == 200
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
