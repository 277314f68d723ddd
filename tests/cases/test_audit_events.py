"""Every page and API endpoint that reads or changes case data writes exactly its events.

The walk uses the permission matrices' own lists (CASE_PAGES, CASE_API), so a page or
endpoint added there without saying what it records fails here. For each: the first
person who may use it, and the first who may not. Each event must name the person (with
their agency as it was), the request it came from, and never copy what was written about
the child.
"""

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from people.models import Person
from tests.cases.page_helpers import run_search
from tests.cases.test_api_permissions import CASE_API, REASON, call
from tests.cases.test_pages_permissions import CASE_PAGES

pytestmark = pytest.mark.django_db

CONCERN = "Seen with older men at the bus station"
A = Action

# What a permitted use of each page records, by URL name.
PAGE_EVENTS = {
    "children": [],  # the search form, nothing searched yet
    "child-new": [],
    "cases": [A.CASE_LISTED],
    "shares": [A.CASE_LISTED],
    "emergency-access": [],
    "case": [A.CASE_VIEWED],
    "case-details": [A.CASE_VIEWED],
    "case-missing": [A.CASE_VIEWED],
    "case-print": [A.CASE_VIEWED, A.CHRONOLOGY_EXPORTED],
    "case-export": [A.CHRONOLOGY_EXPORTED],
    "case-journey": [A.CASE_VIEWED],
    "entry-new": [A.CASE_VIEWED],
    "entry-amend": [A.CASE_VIEWED],
    "screenings": [A.CASE_VIEWED],
    "assessments": [A.CASE_VIEWED],
    "assessment-new": [A.CASE_VIEWED],
    "assessment-contribute": [A.CASE_VIEWED],
    "assessment-agree": [A.ASSESSMENT_LEVEL_AGREED],
    "case-links": [A.CASE_VIEWED],
    "link-new": [A.CASE_VIEWED],
    "link-match": [A.LINK_MATCH_VIEWED],
    "meeting": [A.MEETING_VIEWED],
    "meeting-pack": [A.MEETING_PACK_MADE],
    "meeting-pack-pdf": [A.MEETING_PACK_MADE],
    "meeting-new": [A.CASE_VIEWED],
    "meeting-publish": [A.ENTRY_ADDED, A.MINUTES_PUBLISHED],
    "action-close": [A.MEETING_VIEWED],
    "case-share": [A.CASE_VIEWED],
    "case-close": [A.CASE_VIEWED],
    "share-revoke": [A.CASE_VIEWED],  # the confirmation page
    "share-acknowledge": [A.SHARE_ACKNOWLEDGED],
    "share-renew": [A.CASE_VIEWED],  # the form
    "placement-new": [A.CASE_VIEWED],
    "placement-end": [A.CASE_VIEWED],
    "missing-new": [A.CASE_VIEWED],
    "missing-returned": [A.CASE_VIEWED],
    "missing-regrade": [A.CASE_VIEWED],
    "return-interview": [A.CASE_VIEWED],
    # Every read of the profile, its photo and its form is a read of the profile.
    "missing-profile": [A.PROFILE_VIEWED],
    "missing-profile-photo": [A.PROFILE_VIEWED],
    "missing-profile-edit": [A.PROFILE_VIEWED, A.CASE_VIEWED],
    "missing-profile-photo-new": [A.CASE_VIEWED],
    "missing-profile-reviewed": [A.PROFILE_REVIEWED],
    "missing-profile-photo-remove": [A.CASE_VIEWED],
    "missing-profile-erase": [A.CASE_VIEWED],
}

