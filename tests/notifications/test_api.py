"""The notifications API: each agency sees and acknowledges its own notifications only.

The world: social.worker (Norfolk children's services) places Amy in Suffolk, and
police.officer (Norfolk Constabulary, with contribute access) reports her missing. So
Suffolk Constabulary is told of both, Norfolk Constabulary of the placement, Norfolk
children's services of the missing report, and the hospital of nothing.
"""

import base64
import datetime as dt
import json
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, Event
from cases.models import Entry
from missing.services import record_placement, report_missing
from notifications.models import Notification
from notifications.services import inbox
from people.models import Person
from people.tokens import create_token
from safeguarding import problems
from tests.conftest import events
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = ["social.worker", "mash.manager", "team.manager", "ig.officer", "admin.ncc"]
NORFOLK_POLICE = ["police.officer", "police.mash"]
SUFFOLK_POLICE = ["suffolk.officer"]
HOSPITAL = ["health.nurse"]
EVERYONE = NORFOLK_CHILDRENS + NORFOLK_POLICE + SUFFOLK_POLICE + HOSPITAL


@pytest.fixture
def world(open_case_for, share, people, partnership):
    case = open_case_for("social.worker", first_name="Amy", last_name="Example")
    share(case, "norfolk_police", "contribute")
    now = timezone.now()
    placement = record_placement(
        people["social.worker"], case, area=partnership.areas["suffolk"],
        address="1 Example Road, Ipswich", postcode="IP1 1AA", provider_type="childrens_home",
        started_at=now - dt.timedelta(days=1),
    )  # fmt: skip
    episode = report_missing(
        people["police.officer"], case, last_seen_at=now - dt.timedelta(hours=2),
        last_seen_where="Ipswich station", circumstances="Did not come home", risk="high",
    )  # fmt: skip
    told = {(n.agency.name, n.kind): n for n in Notification.objects.select_related("agency").all()}
    return SimpleNamespace(
        case=case,
        placement=placement,
        episode=episode,
        told=told,
        # Each a notification one agency may see and acknowledge, and nobody else.
        suffolk_placement=told["Suffolk Constabulary", "placement"],
        norfolk_police_placement=told["Norfolk Constabulary", "placement"],
        norfolk_childrens_missing=told["Norfolk County Council Children's Services", "missing"],
    )


def listed(client, **query) -> list[int]:
    response = client.get(f"{reverse('api-notifications')}?{urlencode(query)}")
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def acknowledge(client, notification_id: int):
    url = reverse("api-notification-acknowledge", args=[notification_id])
    return client.post(url, content_type="application/json")


def test_the_right_agencies_were_told(world):
    assert sorted(world.told) == [
        ("Norfolk Constabulary", "placement"),
        ("Norfolk County Council Children's Services", "missing"),
        # High risk: the lead agency is asked to convene a strategy discussion.
        ("Norfolk County Council Children's Services", "repeat_missing"),
        ("Suffolk Constabulary", "missing"),
        ("Suffolk Constabulary", "placement"),
        ("Suffolk County Council Children's Services", "missing"),
        ("Suffolk County Council Children's Services", "placement"),
    ]


# --- the matrix: who sees which, who may acknowledge which ---------------------------------

WHO_SEES = [
    ("suffolk_placement", SUFFOLK_POLICE),
    ("norfolk_police_placement", NORFOLK_POLICE),
    ("norfolk_childrens_missing", NORFOLK_CHILDRENS),
]


@pytest.mark.parametrize(("notice", "may"), WHO_SEES)
def test_a_notification_is_listed_for_its_agency_only(sign_in, world, notice, may):
    wanted = getattr(world, notice).pk
    for username in EVERYONE:
        client = sign_in(username)
        seen = listed(client)
        assert (wanted in seen) is (username in may), username
        agency = Person.objects.get(username=username).agency
        assert set(seen) == set(inbox(agency).values_list("pk", flat=True)), username


