"""The case API's permission matrix: every endpoint, for each demo person, and signed out.

One case, opened by social.worker (Norfolk children's services, which manages it) and
shared `view` with Norfolk Constabulary (with a missing episode, for the return endpoint,
and one of each thing the endpoints that read one thing read; the emergency access is
suffolk.officer's).
Who may do what follows the access model of DESIGN.md, by agency: anyone else gets 404,
exactly as if the case did not exist; a list shows them nothing of it. With no
credentials every endpoint answers 401.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases import access as case_access
from cases import api_urls
from cases.models import Assessment, AssessmentContribution, Case, Entry, Screening
from cases.roles import RULES, Act
from links import api_urls as links_api_urls
from meetings import api_urls as meetings_api_urls
from missing import api_urls as missing_api_urls
from missing.models import (
    MissingEpisode,
    Placement,
    Profile,
    ProfilePhoto,
    ProfileVersion,
    ReturnInterview,
)
from people.models import Area, Person
from people.tokens import create_token
from safeguarding import problems
from sharing import api_urls as sharing_api_urls
from sharing.models import EmergencyAccess, Share
from sharing.services import EMERGENCY_SOURCE
from tests.cases.test_pages_permissions import PNG
from tests.links.helpers import told_match
from tests.meetings.helpers import held_meeting
from tests.problems import problem
from tests.role_table import demo_may, forbidden

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "team.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
OUTSIDERS = ["suffolk.officer", "health.nurse"]  # Suffolk police; the Norfolk hospital
SEE_IT = NORFOLK_CHILDRENS + NORFOLK_POLICE
# The same people, a manager first: the audit walk tries each row's first allowed person.
AGREES_FIRST = ["team.manager", *(p for p in NORFOLK_CHILDRENS if p != "team.manager")]
EVERYONE = SEE_IT + OUTSIDERS


@dataclass(frozen=True)
class To:
    """Builds an endpoint's URL (and body) for the world; `finds` marks a list endpoint."""

    url_name: str
    target: str | None = None  # the world's object whose id is in the URL
    body: Callable[[SimpleNamespace], dict] | None = None
    finds: str | None = None  # the world's object a person who may see it finds listed
    within: Callable[[SimpleNamespace], int] | None = None  # a second id, inside the target
    setup: Callable[[SimpleNamespace], object] | None = None  # makes what it reads, once

    def __call__(self, world: SimpleNamespace) -> str:
        if self.setup:
            self.setup(world)
        args = [getattr(world, self.target).pk] if self.target else []
        if self.within:
            args.append(self.within(world))
        return reverse(self.url_name, args=args)


def new_case(world) -> dict:
    """A case for the world's child. An agency leads one open case per child, so the
    council's is closed first: anyone who sees the child may then open one."""
    Case.objects.filter(pk=world.case.pk).update(status=Case.Status.CLOSED)
    return {"child": world.child.pk}


def new_entry(world) -> dict:
    when = timezone.now() - dt.timedelta(hours=1)
    return {"category": "note", "occurred_at": when.isoformat(), "text": "Spoke to school"}


def new_share(world) -> dict:
    return {"agency": world.hospital.pk, "level": "view", "lawful_basis": "ca2004_s11",
            "purpose": "Attendance at A&E"}  # fmt: skip