# And by (method, URL name) for the API, through a signed-in session.
API_EVENTS = {
    ("get", "api-children"): [A.SEARCH],
    ("post", "api-children"): [A.CHILD_CREATED, A.SHARED, A.CASE_OPENED],
    ("get", "api-child"): [A.CASE_VIEWED],
    ("get", "api-cases"): [A.CASE_LISTED],
    ("post", "api-cases"): [A.SHARED, A.CASE_OPENED],
    ("get", "api-case"): [A.CASE_VIEWED],
    ("post", "api-case-close"): [A.CASE_CLOSED],
    ("get", "api-case-entries"): [A.CASE_VIEWED],
    ("get", "api-case-entry"): [A.CASE_VIEWED],
    ("post", "api-case-entries"): [A.ENTRY_ADDED],
    ("get", "api-case-screenings"): [A.CASE_VIEWED],
    ("get", "api-case-screening"): [A.CASE_VIEWED],
    ("get", "api-case-assessments"): [A.CASE_VIEWED],
    ("get", "api-case-assessment"): [A.CASE_VIEWED],
    ("post", "api-case-assessments"): [A.ASSESSMENT_RECORDED],
    ("post", "api-case-assessment-agree"): [A.ASSESSMENT_LEVEL_AGREED],
    ("get", "api-case-assessment-contributions"): [A.CASE_VIEWED],
    ("get", "api-case-assessment-contribution"): [A.CASE_VIEWED],
    ("post", "api-case-assessment-contributions"): [A.ASSESSMENT_CONTRIBUTED],
    ("get", "api-case-links"): [A.CASE_VIEWED],
    ("get", "api-case-link"): [A.CASE_VIEWED],
    ("post", "api-case-links"): [A.LINK_RECORDED],
    ("get", "api-link-match"): [A.LINK_MATCH_VIEWED],
    ("get", "api-meetings"): [A.MEETINGS_LISTED],
    ("post", "api-meetings"): [A.MEETING_SCHEDULED],
    ("get", "api-meeting"): [A.MEETING_VIEWED],
    ("post", "api-meeting-actions"): [A.ACTION_AGREED],
    ("get", "api-actions"): [A.ACTIONS_LISTED],
    ("get", "api-action"): [A.MEETING_VIEWED],
    ("post", "api-action-close"): [A.ACTION_CLOSED],
    ("get", "api-case-shares"): [A.CASE_VIEWED],
    ("get", "api-case-share"): [A.CASE_VIEWED],
    ("post", "api-case-shares"): [A.SHARED],
    ("post", "api-share-acknowledge"): [A.SHARE_ACKNOWLEDGED],
    ("post", "api-share-revoke"): [A.SHARE_REVOKED],
    ("post", "api-case-emergency-access"): [A.EMERGENCY_ACCESS],
    ("get", "api-case-emergency-access-item"): [A.CASE_VIEWED],  # by the one it was granted
    ("get", "api-case-placements"): [A.CASE_VIEWED],
    ("get", "api-case-placement"): [A.CASE_VIEWED],
    # Placed in Suffolk: its police force and children's services are given view at once.
    ("post", "api-case-placements"): [A.SHARED, A.SHARED, A.PLACEMENT_RECORDED],
    ("get", "api-case-missing-episodes"): [A.CASE_VIEWED],
    ("get", "api-case-missing-episode"): [A.CASE_VIEWED],
    # The hospital covering the area is told, so it is given view access to open the case.
    # Graded high, so a repeat-missing alert is raised too (tests/missing/test_repeat_missing).
    ("post", "api-case-missing-episodes"): [
        A.MISSING_REPORTED,
        A.SHARED,
        A.REPEAT_MISSING_ALERT_RAISED,
    ],
    ("post", "api-case-missing-episode-returned"): [A.RETURN_RECORDED],
    ("post", "api-case-missing-episode-regrade"): [
        A.MISSING_REGRADED,
        A.REPEAT_MISSING_ALERT_RAISED,
    ],
    ("post", "api-case-missing-episode-interview"): [A.RETURN_INTERVIEW_RECORDED],
    ("post", "api-share-renew"): [A.SHARE_RENEWED],
    ("get", "api-case-missing-profile"): [A.PROFILE_VIEWED],
    ("put", "api-case-missing-profile"): [A.PROFILE_CHANGED],
    ("get", "api-case-missing-profile-photo"): [A.PROFILE_VIEWED],
}

# A read of one thing records the view it is shown in, naming that one thing (as its list
# names those it showed), by URL name: (view, the detail's key for what was shown).
ITEM_READS = {
    "api-case-entry": ("chronology", "entries"),
    "api-case-screening": ("screenings", "screenings"),
    "api-case-assessment": ("assessments", "assessments"),
    "api-case-assessment-contribution": ("assessments", "contributions"),
    "api-case-link": ("links", "links"),
    "api-case-share": ("shares", "shares"),
    "api-case-placement": ("placements", "placements"),
    "api-case-missing-episode": ("missing_episodes", "episodes"),
    "api-case-emergency-access-item": ("emergency_access", "emergency_access"),
}

# What someone who may not gets recorded: the refusal, and nothing else. Lists simply
# leave the case out (they record the listing); break-glass for someone who can already
# see the case is declined (409) before anything is granted.
REFUSED_API_EVENTS = {
    ("get", "api-children"): [A.SEARCH],
    ("get", "api-meetings"): [A.MEETINGS_LISTED],
    ("get", "api-actions"): [A.ACTIONS_LISTED],
    ("get", "api-cases"): [A.CASE_LISTED],
    ("post", "api-cases"): [],  # the child is not found among theirs: 404, nothing opened
    ("post", "api-case-emergency-access"): [],
}


def _when(hours_ago: int = 1) -> dt.datetime:
    return timezone.localtime() - dt.timedelta(hours=hours_ago)