def test_the_hospital_was_told_nothing_and_sees_nothing(sign_in, world):
    assert listed(sign_in("health.nurse")) == []


ACKNOWLEDGING = [
    pytest.param(notice, username, username in may, id=f"{notice}-{username}")
    for notice, may in WHO_SEES
    for username in EVERYONE
]


@pytest.mark.parametrize(("notice", "username", "may"), ACKNOWLEDGING)
def test_only_its_agency_acknowledges_a_notification(sign_in, world, notice, username, may):
    notification = getattr(world, notice)
    response = acknowledge(sign_in(username), notification.pk)
    notification.refresh_from_db()
    if may:
        assert response.status_code == 200, response.content
        assert response.json()["acknowledged_by"] == str(Person.objects.get(username=username))
        assert notification.acknowledged_by.username == username
    else:
        assert problem(response, 404) == problems.body(404, "No such notification")
        assert notification.acknowledged_at is None
        refusal = events(Action.PERMISSION_REFUSED)[-1]
        assert (refusal.target_type, refusal.target_id) == ("notification", str(notification.pk))
        assert refusal.actor_username == username


def test_a_notification_that_does_not_exist_is_not_found_alike(sign_in, world):
    response = acknowledge(sign_in("suffolk.officer"), 10**15)
    assert problem(response, 404) == problems.body(404, "No such notification")


ENDPOINTS = [
    ("get", lambda w: reverse("api-notifications")),
    ("post", lambda w: reverse("api-notification-acknowledge", args=[w.suffolk_placement.pk])),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS, ids=["list", "acknowledge"])
def test_without_credentials_is_401(client, people, world, method, url):
    response = getattr(Client(), method)(url(world))
    found = problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert found == problems.body(401, found["detail"])  # and nothing more
    # A session that has not passed the second factor is no session for the API.
    client.force_login(people["suffolk.officer"])
    assert getattr(client, method)(url(world)).status_code == 401
    world.suffolk_placement.refresh_from_db()
    assert world.suffolk_placement.acknowledged_at is None