def new_placement(world) -> dict:
    return {"area": Area.objects.get(name="Suffolk").pk, "address": "1 Example Road, Ipswich",
            "postcode": "IP1 1AA", "provider_type": "childrens_home",
            "started_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()}  # fmt: skip


def new_missing(world) -> dict:
    return {"last_seen_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
            "last_seen_where": "Norwich bus station", "circumstances": "Did not come home",
            "risk": "high"}  # fmt: skip


def a_return(world) -> dict:
    return {"returned_at": timezone.now().isoformat(), "how_found": "Came home herself"}


def a_regrade(world) -> dict:
    return {"risk": "high", "reason": "Seen getting into a car with two adults"}


def episode(world) -> int:
    """A missing episode on the world's case, made on first use. Made straight in its table,
    so that making it records nothing: the audit walk counts what the request records."""
    if not hasattr(world, "episode"):
        worker = Person.objects.get(username="social.worker")
        world.episode = MissingEpisode.objects.create(
            case=world.case, last_seen_at=timezone.now() - dt.timedelta(hours=5),
            last_seen_where="School", circumstances="Left at lunchtime", risk="medium",
            reported_by=worker, reporting_agency=worker.agency,
        )  # fmt: skip
    return world.episode.pk


def owed_interview(world) -> int:
    """A returned episode whose interview the council owes (as `episode`)."""
    if not hasattr(world, "returned"):
        worker = Person.objects.get(username="social.worker")
        back = timezone.now() - dt.timedelta(hours=2)
        world.returned = MissingEpisode.objects.create(
            case=world.case, last_seen_at=back - dt.timedelta(hours=5), last_seen_where="School",
            circumstances="Left at lunchtime", risk="medium", reported_by=worker,
            reporting_agency=worker.agency, returned_at=back,
        )  # fmt: skip
        ReturnInterview.objects.create(episode=world.returned, agency=worker.agency,
                                       due_at=back + dt.timedelta(hours=72))  # fmt: skip
    return world.returned.pk


def an_interview(world) -> dict:
    return {"outcome": "held", "held_at": timezone.now().isoformat(), "summary": "Talked.",
            "pull_factors": ["friends"], "places_mentioned": ["The park"]}  # fmt: skip


# The items the GET-one endpoints read, each made on first use straight in its table (as
# `episode`), so that making it records nothing.


def _worker() -> Person:
    return Person.objects.select_related("agency").get(username="social.worker")


def an_entry(world) -> int:
    """An entry of the council's that everyone who may see the case sees (not restricted)."""
    if not hasattr(world, "note"):
        worker = _worker()
        world.note = Entry.objects.create(
            case=world.case, category="note", occurred_at=timezone.now() - dt.timedelta(hours=2),
            recorded_by=worker, agency=worker.agency, text="Spoke to school", restricted=False,
        )  # fmt: skip
    return world.note.pk


def a_screening(world) -> int:
    if not hasattr(world, "screening"):
        worker = _worker()
        world.screening = Screening.objects.create(
            case=world.case, screened_by=worker, agency=worker.agency, indicators=["missing"],
            risk_level="low",
        )  # fmt: skip
    return world.screening.pk


def an_assessment(world) -> int:
    """A lower level assessed by social.worker, waiting for a manager's agreement."""
    if not hasattr(world, "assessment"):
        worker = _worker()
        world.assessment = Assessment.objects.create(
            case=world.case, agency=worker.agency, assessed_by=worker, analysis="Better.",
            level="low", rationale="Settled.", previous_level="high", needs_agreement=True,
            review_by=timezone.localdate() + dt.timedelta(days=30),
        )  # fmt: skip
    return world.assessment.pk


def a_contribution(world) -> int:
    if not hasattr(world, "contribution"):
        worker = _worker()
        world.contribution = AssessmentContribution.objects.create(
            case=world.case, agency=worker.agency, contributed_by=worker, harm=["disclosure"],
            analysis="Told her teacher.",
        )  # fmt: skip
    return world.contribution.pk


def new_assessment(world) -> dict:
    return {"harm": ["gifts_or_money"], "analysis": "Gifts from adults she will not name.",
            "level": "medium", "rationale": "Signs of grooming.",
            "review_by": (timezone.localdate() + dt.timedelta(days=60)).isoformat()}  # fmt: skip


def a_placement(world) -> int:
    """In Cambridgeshire, where no demo agency works: nobody gains access by it."""
    if not hasattr(world, "placement"):
        world.placement = Placement.objects.create(
            case=world.case, child=world.case.child, placing_authority=world.case.lead_agency,
            area=Area.objects.get(name="Cambridgeshire"), address="2 Example Road, Ely",
            postcode="CB7 4AA", provider_type="foster_care",
            started_at=timezone.now() - dt.timedelta(days=10), recorded_by=world.case.opened_by,
        )  # fmt: skip
    return world.placement.pk


def police_share(world) -> int:
    """The police's share: the council manages the case and sees it, the police see their own."""
    return world.police_share.pk


BREAKS_GLASS = "suffolk.officer"


def glass(world) -> int:
    """Emergency access for suffolk.officer, with the reading it grants (as
    `sharing.services.grant_emergency_access` gives it, without its records)."""
    if not hasattr(world, "glass"):
        officer = Person.objects.get(username=BREAKS_GLASS)
        world.glass = EmergencyAccess.objects.create(
            case=world.case, person=officer, reason="Found at 2am in our area",
            expires_at=timezone.now() + dt.timedelta(hours=4),
        )  # fmt: skip
        case_access.grant_person(
            world.case, officer, "view_case", expires_at=world.glass.expires_at,
            source_type=EMERGENCY_SOURCE, source_id=world.glass.pk,
        )  # fmt: skip
    return world.glass.pk


def lapsing(world) -> None:
    """The police's share set to lapse (the child left their area), straight in its table."""
    Share.objects.filter(pk=world.police_share.pk).update(
        lapses_at=timezone.now() + dt.timedelta(days=3)
    )


def profiled(world) -> None:
    """The case's missing-from-care profile, with a photo (as `episode`)."""
    if not hasattr(world, "profile"):
        worker = _worker()
        world.profile = Profile.objects.create(case=world.case)
        ProfileVersion.objects.create(profile=world.profile, places=["Ely bus station"],
                                      written_by=worker, agency=worker.agency)  # fmt: skip
        ProfilePhoto.objects.create(profile=world.profile, content=PNG, content_type="image/png",
                                    width=1, height=1, sha256="0" * 64, uploaded_by=worker,
                                    agency=worker.agency)  # fmt: skip


def a_profile(world) -> dict:
    return {"description": "Slim, dark hair", "places": ["Norwich bus station", "The park"]}


def a_link(world) -> int:
    """The council's vehicle on the case, unrestricted (as `episode`)."""
    return told_match(world.case).first_id


def a_match(world) -> int:
    return told_match(world.case).pk


def new_link(world) -> dict:
    return {"kind": "vehicle", "details": {"registration": "ne11 www", "colour": "Red"},
            "learned_on": "2026-11-30", "learned_how": "sighting"}  # fmt: skip


def met(world) -> None:
    """A strategy discussion about the case, the police asked, with an action they own (made
    on first use, as `episode`)."""
    world.meeting = held_meeting(world.case)
    world.action = world.meeting.actions.get()


def a_meeting(world) -> int:
    met(world)
    return world.meeting.pk


def an_action(world) -> int:
    met(world)
    return world.action.pk


def new_meeting(world) -> dict:
    return {"kind": "strategy_discussion", "held_at": timezone.now().isoformat(),
            "cases": [world.case.pk], "agencies": [world.hospital.pk]}  # fmt: skip


def new_action(world) -> dict:
    return {"case": world.case.pk, "text": "Visit the school.",
            "owner": world.police_share.agency_id,
            "due_on": (timezone.localdate() + dt.timedelta(days=2)).isoformat()}  # fmt: skip


REASON = "Found at 2am in our area; need the history before the interview"

# (method, url-builder, allowed, refused, action): allowed get 2xx (and find the case in a
# list), refused get 404 (or a list without it), unless REFUSED_WITH says otherwise. Who is
# allowed and refused is by agency (its access to the case); then the role-by-action table
# (cases.roles.RULES) turns anyone whose role may never do the action into a 403.
CASE_API = [
    ("get", To("api-children", finds="child"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-children", body=lambda w: {"first_name": "Mia", "last_name": "New"}),
     EVERYONE, [], Act.OPEN_CASE),
    ("get", To("api-child", "child"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-cases", finds="case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-cases", body=new_case), SEE_IT, OUTSIDERS,
     Act.OPEN_CASE),
    ("get", To("api-case", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-close", "case", body=lambda w: {"reason": "Risk has reduced"}),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.CLOSE),
    ("get", To("api-case-entries", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-entry", "case", within=an_entry), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-entries", "case", body=new_entry),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.ADD_ENTRY),
    ("get", To("api-case-screenings", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-screening", "case", within=a_screening), SEE_IT, OUTSIDERS, Act.VIEW),
    # A new scored screening answers 410 to whoever sees the case (test_assessments.py).
    # Exploitation risk (issue 21): assessed by the lead agency, a part added with
    # contribute access, a lower level agreed by its team or MASH manager.
    ("get", To("api-case-assessments", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-assessment", "case", within=an_assessment), SEE_IT, OUTSIDERS,
     Act.VIEW),
    ("post", To("api-case-assessments", "case", body=new_assessment),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.ASSESS),
    ("post", To("api-case-assessment-agree", "case", within=an_assessment),
     AGREES_FIRST, NORFOLK_POLICE + OUTSIDERS, Act.AGREE_LEVEL),
    ("get", To("api-case-assessment-contributions", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-assessment-contribution", "case", within=a_contribution), SEE_IT,
     OUTSIDERS, Act.VIEW),
    ("post", To("api-case-assessment-contributions", "case",
                body=lambda w: {"harm": ["disclosure"], "analysis": "Told the school nurse."}),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.CONTRIBUTE_ASSESSMENT),
    # Links across cases (issue 20): read as the chronology is, linked by whoever may add
    # to it; a match read only by the agencies told of it (the council and Suffolk police).
    ("get", To("api-case-links", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-link", "case", within=a_link), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-links", "case", body=new_link),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.ADD_ENTRY),
    ("get", To("api-link-match", within=a_match), [*NORFOLK_CHILDRENS, "suffolk.officer"],
     [*NORFOLK_POLICE, "health.nurse"], Act.VIEW),
    # Meetings (issue 22): read by the agencies organising or asked (the council chairs, the
    # police are asked); scheduled about children one sees; an action read and closed by
    # the agency that owns it (the police), 404 to anyone else.
    ("get", To("api-meetings", finds="meeting", setup=met), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-meetings", body=new_meeting), SEE_IT, OUTSIDERS, Act.HOLD_MEETING),
    ("get", To("api-meeting", within=a_meeting), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-meeting-actions", within=a_meeting, body=new_action), SEE_IT, OUTSIDERS,
     Act.HOLD_MEETING),
    ("get", To("api-actions", finds="action", setup=met), NORFOLK_POLICE,
     NORFOLK_CHILDRENS + OUTSIDERS, Act.VIEW),
    ("get", To("api-action", within=an_action), NORFOLK_POLICE, NORFOLK_CHILDRENS + OUTSIDERS,
     Act.VIEW),
    ("post", To("api-action-close", within=an_action,
                body=lambda w: {"status": "done", "note": "Visited the school."}),
     NORFOLK_POLICE, NORFOLK_CHILDRENS + OUTSIDERS, Act.CLOSE_ACTION),
    ("get", To("api-case-shares", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    # As the list: every share to an agency that manages the case, its own to anyone else
    # (test_a_share_is_read_by_whom_its_list_shows_it: the council's, not by the police).
    ("get", To("api-case-share", "case", within=police_share), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-shares", "case", body=new_share),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.SHARE),
    ("post", To("api-share-acknowledge", "police_share"),
     NORFOLK_POLICE, NORFOLK_CHILDRENS + OUTSIDERS, Act.ACKNOWLEDGE_SHARE),
    ("post", To("api-share-renew", "police_share", setup=lapsing,
                body=lambda w: {"reason": "Our investigation is still open"}),
     NORFOLK_POLICE, NORFOLK_CHILDRENS + OUTSIDERS, Act.ACKNOWLEDGE_SHARE),
    ("post", To("api-share-revoke", "police_share"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.SHARE),
    ("get", To("api-case-placements", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-placement", "case", within=a_placement), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-placements", "case", body=new_placement),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.PLACE),
    ("get", To("api-case-missing-episodes", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("get", To("api-case-missing-episode", "case", within=episode), SEE_IT, OUTSIDERS,
     Act.VIEW),
    ("post", To("api-case-missing-episodes", "case", body=new_missing),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.REPORT_MISSING),
    ("post", To("api-case-missing-episode-returned", "case", body=a_return, within=episode),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.REPORT_MISSING),
    ("post", To("api-case-missing-episode-regrade", "case", body=a_regrade, within=episode),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.REPORT_MISSING),
    ("post", To("api-case-missing-episode-interview", "case", body=an_interview,
                within=owed_interview),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.RETURN_INTERVIEW),
    # The missing-from-care profile: contribute access (or a missing report's release, in
    # tests/missing/test_profile_api.py); the police's view share is not enough.
    ("get", To("api-case-missing-profile", "case", setup=profiled),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.VIEW),
    ("put", To("api-case-missing-profile", "case", body=a_profile),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.PROFILE),
    ("get", To("api-case-missing-profile-photo", "case", setup=profiled),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.VIEW),
    # Break glass is for those who cannot see the case; those who can are told so.
    ("post", To("api-case-emergency-access", "case", body=lambda w: {"reason": REASON}),
     OUTSIDERS, SEE_IT, Act.EMERGENCY_ACCESS),
    # Only to the person it was granted to: to nobody else, those who see the case by a
    # share included (the hospital first: the audit walk's one who may not).
    ("get", To("api-case-emergency-access-item", "case", within=glass), [BREAKS_GLASS],
     ["health.nurse", *SEE_IT], Act.VIEW),
]  # fmt: skip
REFUSED_WITH = {"api-case-emergency-access": 409}

COVERED_URL_NAMES = {to.url_name for _, to, *_ in CASE_API}


@pytest.fixture
def world(open_case_for, share, agencies):
    case = open_case_for("social.worker", first_name="Amy", last_name="Example")
    police_share = share(case, "norfolk_police", "view")
    return SimpleNamespace(
        case=case, child=case.child, police_share=police_share,
        hospital=agencies["norfolk_hospital"],
    )  # fmt: skip


def label(row) -> str:
    method, to, *_ = row
    return f"{method.upper()} {to.url_name}"


def call(client: Client, method: str, to: To, world, **headers):
    path = to(world)
    if method == "get":
        return client.get(path, **headers)
    body = to.body(world) if to.body else {}
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def expectation(listed: str, username: str, act: str) -> str:
    """What the person gets: as their agency's access says, unless the table refuses their
    role the action outright (403)."""
    return "forbidden" if forbidden(username, act) else listed


def check(response, expected: str, to: To, world, username: str) -> None:
    who = f"{username}: {response.status_code} {response.content[:200]!r}"
    if expected == "forbidden":
        assert response.status_code == 403, who
        found = problem(response, 403)
        assert "cannot" in found["detail"], who
        assert found == problems.body(403, found["detail"]), who  # a plain problem, no more
        assert "Amy" not in response.content.decode(), who
    elif to.finds:  # a list: everyone gets one; only those who may see find the case in it
        assert response.status_code == 200, who
        listed = [row["id"] for row in response.json()["results"]]
        assert (getattr(world, to.finds).pk in listed) is (expected == "allowed"), who
    elif expected == "allowed":
        assert response.status_code in (200, 201), who
    else:
        refused_with = REFUSED_WITH.get(to.url_name, 404)
        assert response.status_code == refused_with, who
        found = problem(response, refused_with)
        assert found == problems.body(refused_with, found["detail"]), who  # and no more
        assert "Amy" not in response.content.decode(), who


def reads() -> list:
    """Reads change nothing the next person would notice: one test a row, everyone in turn."""
    return [
        pytest.param(method, to, allowed, refused, act, id=label((method, to)))
        for method, to, allowed, refused, act in CASE_API
        if method == "get"
    ]


def changes() -> list:
    """Each change is tried in a world of its own for each person."""
    return [
        pytest.param(
            method, to, username, expectation(listed, username, act),
            id=f"{label((method, to))} {username}",
        )
        for method, to, allowed, refused, act in CASE_API
        if method != "get"
        for listed, people in [("allowed", allowed), ("refused", refused)]
        for username in people
    ]  # fmt: skip


def writes_by_someone_who_may() -> list:
    """Each change, by the first person its row and role allow."""
    return [
        pytest.param(method, to, next(p for p in allowed if expectation("allowed", p, act)
                                     == "allowed"), id=label((method, to)))
        for method, to, allowed, refused, act in CASE_API
        if method != "get"
    ]  # fmt: skip


@pytest.mark.parametrize(("method", "to", "username"), writes_by_someone_who_may())
def test_with_redis_down_each_change_answers_as_normal(
    redis_down, sign_in, world, method, to, username
):
    """DESIGN.md: losing Redis delays work and never loses it (issue 16)."""
    check(call(sign_in(username), method, to, world), "allowed", to, world, username)


def test_the_matrix_names_every_endpoint_and_every_person_once():
    modules = [api_urls, missing_api_urls, sharing_api_urls, links_api_urls, meetings_api_urls]
    # The area view is no case's: tests/links/test_permissions.py.
    names = {p.name for m in modules for p in m.urlpatterns} - {"api-area-links"}
    assert names == COVERED_URL_NAMES
    methods = {(method, to.url_name) for method, to, *_ in CASE_API}
    assert len(methods) == len(CASE_API)
    for row in CASE_API:
        _, _, allowed, refused, act = row
        assert sorted(allowed + refused) == sorted(EVERYONE), label(row)
        assert act in RULES, label(row)


@pytest.mark.parametrize(("method", "to", "allowed", "refused", "act"), reads())
def test_reading(sign_in, world, method, to, allowed, refused, act):
    for listed, people in [("allowed", allowed), ("refused", refused)]:
        for username in people:
            # A role that reads no cases (an agency admin) sees this one as an outsider does.
            expected = listed if demo_may(username, act) else "refused"
            check(call(sign_in(username), method, to, world), expected, to, world, username)


@pytest.mark.parametrize(("method", "to", "username", "expected"), changes())
def test_changing(sign_in, world, method, to, username, expected):
    check(call(sign_in(username), method, to, world), expected, to, world, username)


def first_of_each(row) -> list:
    method, to, allowed, refused, act = row
    people = [("allowed", allowed[0])] + ([("refused", refused[0])] if refused else [])
    return [
        pytest.param(
            method, to, username, expectation(listed, username, act),
            id=f"{label(row)} {username}",
        )
        for listed, username in people
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "to", "username", "expected"),
    [param for row in CASE_API for param in first_of_each(row)],
)
def test_with_a_token(people, world, method, to, username, expected):
    _, secret = create_token(people[username], "matrix", 7)
    response = call(Client(), method, to, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
    check(response, expected, to, world, username)


EVERY_ENDPOINT = [pytest.param(method, to, id=label((method, to))) for method, to, *_ in CASE_API]


@pytest.mark.parametrize(("method", "to"), EVERY_ENDPOINT)
def test_without_credentials(client, people, world, method, to):
    response = call(Client(), method, to, world)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert problem(response, 401) == problems.body(
        401, "Authentication credentials were not provided."
    )
    assert "Amy" not in response.content.decode()
    # A session that has not passed the second factor is no session for the API.
    client.force_login(people["social.worker"])
    assert call(client, method, to, world).status_code == 401


def test_a_platform_superuser_in_no_agency_does_no_casework(world):
    operator = Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    _, secret = create_token(operator, "ops", 7)
    for method, to, *_ in CASE_API:
        response = call(Client(), method, to, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert problem(response, 403) == problems.body(
            403, "Only people who work for an agency can use cases."
        ), label((method, to))


def test_a_share_is_read_by_whom_its_list_shows_it(sign_in, world):
    """One share, as the case's list of shares shows it: every share to the agency that
    manages the case, only its own to an agency that does not; to someone who may not see
    the case, nothing (the matrix reads the police's share; this, the council's too)."""
    lead = Share.objects.get(case=world.case, level="manage")
    seen = {}
    for username in EVERYONE:
        client = sign_in(username)
        listed = client.get(reverse("api-case-shares", args=[world.case.pk]))
        rows = {row["id"]: row for row in listed.json().get("results", [])}
        seen[username] = set()
        for given in (lead, world.police_share):
            response = client.get(reverse("api-case-share", args=[world.case.pk, given.pk]))
            who = f"{username}, {given.agency}: {response.status_code}"
            if given.pk in rows:
                assert response.status_code == 200, who
                assert response.json() == rows[given.pk], who
                seen[username].add(given.pk)
            else:
                found = problem(response, 404)
                assert found == problems.body(404, found["detail"]), who
    both, own = {lead.pk, world.police_share.pk}, {world.police_share.pk}
    assert seen == {
        "social.worker": both, "mash.manager": both, "team.manager": both, "ig.officer": both,
        "admin.ncc": set(),  # an agency admin reads no cases
        "police.officer": own, "police.mash": own,
        "suffolk.officer": set(), "health.nurse": set(),
    }  # fmt: skip