def _entry_form(**more) -> dict:
    when = _when()
    return {
        "category": "note",
        "occurred_on_day": str(when.day),
        "occurred_on_month": str(when.month),
        "occurred_on_year": str(when.year),
        "occurred_time": f"{when:%H:%M}",
        "text": "Spoke to the school about attendance.",
    } | more


def _assessment_form() -> dict:
    review = timezone.localdate() + dt.timedelta(days=60)
    return {
        "harm": ["gifts_or_money"], "analysis": "Gifts from adults she will not name.",
        "level": "medium", "rationale": "Signs of grooming.", "review_by_day": review.day,
        "review_by_month": review.month, "review_by_year": review.year,
    }  # fmt: skip


# The page forms that change case data (the matrices open them with GET): what each
# records when submitted by someone who may.
PAGE_CHANGES = [
    ("children", "social.worker", lambda w: {"name": "Testchild"}, [A.SEARCH]),
    ("child-new", "social.worker",
     lambda w: {"first_name": "Nia", "last_name": "Walkthrough", "gender": "female",
                "looked_after": "no", "concern": "Reported missing overnight twice."},
     [A.CHILD_CREATED, A.SHARED, A.ENTRY_ADDED, A.CASE_OPENED]),
    ("entry-new", "social.worker", lambda w: _entry_form(), [A.ENTRY_ADDED]),
    ("entry-amend", "social.worker",
     lambda w: _entry_form(reason="Wrong day recorded"), [A.ENTRY_AMENDED]),
    ("assessment-new", "social.worker", lambda w: _assessment_form(), [A.ASSESSMENT_RECORDED]),
    ("link-new", "social.worker",
     lambda w: {"registration": "ab12 cde", "learned_on_day": "1", "learned_on_month": "3",
                "learned_on_year": "2026", "learned_how": "sighting"}, [A.LINK_RECORDED]),
    ("assessment-contribute", "social.worker",
     lambda w: {"harm": ["disclosure"], "analysis": "Told her teacher."},
     [A.ASSESSMENT_CONTRIBUTED]),
    ("case-share", "social.worker",
     lambda w: {"agency": w.hospital.pk, "level": "view", "lawful_basis": "ca2004_s11",
                "purpose": "Attendance at A&E"}, [A.SHARED]),
    ("case-close", "social.worker", lambda w: {"reason": "Risk has reduced"}, [A.CASE_CLOSED]),
    ("share-revoke", "social.worker", lambda w: {"reason": "The enquiry has ended"},
     [A.SHARE_REVOKED]),
    ("emergency-access", "suffolk.officer",
     lambda w: {"reference": w.case.reference, "reason": REASON}, [A.EMERGENCY_ACCESS]),
]  # fmt: skip


@pytest.fixture
def world(open_case_for, share, agencies):
    case = open_case_for("social.worker", first_name="Matrix", last_name="Testchild",
                         concern=CONCERN)  # fmt: skip
    police_share = share(case, "norfolk_police", "view")
    return SimpleNamespace(
        case=case, child=case.child, entry=case.entries.get(category="concern"),
        police_share=police_share, hospital=agencies["norfolk_hospital"],
    )  # fmt: skip


def client_for(username: str) -> Client:
    from tests.conftest import verify_second_factor

    client = Client(HTTP_USER_AGENT="walk/1.0")
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def written_by(client: Client, send) -> tuple[object, list[Event]]:
    """Send a request and return its response and the events it wrote, oldest first."""
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = send(client)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response, list(Event.objects.filter(id__gt=before).order_by("id"))


def assert_well_formed(written: list[Event], username: str, world) -> None:
    person = Person.objects.select_related("agency").get(username=username)
    request_ids = {event.request_id for event in written}
    assert len(request_ids) == 1 and "" not in request_ids, "one request id, carried through"
    for event in written:
        assert (event.actor_id, event.actor_username) == (person.pk, username)
        assert event.actor_agency == person.agency.name
        assert event.user_agent == "walk/1.0"
        assert event.client_address == "127.0.0.1"
        flat = json.dumps(event.detail)
        # No free-text case content in the audit log: not the concern, not the child's
        # name (a search records what was searched for, which is the point of it).
        assert CONCERN not in flat
        if event.action != A.SEARCH:
            assert "Testchild" not in flat and "Matrix" not in flat
        if event.action in (A.CASE_VIEWED, A.CHRONOLOGY_EXPORTED) and event.target_type == "case":
            assert event.detail["via"] in ("share", "emergency_access"), event.detail


def _page_rows():
    for name, method, build, allowed, refused, _status, _act in CASE_PAGES:
        if allowed:  # a row may list only those refused (a page's 403 beside its 404)
            yield pytest.param(name, method, build, allowed[0], True, id=f"{name}-{allowed[0]}")
        if refused:
            yield pytest.param(name, method, build, refused[0], False, id=f"{name}-{refused[0]}")


