"""The case API's permission matrix: every endpoint, for each demo person, and signed out.

One case, opened by social.worker (Norfolk children's services, which manages it) and
shared `view` with Norfolk Constabulary (with a missing episode, for the return endpoint).
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

from cases import api_urls
from cases.roles import RULES, Act
from missing import api_urls as missing_api_urls
from missing.models import MissingEpisode
from people.models import Area, Person
from people.tokens import create_token
from sharing import api_urls as sharing_api_urls
from tests.role_table import demo_may, forbidden

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
OUTSIDERS = ["suffolk.officer", "health.nurse"]  # Suffolk police; the Norfolk hospital
SEE_IT = NORFOLK_CHILDRENS + NORFOLK_POLICE
EVERYONE = SEE_IT + OUTSIDERS


@dataclass(frozen=True)
class To:
    """Builds an endpoint's URL (and body) for the world; `finds` marks a list endpoint."""

    url_name: str
    target: str | None = None  # the world's object whose id is in the URL
    body: Callable[[SimpleNamespace], dict] | None = None
    finds: str | None = None  # the world's object a person who may see it finds listed
    within: Callable[[SimpleNamespace], int] | None = None  # a second id, inside the target

    def __call__(self, world: SimpleNamespace) -> str:
        args = [getattr(world, self.target).pk] if self.target else []
        if self.within:
            args.append(self.within(world))
        return reverse(self.url_name, args=args)


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
    ("post", To("api-cases", body=lambda w: {"child": w.child.pk}), SEE_IT, OUTSIDERS,
     Act.OPEN_CASE),
    ("get", To("api-case", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-close", "case", body=lambda w: {"reason": "Risk has reduced"}),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.CLOSE),
    ("get", To("api-case-entries", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-entries", "case", body=new_entry),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.ADD_ENTRY),
    ("get", To("api-case-screenings", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-screenings", "case", body=lambda w: {"indicators": ["missing"]}),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.SCREEN),
    ("get", To("api-case-shares", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-shares", "case", body=new_share),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.SHARE),
    ("post", To("api-share-acknowledge", "police_share"),
     NORFOLK_POLICE, NORFOLK_CHILDRENS + OUTSIDERS, Act.ACKNOWLEDGE_SHARE),
    ("post", To("api-share-revoke", "police_share"),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.SHARE),
    ("get", To("api-case-placements", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-placements", "case", body=new_placement),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.PLACE),
    ("get", To("api-case-missing-episodes", "case"), SEE_IT, OUTSIDERS, Act.VIEW),
    ("post", To("api-case-missing-episodes", "case", body=new_missing),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.REPORT_MISSING),
    ("post", To("api-case-missing-episode-returned", "case", body=a_return, within=episode),
     NORFOLK_CHILDRENS, NORFOLK_POLICE + OUTSIDERS, Act.REPORT_MISSING),
    # Break glass is for those who cannot see the case; those who can are told so.
    ("post", To("api-case-emergency-access", "case", body=lambda w: {"reason": REASON}),
     OUTSIDERS, SEE_IT, Act.EMERGENCY_ACCESS),
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
    return client.post(path, body, content_type="application/json", **headers)


def expectation(listed: str, username: str, act: str) -> str:
    """What the person gets: as their agency's access says, unless the table refuses their
    role the action outright (403)."""
    return "forbidden" if forbidden(username, act) else listed


def check(response, expected: str, to: To, world, username: str) -> None:
    who = f"{username}: {response.status_code} {response.content[:200]!r}"
    if expected == "forbidden":
        assert response.status_code == 403, who
        assert "cannot" in response.json()["detail"], who
        assert "Amy" not in response.content.decode(), who
    elif to.finds:  # a list: everyone gets one; only those who may see find the case in it
        assert response.status_code == 200, who
        listed = [row["id"] for row in response.json()["results"]]
        assert (getattr(world, to.finds).pk in listed) is (expected == "allowed"), who
    elif expected == "allowed":
        assert response.status_code in (200, 201), who
    else:
        assert response.status_code == REFUSED_WITH.get(to.url_name, 404), who
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
    modules = [api_urls, missing_api_urls, sharing_api_urls]
    names = {p.name for m in modules for p in m.urlpatterns}
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
    assert set(response.json()) == {"detail"}
    assert "Amy" not in response.content.decode()
    # A session that has not passed the second factor is no session for the API.
    client.force_login(people["social.worker"])
    assert call(client, method, to, world).status_code == 401


def test_a_platform_superuser_in_no_agency_does_no_casework(world):
    operator = Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    _, secret = create_token(operator, "ops", 7)
    for method, to, *_ in CASE_API:
        response = call(Client(), method, to, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 403, label((method, to))
        assert response.json() == {"detail": "Only people who work for an agency can use cases."}
