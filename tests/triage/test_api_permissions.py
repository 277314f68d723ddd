"""The MASH triage API's permission matrix: every route, for each demo person, and signed out.

The world: health.nurse (the Norfolk hospital trust) made a contact about Zephyrine
Example to the Norfolk MASH (Norfolk children's services); mash.manager rated it amber
and asked Norfolk Constabulary what it holds. So:
- the queue and the triage counts are the MASH managers' of a children's services agency:
  mash.manager; anyone else is answered 403 (a role, like the access reports; police.mash
  is a MASH manager, but of the police, which runs no MASH queue);
- anyone in an agency records a contact;
- Norfolk children's services (the MASH) read the contact and its checks; the hospital
  (the referrer) reads its own contact, not the checks; anyone else: 404;
- only mash.manager (a manager of the receiving MASH) rates, asks partners and decides;
- only Norfolk Constabulary (the agency asked) answers the check.
Anyone refused never sees the child's name. With no credentials every route answers 401.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from people.models import Person
from people.tokens import create_token
from safeguarding import problems
from tests.problems import problem
from triage import api_urls as mash_api_urls
from triage.services import request_checks

pytestmark = pytest.mark.django_db

NAME = "Zephyrine"
NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "team.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
EVERYONE = [*NORFOLK_CHILDRENS, *NORFOLK_POLICE, "suffolk.officer", "health.nurse"]
MANAGER = ["mash.manager"]
CONTACT_SEERS = [*NORFOLK_CHILDRENS, "health.nurse"]


def others(allowed: list[str]) -> list[str]:
    return [p for p in EVERYONE if p not in allowed]


@dataclass(frozen=True)
class To:
    """Builds a route's URL (and body) for the world; `finds` marks the list."""

    url_name: str
    target: str | None = None  # the world's object whose id is in the URL
    body: Callable[[SimpleNamespace], dict] | None = None
    finds: str | None = None

    def __call__(self, world: SimpleNamespace) -> str:
        args = [getattr(world, self.target).pk] if self.target else []
        return reverse(self.url_name, args=args)


def new_contact(world) -> dict:
    return {
        "new_child": {"first_name": "Noor", "last_name": "Newchild"},
        "area": "E10000020",
        "referrer_type": "professional",
        "referrer_name": "A Referrer",
        "referrer_role": "Practitioner",
        "received_at": (timezone.now() - dt.timedelta(minutes=30)).isoformat(),
        "concern": "Bruising seen at school.",
    }


def new_checks(world) -> dict:
    return {"agencies": [world.hospital.pk], "question": "What do you hold on this child?"}


# (method, route, allowed, refused, refused status)
MASH_API = [
    ("get", To("api-contacts", finds="contact"), MANAGER, others(MANAGER), 403),
    ("post", To("api-contacts", body=new_contact), EVERYONE, [], None),
    ("get", To("api-contact", "contact"), CONTACT_SEERS, others(CONTACT_SEERS), 404),
    ("post", To("api-contact-rating", "contact",
                body=lambda w: {"rag": "red", "reason": "Injuries now reported."}),
     MANAGER, others(MANAGER), 404),
    ("get", To("api-contact-checks", "contact"), NORFOLK_CHILDRENS, others(NORFOLK_CHILDRENS),
     404),
    ("post", To("api-contact-checks", "contact", body=new_checks), MANAGER, others(MANAGER), 404),
    ("post", To("api-contact-decision", "contact",
                body=lambda w: {"decision": "no_further_action", "rationale": "Known, safe.",
                                "close_open_checks": True,
                                "close_reason": "Known to us; no answer needed."}),
     MANAGER, others(MANAGER), 404),
    ("post", To("api-check-answer", "check", body=lambda w: {"answer": "Nothing held."}),
     NORFOLK_POLICE, others(NORFOLK_POLICE), 404),
    ("get", To("api-triage-summary"), MANAGER, others(MANAGER), 403),
]  # fmt: skip

COVERED_URL_NAMES = {to.url_name for _, to, *_ in MASH_API}


@pytest.fixture
def world(make_contact, people, agencies):
    contact = make_contact(by="health.nurse", rag="amber", first_name=NAME, last_name="Example")
    (check,) = request_checks(
        people["mash.manager"], contact, [agencies["norfolk_police"]], "Known to police?"
    )
    return SimpleNamespace(contact=contact, check=check, hospital=agencies["norfolk_hospital"])


def label(row) -> str:
    method, to, *_ = row
    return f"{method.upper()} {to.url_name}"