@pytest.mark.parametrize(("method", "url"), ENDPOINTS, ids=["list", "acknowledge"])
def test_a_platform_superuser_in_no_agency_has_no_notifications(world, method, url):
    operator = Person.objects.create_superuser("platform.admin", "ops@hub.example", "x" * 20)
    _, secret = create_token(operator, "ops", 7)
    response = getattr(Client(), method)(url(world), HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert problem(response, 403) == problems.body(
        403, "Only people who work for an agency have notifications."
    )


def test_a_token_reads_and_acknowledges_as_its_person(world, people):
    _, secret = create_token(people["suffolk.officer"], "Force system", 7)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = api.get(reverse("api-notifications"))
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == {
        world.suffolk_placement.pk,
        world.told["Suffolk Constabulary", "missing"].pk,
    }
    assert acknowledge(api, world.suffolk_placement.pk).status_code == 200
    _, norfolk = create_token(people["police.officer"], "Force system", 7)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {norfolk}")
    assert acknowledge(other, world.told["Suffolk Constabulary", "missing"].pk).status_code == 404


# --- acknowledging -------------------------------------------------------------------------


def test_acknowledging_is_recorded_on_the_notification_the_chronology_and_the_audit_log(
    sign_in, world
):
    notice = world.suffolk_placement
    client = sign_in("suffolk.officer")
    response = acknowledge(client, notice.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_by"] == "Robin Marsh"
    assert body["acknowledged_at"] is not None
    assert body["overdue"] is False
    entry = Entry.objects.filter(case=world.case, category="notification_acknowledged").get()
    assert "acknowledged by Suffolk Constabulary" in entry.text
    assert entry.agency.name == "Suffolk Constabulary"
    [event] = events(Action.NOTIFICATION_ACKNOWLEDGED)
    # The placement gave Suffolk police view access: acknowledged with it (one event).
    assert event.detail == {"notification": notice.pk, "kind": "placement",
                            "share": notice.share_id, "with_share": True}  # fmt: skip
    assert event.actor_username == "suffolk.officer"


def test_acknowledging_again_is_harmless(sign_in, world):
    client = sign_in("suffolk.officer")
    first = acknowledge(client, world.suffolk_placement.pk).json()
    before = Event.objects.count()
    again = acknowledge(client, world.suffolk_placement.pk)
    assert again.status_code == 200
    assert again.json() == first
    assert Event.objects.count() == before
    assert Entry.objects.filter(category="notification_acknowledged").count() == 1


def test_someone_else_at_the_agency_sees_who_acknowledged(sign_in, world, people):
    acknowledge(sign_in("police.officer"), world.norfolk_police_placement.pk)
    rows = sign_in("police.mash").get(reverse("api-notifications")).json()["results"]
    [row] = [row for row in rows if row["id"] == world.norfolk_police_placement.pk]
    assert row["acknowledged_by"] == "Dana Wells"


# --- the list ------------------------------------------------------------------------------


def test_a_notification_says_what_happened_without_naming_the_child(sign_in, world):
    client = sign_in("suffolk.officer")
    response = client.get(reverse("api-notifications"))
    rows = {row["kind"]: row for row in response.json()["results"]}
    missing = rows["missing"]
    assert missing["kind_display"] == "Child missing"
    assert missing["case"] == world.case.pk
    assert missing["case_reference"] == world.case.reference
    assert missing["subject_id"] == world.episode.pk
    assert missing["caused_by_agency"]["name"] == "Norfolk Constabulary"
    assert missing["summary"].startswith(f"Case {world.case.reference}: child missing")
    assert missing["acknowledged_at"] is None and missing["acknowledged_by"] is None
    assert rows["placement"]["subject_id"] == world.placement.pk
    assert "Amy" not in response.content.decode()


def test_listing_is_audited_with_what_was_shown(sign_in, world, agencies):
    client = sign_in("suffolk.officer")
    shown = listed(client, state="unacknowledged")
    [event] = events(Action.NOTIFICATIONS_LISTED)
    assert (event.target_type, event.target_id) == ("agency", str(agencies["suffolk_police"].pk))
    assert event.detail == {"state": "unacknowledged", "notifications": shown}
    assert event.actor_username == "suffolk.officer"


def test_the_state_filter(sign_in, world):
    client = sign_in("suffolk.officer")
    missing = world.told["Suffolk Constabulary", "missing"].pk
    placed = world.suffolk_placement.pk
    acknowledge(client, placed)
    assert listed(client, state="acknowledged") == [placed]
    assert listed(client, state="unacknowledged") == [missing]
    assert listed(client, state="all") == [missing, placed]
    assert listed(client) == [missing, placed]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"state": "read"}, "state"), ({"state": ""}, "state")],
)
def test_an_unknown_state_is_a_field_error(sign_in, world, query, field):
    response = sign_in("suffolk.officer").get(f"{reverse('api-notifications')}?{urlencode(query)}")
    assert list(errors(response)) == [field]


def test_a_parameter_given_twice_is_refused(sign_in, world):
    client = sign_in("suffolk.officer")
    response = client.get(f"{reverse('api-notifications')}?state=all&state=acknowledged")
    assert errors(response) == {"state": ["Give this once."]}


def many_notifications(world, people, agency, n: int, acknowledged_every: int = 3) -> None:
    """`n` notifications for `agency`, a third of them acknowledged, deadlines spread out."""
    now = timezone.now()
    person = people["social.worker"]
    Notification.objects.bulk_create(
        Notification(
            agency=agency, case=world.case, kind="placement_ended", summary=f"Test {i}",
            subject_id=10_000 + i, caused_by=person, caused_by_agency=person.agency,
            created_at=now, acknowledge_by=now + dt.timedelta(minutes=i % 7),  # ties, too
            acknowledged_at=now - dt.timedelta(seconds=i) if i % acknowledged_every == 0
            else None,
            acknowledged_by=people["suffolk.officer"] if i % acknowledged_every == 0 else None,
        )
        for i in range(n)
    )  # fmt: skip


