"""The access reports' permission matrix: every page and API endpoint, for a person who may,
one who may not, and signed out.

The world: a case opened by social.worker (Norfolk children's services, which manages it)
and shared `view` with Norfolk Constabulary, read by police.officer under that share;
suffolk.officer broke the glass on it. ig.officer (information governance at Norfolk
children's services) may read every report and review the emergency access; other people
get 403 on information-governance pages, 404 on a case history they do not manage.
"""

from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Action, Event
from audit.services import record
from people.tokens import create_token
from sharing.models import EmergencyAccess
from sharing.services import grant_emergency_access
from tests.problems import bare

pytestmark = pytest.mark.django_db

REASON = "Found at 2am in Lowestoft; need the history before the interview"
NOTE = "Checked with the duty inspector: a genuine out-of-hours emergency."


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    build: object  # world -> path
    may: str
    may_not: str
    refused_with: int


def _case(name):
    return lambda w: reverse(name, args=[w.case.pk])


PAGES = [
    Row("access-reports", "get", lambda w: reverse("access-reports"),
        "ig.officer", "social.worker", 403),
    Row("access-events", "get", lambda w: reverse("access-events"),
        "ig.officer", "mash.manager", 403),
    Row("access-events-export", "get", lambda w: reverse("access-events-export"),
        "ig.officer", "police.officer", 403),
    Row("emergency-reviews", "get", lambda w: reverse("emergency-reviews"),
        "ig.officer", "admin.ncc", 403),
    Row("emergency-review", "post", lambda w: reverse("emergency-review", args=[w.access.pk]),
        "ig.officer", "social.worker", 403),
    # A case history is for those who manage the case; to anyone else it does not exist.
    Row("case-access", "get", _case("case-access"), "social.worker", "police.officer", 404),
    Row("case-access-history", "get", _case("case-access-history"),
        "social.worker", "police.officer", 404),
    Row("case-access-history-export", "get", _case("case-access-history-export"),
        "ig.officer", "suffolk.officer", 404),
    # Counts only, for every role that reads cases (tests/reports/test_return_interviews.py).
    Row("return-interview-report", "get", lambda w: reverse("return-interview-report"),
        "police.officer", "admin.ncc", 403),
    Row("return-interview-report-csv", "get", lambda w: reverse("return-interview-report-csv"),
        "health.nurse", "admin.ncc", 403),
]  # fmt: skip

API = [
    # Everyone in an agency may list events; only those who may see this one find it.
    Row("api-audit-events", "get", lambda w: reverse("api-audit-events"),
        "ig.officer", "suffolk.officer", 200),
    Row("api-audit-emergency-accesses", "get", lambda w: reverse("api-audit-emergency-accesses"),
        "ig.officer", "social.worker", 403),
    Row("api-audit-emergency-access-review", "post",
        lambda w: reverse("api-audit-emergency-access-review", args=[w.access.pk]),
        "ig.officer", "police.officer", 403),
    Row("api-return-interview-report", "get", lambda w: reverse("api-return-interview-report"),
        "social.worker", "admin.ncc", 403),
]  # fmt: skip

COVERED_URL_NAMES = {row.name for row in PAGES + API}


@pytest.fixture
def world(open_case_for, share, people):
    case = open_case_for("social.worker", first_name="Amy", last_name="Example")
    police_share = share(case, "norfolk_police", "view")
    access = grant_emergency_access(case, people["suffolk.officer"], REASON)
    read = record(
        Action.CASE_VIEWED,
        actor=people["police.officer"],
        target_type="case",
        target_id=case.pk,
        detail={"view": "case", "via": "share", "share": police_share.pk, "level": "view"},
    )
    return SimpleNamespace(case=case, access=access, read=read)


def signed_in_as(username: str) -> Client:
    from people.models import Person
    from tests.conftest import verify_second_factor

    client = Client()
    person = Person.objects.get(username=username)
    client.force_login(person)
    verify_second_factor(client, person)
    return client


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def send(client: Client, row: Row, world, **headers):
    path = row.build(world)
    if row.method == "get":
        return client.get(path, **headers)
    if path.startswith("/api/"):
        return client.post(path, {"note": NOTE}, content_type="application/json", **headers)
    return client.post(path, {"note": NOTE}, **headers)