def call(client: Client, method: str, to: To, world, **headers):
    path = to(world)
    if method == "get":
        return client.get(path, **headers)
    body = to.body(world) if to.body else {}
    return client.post(path, body, content_type="application/json", **headers)


def check(response, expected: str, to: To, refused_with: int | None, world, username: str):
    who = f"{username}: {response.status_code} {response.content[:300]!r}"
    if expected == "allowed":
        assert response.status_code in (200, 201), who
        if to.finds:
            listed = [row["id"] for row in response.json()["results"]]
            assert getattr(world, to.finds).pk in listed, who
    else:
        assert response.status_code == refused_with, who
        assert NAME not in response.content.decode(), who
        # A plain problem (issue 23): its four members and no more.
        found = problem(response, refused_with)
        assert found == problems.body(refused_with, found["detail"]), who


def reads() -> list:
    return [
        pytest.param(*row, id=label(row)) for row in MASH_API if row[0] == "get"
    ]  # fmt: skip


def changes() -> list:
    """Each change in a world of its own, for each person."""
    return [
        pytest.param(method, to, username, expected, status, id=f"{label((method, to))} {username}")
        for method, to, allowed, refused, status in MASH_API
        if method != "get"
        for expected, who in [("allowed", allowed), ("refused", refused)]
        for username in who
    ]


def test_the_matrix_names_every_route_and_every_person_once():
    names = {pattern.name for pattern in mash_api_urls.urlpatterns}
    assert names == COVERED_URL_NAMES
    assert len({(method, to.url_name) for method, to, *_ in MASH_API}) == len(MASH_API)
    for row in MASH_API:
        _, _, allowed, refused, _ = row
        assert sorted(allowed + refused) == sorted(EVERYONE), label(row)


def test_the_people_are_who_the_matrix_says(people):
    assert set(people) == set(EVERYONE)
    assert people["police.mash"].role == Person.Role.MASH_MANAGER  # of the police: no queue


@pytest.mark.parametrize(("method", "to", "allowed", "refused", "status"), reads())
def test_reading(sign_in, world, method, to, allowed, refused, status):
    for expected, who in [("allowed", allowed), ("refused", refused)]:
        for username in who:
            response = call(sign_in(username), method, to, world)
            check(response, expected, to, status, world, username)


@pytest.mark.parametrize(("method", "to", "username", "expected", "status"), changes())
def test_changing(sign_in, world, method, to, username, expected, status):
    response = call(sign_in(username), method, to, world)
    check(response, expected, to, status, world, username)


def first_of_each(row) -> list:
    method, to, allowed, refused, status = row
    who = [("allowed", allowed[0])] + ([("refused", refused[0])] if refused else [])
    return [
        pytest.param(method, to, username, expected, status, id=f"{label(row)} {username}")
        for expected, username in who
    ]


@pytest.mark.parametrize(
    ("method", "to", "username", "expected", "status"),
    [param for row in MASH_API for param in first_of_each(row)],
)
def test_with_a_token(people, world, method, to, username, expected, status):
    _, secret = create_token(people[username], "matrix", 7)
    response = call(Client(), method, to, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
    check(response, expected, to, status, world, username)


@pytest.mark.parametrize(
    ("method", "to", "username"),
    [pytest.param(m, to, allowed[0], id=label((m, to))) for m, to, allowed, *_ in MASH_API
     if m == "post"],
)  # fmt: skip
def test_with_redis_down_each_change_answers_as_normal(
    redis_down, sign_in, world, method, to, username
):
    """DESIGN.md: losing Redis delays work and never loses it (issue 16)."""
    check(call(sign_in(username), method, to, world), "allowed", to, None, world, username)


@pytest.mark.parametrize(
    ("method", "to"), [pytest.param(row[0], row[1], id=label(row)) for row in MASH_API]
)
def test_without_credentials(client, people, world, method, to):
    response = call(Client(), method, to, world)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    found = problem(response, 401)
    assert found == problems.body(401, found["detail"])
    assert NAME not in response.content.decode()
    # A session that has not passed the second factor is no session for the API.
    client.force_login(people["mash.manager"])
    assert call(client, method, to, world).status_code == 401


def test_a_platform_superuser_in_no_agency_does_no_triage(world):
    operator = Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    _, secret = create_token(operator, "ops", 7)
    for method, to, *_ in MASH_API:
        response = call(Client(), method, to, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert response.status_code == 403, label((method, to))
        assert problem(response, 403) == problems.body(
            403, "Only people who work for an agency can use cases."
        ), label((method, to))