def expected_order(agency, state: str = "all") -> list[int]:
    """The inbox's own order (notifications.services.inbox), which the pages show too."""
    rows = inbox(agency)
    if state == "unacknowledged":
        rows = rows.filter(acknowledged_at__isnull=True)
    elif state == "acknowledged":
        rows = rows.filter(acknowledged_at__isnull=False)
    return list(rows.values_list("pk", flat=True))


@pytest.mark.parametrize("state", ["all", "unacknowledged", "acknowledged"])
def test_the_list_is_cursor_paged_25_at_a_time_both_ways(sign_in, world, people, agencies, state):
    suffolk = agencies["suffolk_police"]
    many_notifications(world, people, suffolk, 70)
    expected = expected_order(suffolk, state)
    client = sign_in("suffolk.officer")
    link = f"{reverse('api-notifications')}?state={state}"
    pages, seen, links = [], [], []
    while link:
        page = client.get(link).json()
        pages.append([row["id"] for row in page["results"]])
        seen += pages[-1]
        links.append(page)
        link = page["next"]
    assert seen == expected
    assert [len(p) for p in pages] == [25] * (len(expected) // 25) + (
        [len(expected) % 25] if len(expected) % 25 else []
    )
    assert links[0]["previous"] is None
    assert all(f"state={state}" in page["next"] for page in links[:-1])
    # And back again from the last page.
    back, link = [], links[-1]["previous"]
    while link:
        page = client.get(link).json()
        back.insert(0, [row["id"] for row in page["results"]])
        link = page["previous"]
    assert back == pages[:-1]


def test_a_made_up_cursor_is_a_mistake_in_the_request(sign_in, world):
    client = sign_in("suffolk.officer")

    def cursor(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()

    good = {"s": "u", "t": timezone.now().isoformat(), "i": 1, "b": False}
    for made_up in [
        "not-a-cursor",
        "%%%",
        base64.urlsafe_b64encode(b"p=yesterday").decode(),
        cursor([1, 2]),
        cursor(good | {"s": "x"}),
        cursor(good | {"t": "yesterday"}),
        cursor(good | {"t": "2024-01-01T00:00:00"}),  # no offset
        cursor(good | {"i": "1"}),
        cursor(good | {"i": 0}),
        cursor(good | {"i": 2**63}),
        cursor(good | {"b": 1}),
        cursor({"s": "u"}),
        base64.urlsafe_b64encode(b"[" * 5000).decode(),
    ]:
        response = client.get(f"{reverse('api-notifications')}?{urlencode({'cursor': made_up})}")
        assert errors(response) == {
            "cursor": ["This is not a cursor this list gave. Start again from the first page."]
        }, made_up
    # A cursor of one state does not fit another's list.
    response = client.get(
        f"{reverse('api-notifications')}?"
        + urlencode({"state": "acknowledged", "cursor": cursor(good)})
    )
    assert response.status_code == 400


def test_the_list_takes_the_same_few_queries_whatever_its_size(
    sign_in, world, people, agencies, django_assert_max_num_queries
):
    client = sign_in("suffolk.officer")
    path = reverse("api-notifications")
    with django_assert_max_num_queries(100) as captured:
        assert client.get(path).status_code == 200
    few = len(captured.captured_queries)
    many_notifications(world, people, agencies["suffolk_police"], 300)
    with django_assert_max_num_queries(few):
        first = client.get(path).json()
    assert len(first["results"]) == 25
    # Up to the page where the unacknowledged run ends and the acknowledged begins: one
    # query a run, as for the short list.
    link = first["next"]
    for _ in range(8):
        with django_assert_max_num_queries(few):
            page = client.get(link).json()
        link = page["next"]
    assert {row["acknowledged_at"] is None for row in page["results"]} == {True, False}
    assert few <= 11, few