@pytest.mark.parametrize(("name", "method", "build", "username", "may"), list(_page_rows()))
def test_each_page_records_exactly_its_events(world, name, method, build, username, may):
    client = client_for(username)
    _, written = written_by(client, lambda c: getattr(c, method)(build(world)))
    expected = PAGE_EVENTS[name] if may else [A.PERMISSION_REFUSED]
    assert [event.action for event in written] == expected
    if written:
        assert_well_formed(written, username, world)
    # A match, a meeting and an action are named by themselves, not by a case.
    named_by_itself = {"link-match": "match", "meeting": "meeting", "meeting-publish": "meeting",
                       "action-close": "action", "meeting-pack": "meeting",
                       "meeting-pack-pdf": "meeting"}  # fmt: skip
    if not may and name in named_by_itself:
        assert written[0].target_type == named_by_itself[name]
    elif not may:
        refusal = written[0]
        assert refusal.target_type in ("case", "share")
        assert refusal.target_id in (str(world.case.pk), str(world.police_share.pk))


@pytest.mark.parametrize(
    ("name", "username", "data", "expected"),
    [pytest.param(*row, id=row[0]) for row in PAGE_CHANGES],
)
def test_each_page_form_records_exactly_its_events(world, name, username, data, expected):
    args = {"entry-amend": [world.case.pk, world.entry.pk]}.get(name)
    if args is None and name in {
        "entry-new",
        "assessment-new",
        "assessment-contribute",
        "case-share",
        "case-close",
        "link-new",
    }:
        args = [world.case.pk]
    if name == "share-revoke":
        args = [world.police_share.pk]
    url = reverse(name, args=args) + ("?kind=vehicle" if name == "link-new" else "")
    client = client_for(username)
    if name == "children":  # a search is posted, then its results page is read
        response, written = written_by(client, lambda c: run_search(c, url, data(world)))
    else:
        response, written = written_by(client, lambda c: c.post(url, data(world)))
    assert response.status_code in (200, 302), response.content[:500]
    assert [event.action for event in written] == expected
    assert_well_formed(written, username, world)


@pytest.mark.parametrize(
    ("name", "username", "data", "expected"),
    [pytest.param(*row, id=row[0]) for row in PAGE_CHANGES],
)
def test_with_redis_down_each_page_form_records_exactly_its_events(
    redis_down, world, name, username, data, expected
):
    """DESIGN.md: losing Redis delays work and never loses it (issue 16)."""
    test_each_page_form_records_exactly_its_events(world, name, username, data, expected)


def _api_rows():
    for method, to, allowed, refused, _act in CASE_API:
        yield pytest.param(method, to, allowed[0], True, id=f"{method} {to.url_name} may")
        if refused:
            yield pytest.param(method, to, refused[0], False, id=f"{method} {to.url_name} not")


@pytest.mark.parametrize(("method", "to", "username", "may"), list(_api_rows()))
def test_each_api_endpoint_records_exactly_its_events(world, method, to, username, may):
    key = (method, to.url_name)
    client = client_for(username)
    response, written = written_by(client, lambda c: call(c, method, to, world))
    refused = REFUSED_API_EVENTS.get(key, [A.PERMISSION_REFUSED])
    expected = API_EVENTS[key] if may else refused
    assert [event.action for event in written] == expected, response.content[:300]
    if written:
        assert_well_formed(written, username, world)
    if may and to.url_name in ITEM_READS:
        view, shown = ITEM_READS[to.url_name]
        assert response.status_code == 200, response.content[:300]
        assert written[0].detail["view"] == view, written[0].detail
        assert written[0].detail[shown] == [to.within(world)], written[0].detail
        assert written[0].target_id == str(world.case.pk)
        if to.url_name == "api-case-emergency-access-item":  # read through that access
            assert written[0].detail["via"] == "emergency_access", written[0].detail
            assert written[0].detail["access"] == to.within(world), written[0].detail


def test_every_matrix_row_says_what_it_records():
    assert {name for name, *_ in CASE_PAGES} == set(PAGE_EVENTS)
    assert {(method, to.url_name) for method, to, *_ in CASE_API} == set(API_EVENTS)


def test_a_read_by_emergency_access_names_the_access(world, sign_in):
    from sharing.services import grant_emergency_access

    person = Person.objects.get(username="suffolk.officer")
    access = grant_emergency_access(world.case, person, REASON)
    client = client_for("suffolk.officer")
    _, written = written_by(client, lambda c: c.get(reverse("case", args=[world.case.pk])))
    assert [event.action for event in written] == [A.CASE_VIEWED]
    assert written[0].detail["via"] == "emergency_access"
    assert written[0].detail["access"] == access.pk