def unreviewed(world) -> bool:
    return EmergencyAccess.objects.get(pk=world.access.pk).reviewed_at is None


def label(row: Row) -> str:
    return f"{row.method.upper()} {row.name}"


@pytest.mark.parametrize("row", PAGES, ids=label)
def test_pages_for_who_may(world, row):
    response = send(signed_in_as(row.may), row, world)
    if row.method == "post":
        assert response.status_code == 302
        assert response["Location"] == reverse("emergency-reviews")
        assert not unreviewed(world)
    else:
        assert response.status_code == 200
        if row.name.endswith("export"):
            assert response["Content-Type"].startswith("text/csv")
            assert "police.officer" in body_of(response)


@pytest.mark.parametrize("row", PAGES, ids=label)
def test_pages_for_who_may_not(world, row):
    response = send(signed_in_as(row.may_not), row, world)
    assert response.status_code == row.refused_with
    body = body_of(response)
    assert "police.officer" not in body
    assert "Amy Example" not in body
    assert unreviewed(world)


@pytest.mark.parametrize("row", PAGES, ids=label)
def test_pages_signed_out_redirect_to_sign_in(world, row):
    response = send(Client(), row, world)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))
    assert unreviewed(world)


@pytest.mark.parametrize("row", PAGES, ids=label)
def test_pages_after_only_the_password_ask_for_the_second_factor(world, people, row):
    client = Client()
    client.force_login(people[row.may])
    response = send(client, row, world)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in-code"))
    assert unreviewed(world)


def test_information_governance_pages_refuse_with_the_gov_uk_page_and_record_it(world):
    response = signed_in_as("social.worker").get(reverse("access-reports"))
    assert response.status_code == 403
    assert "You do not have permission to do that" in response.content.decode()
    refused = Event.objects.filter(action=Action.PERMISSION_REFUSED, actor_username="social.worker")
    assert refused.get().detail == {"need": "information_governance"}


def test_the_navigation_offers_access_reports_to_information_governance_only(world):
    link = f'href="{reverse("access-reports")}"'
    assert link in signed_in_as("ig.officer").get("/").content.decode()
    assert link not in signed_in_as("social.worker").get("/").content.decode()


def test_only_get_and_post_where_offered(world):
    client = signed_in_as("ig.officer")
    for row in PAGES:
        if row.method == "get":
            assert client.post(row.build(world)).status_code == 405, row.name
    assert client.delete(reverse("emergency-review", args=[world.access.pk])).status_code == 405


@pytest.mark.parametrize("row", API, ids=label)
def test_api_for_who_may_and_who_may_not(world, people, row):
    allowed = send(signed_in_as(row.may), row, world)
    assert allowed.status_code == 200, allowed.content
    if row.name == "api-audit-events":
        assert world.read.pk in [event["id"] for event in allowed.json()["results"]]
    refused = send(signed_in_as(row.may_not), row, world)
    assert refused.status_code == row.refused_with, refused.content
    if row.refused_with == 200:
        assert world.read.pk not in [event["id"] for event in refused.json()["results"]]
    else:
        bare(refused, row.refused_with)
    assert "Amy" not in refused.content.decode()


@pytest.mark.parametrize("row", API, ids=label)
def test_api_with_a_token(world, people, row):
    _, secret = create_token(people[row.may], "matrix", 7)
    response = send(Client(), row, world, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("row", API, ids=label)
def test_api_without_credentials_is_401(world, people, client, row):
    response = send(Client(), row, world)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    bare(response, 401)
    # A session that has not passed the second factor is no session for the API.
    client.force_login(people[row.may])
    assert send(client, row, world).status_code == 401
    assert unreviewed(world)


def test_the_matrix_covers_every_access_page_and_endpoint():
    from reports import api_urls as access_api_urls
    from reports import urls as access_urls

    names = {p.name for p in access_urls.urlpatterns + access_api_urls.urlpatterns}
    assert names == COVERED_URL_NAMES
