"""Placements and missing episodes through the API, and the notifications they send.

The world: social.worker (Norfolk children's services) has opened a case for Amy and
shared it `view` with Norfolk Constabulary. Suffolk police and the hospital have nothing.
"""

import datetime as dt
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
import schemathesis
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from audit.models import Action
from cases.models import Child, Entry
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.services import current_placement_of, report_missing
from notifications.models import Notification
from people.tokens import create_token
from sharing.models import Share
from tests.conftest import events

# The fuzz's checks and fixtures (Django's WSGI handler; a rate limit a walk-through fits in).
from tests.project.test_api_fuzz import CHECKS, FUZZ, SCHEMA_URL, api_rate, bearer, wsgi_app  # noqa: F401

pytestmark = pytest.mark.django_db

NORFOLK_CHILDRENS = "Norfolk County Council Children's Services"
SUFFOLK_CHILDRENS = "Suffolk County Council Children's Services"
HOSPITAL = "Norfolk and Norwich University Hospitals NHS Foundation Trust"


@pytest.fixture
def world(open_case_for, share, partnership):
    case = open_case_for("social.worker", first_name="Amy", last_name="Example")
    police = share(case, "norfolk_police", "view")
    return SimpleNamespace(
        case=case, child=case.child, police_share=police, areas=partnership.areas
    )


def ago(**delta) -> str:
    return (timezone.now() - dt.timedelta(**delta)).isoformat()


def ahead(**delta) -> str:
    return (timezone.now() + dt.timedelta(**delta)).isoformat()


def placement(world, **fields) -> dict:
    return {
        "area": world.areas["suffolk"].pk,
        "address": "1 Example Road, Ipswich",
        "postcode": "ip1 1aa",
        "provider_type": "childrens_home",
        "started_at": ago(hours=2),
    } | fields


def missing(**fields) -> dict:
    return {
        "last_seen_at": ago(hours=3),
        "last_seen_where": "Norwich bus station",
        "circumstances": "Did not come back from school",
        "risk": "high",
    } | fields


def a_return(**fields) -> dict:
    return {"returned_at": ago(minutes=10), "how_found": "Found by police at a friend's"} | fields


def post(client, name, *args, data=None):
    return client.post(reverse(name, args=args), data or {}, content_type="application/json")


def told(kind: str, subject_id: int) -> list[str]:
    """The agencies notified of one thing, by name."""
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def chronology(client, case) -> list[dict]:
    response = client.get(reverse("api-case-entries", args=[case.pk]))
    assert response.status_code == 200
    return response.json()["results"]


# --- placements ----------------------------------------------------------------------------


def test_the_norfolk_case_placed_in_suffolk_the_police_are_told_and_acknowledge(
    sign_in, world, agencies
):
    """The failure the Hub exists for, through the API: a child placed across the border."""
    response = post(sign_in("social.worker"), "api-case-placements", world.case.pk,
                    data=placement(world))  # fmt: skip
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["placing_authority"]["name"] == NORFOLK_CHILDRENS
    assert made["area"] == {"id": world.areas["suffolk"].pk, "ons_code": "E10000029",
                            "name": "Suffolk"}  # fmt: skip
    assert (made["postcode"], made["provider_type"], made["current"]) == (
        "IP1 1AA", "childrens_home", True,
    )  # fmt: skip
    assert made["ended_at"] is None and made["recorded_by"] == "Jo Fletcher"
    child = Child.objects.get(pk=world.child.pk)
    assert current_placement_of(child).pk == made["id"] and child.looked_after

    # Suffolk's police and children's services can see the case, on the placement basis.
    given = Share.objects.filter(case=world.case, lawful_basis="placement")
    assert sorted(given.values_list("agency__name", "level")) == [
        ("Suffolk Constabulary", "view"), (SUFFOLK_CHILDRENS, "view"),
    ]  # fmt: skip
    # Told: Suffolk's agencies and every sharer; never the agency that placed, nor anyone
    # with no part in it (the hospital).
    assert told("placement", made["id"]) == [
        "Norfolk Constabulary", "Suffolk Constabulary", SUFFOLK_CHILDRENS,
    ]  # fmt: skip

    officer = sign_in("suffolk.officer")
    [notice] = officer.get(reverse("api-notifications")).json()["results"]
    assert (notice["kind"], notice["case"], notice["subject_id"]) == (
        "placement", world.case.pk, made["id"],
    )  # fmt: skip
    assert officer.get(reverse("api-case", args=[world.case.pk])).status_code == 200
    acknowledged = post(officer, "api-notification-acknowledge", notice["id"])
    assert acknowledged.status_code == 200
    assert acknowledged.json()["acknowledged_by"] == "Robin Marsh"

    texts = [entry["text"] for entry in chronology(sign_in("social.worker"), world.case)]
    assert any("acknowledged by Suffolk Constabulary" in text for text in texts), texts
    assert any(text.startswith("Child placed in a placement in Suffolk") for text in texts)


def test_a_move_ends_the_current_placement(sign_in, world):
    client = sign_in("social.worker")
    first = post(client, "api-case-placements", world.case.pk,
                 data=placement(world, started_at=ago(days=30))).json()  # fmt: skip
    second = post(client, "api-case-placements", world.case.pk,
                  data=placement(world, area=world.areas["norfolk"].pk, postcode="NR1 3QU",
                                 provider_type="foster_care", started_at=ago(days=1)))  # fmt: skip
    assert second.status_code == 201
    listed = client.get(reverse("api-case-placements", args=[world.case.pk])).json()["results"]
    assert [(row["id"], row["current"]) for row in listed] == [
        (second.json()["id"], True), (first["id"], False),
    ]  # fmt: skip
    assert listed[1]["ended_at"] == listed[0]["started_at"]
    assert listed[1]["end_reason"] == "Moved to a new placement"


def test_a_placement_may_start_up_to_a_day_ahead(sign_in, world):
    client = sign_in("social.worker")
    response = post(client, "api-case-placements", world.case.pk,
                    data=placement(world, started_at=ahead(hours=23)))  # fmt: skip
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"postcode": "NR1"}, "postcode", "Enter a real postcode, like NR1 3QU"),
        ({"postcode": "QQ1 1AA"}, "postcode", "Enter a real postcode, like NR1 3QU"),
        ({"area": 10**12}, "area", "No such area."),
        ({"area": "1"}, "area", "A valid integer is required."),
        ({"provider_type": "castle"}, "provider_type", '"castle" is not a valid choice.'),
        ({"address": "   "}, "address", "Enter some text (not only spaces)."),
        ({"address": ""}, "address", "This field may not be blank."),
        ({"started_at": "2025-03-01T10:00:00"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"started_at": "2025-03-01"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"started_at": "2025-02-30T10:00:00Z"}, "started_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"started_at": "1850-01-01T10:00:00Z"}, "started_at", "Give a time from 1900 onwards."),
        ({"started_at": "9999-12-31T23:59:59-01:00"}, "started_at", "Give a real date and time."),
        ({"started_at": None}, "started_at", "This field may not be null."),
        ({"started_at": "ahead"}, "started_at", None),
    ],
)  # fmt: skip
def test_a_placement_is_checked_field_by_field(sign_in, world, fields, field, message):
    if fields.get("started_at") == "ahead":
        fields = {"started_at": ahead(hours=25)}
        message = "Give a time no more than 24 hours ahead."
    response = post(sign_in("social.worker"), "api-case-placements", world.case.pk,
                    data=placement(world, **fields))  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Placement.objects.exists()
    assert not Notification.objects.exists()


def test_a_move_cannot_start_before_the_current_placement(sign_in, world):
    client = sign_in("social.worker")
    post(
        client, "api-case-placements", world.case.pk, data=placement(world, started_at=ago(days=2))
    )
    response = post(client, "api-case-placements", world.case.pk,
                    data=placement(world, started_at=ago(days=3)))  # fmt: skip
    assert response.status_code == 400
    [message] = response.json()["started_at"]
    assert message.startswith("The child's current placement started ")
    assert Placement.objects.count() == 1


def test_only_childrens_services_place_a_child(sign_in, world, share):
    share(world.case, "norfolk_police", "contribute")
    response = post(sign_in("police.officer"), "api-case-placements", world.case.pk,
                    data=placement(world))  # fmt: skip
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only a local authority’s children’s services can record a placement."
    }
    assert not Placement.objects.exists()
    assert not Notification.objects.exists()
    assert not events(Action.PLACEMENT_RECORDED)


def test_a_viewer_cannot_place_or_report(sign_in, world):
    client = sign_in("police.officer")
    for name, data in [("api-case-placements", placement(world)),
                       ("api-case-missing-episodes", missing())]:  # fmt: skip
        response = post(client, name, world.case.pk, data=data)
        assert response.status_code == 404
        assert response.json() == {"detail": "No such case"}
    assert not MissingEpisode.objects.exists() and not Placement.objects.exists()


def test_reading_placements_is_audited_with_the_share_it_was_read_under(sign_in, world):
    post(sign_in("social.worker"), "api-case-placements", world.case.pk, data=placement(world))
    client = sign_in("police.officer")
    rows = client.get(reverse("api-case-placements", args=[world.case.pk])).json()["results"]
    event = events(Action.CASE_VIEWED)[-1]
    assert event.detail == {
        "via": "share", "share": world.police_share.pk, "level": "view",
        "view": "placements", "placements": [row["id"] for row in rows],
    }  # fmt: skip


# --- missing and returned ------------------------------------------------------------------


def test_missing_then_returned_everyone_is_told_and_an_interview_is_owed(sign_in, world):
    client = sign_in("social.worker")
    reported = post(client, "api-case-missing-episodes", world.case.pk, data=missing())
    assert reported.status_code == 201, reported.content
    episode = reported.json()
    assert (episode["risk"], episode["still_missing"], episode["returned_at"]) == (
        "high", True, None,
    )  # fmt: skip
    assert episode["reporting_agency"]["name"] == NORFOLK_CHILDRENS
    assert episode["reported_by"] == "Jo Fletcher"
    assert episode["return_interview"] is None
    # Not placed: the agencies covering the placing authority's own area, and the sharers.
    assert told("missing", episode["id"]) == ["Norfolk Constabulary", HOSPITAL]
    assert [e.action for e in events(Action.MISSING_REPORTED)] == [Action.MISSING_REPORTED]

    when = timezone.now() - dt.timedelta(minutes=5)
    back = post(client, "api-case-missing-episode-returned", world.case.pk, episode["id"],
                data=a_return(returned_at=when.isoformat()))  # fmt: skip
    assert back.status_code == 200, back.content
    done = back.json()
    assert done["still_missing"] is False
    assert done["how_found"] == "Found by police at a friend's"
    assert done["return_recorded_by"] == "Jo Fletcher"
    interview = done["return_interview"]
    assert interview["agency"]["name"] == NORFOLK_CHILDRENS
    assert interview["completed_at"] is None
    due = dt.datetime.fromisoformat(interview["due_at"])
    assert due == when + dt.timedelta(hours=settings.RETURN_INTERVIEW_HOURS)
    assert ReturnInterview.objects.get().episode_id == episode["id"]
    assert told("returned", episode["id"]) == ["Norfolk Constabulary", HOSPITAL]

    listed = client.get(reverse("api-case-missing-episodes", args=[world.case.pk]))
    assert listed.json()["results"] == [done]
    categories = [entry["category"] for entry in chronology(client, world.case)]
    assert "missing" in categories and "returned" in categories


def test_a_missing_report_by_the_police_tells_the_placing_authority(sign_in, world, share):
    share(world.case, "norfolk_police", "contribute")
    post(sign_in("social.worker"), "api-case-placements", world.case.pk, data=placement(world))
    reported = post(sign_in("police.officer"), "api-case-missing-episodes", world.case.pk,
                    data=missing())  # fmt: skip
    assert reported.status_code == 201
    # Placed in Suffolk: Suffolk's agencies, the placing authority, and every sharer.
    assert told("missing", reported.json()["id"]) == [
        NORFOLK_CHILDRENS, "Suffolk Constabulary", SUFFOLK_CHILDRENS,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"last_seen_at": "future"}, "last_seen_at", "Give a time that is not in the future."),
        ({"last_seen_at": "2025-03-01 21:30"}, "last_seen_at",
         "Give a date and time with its offset from UTC, like 2025-03-01T21:30:00Z or "
         "2025-06-01T21:30:00+01:00."),
        ({"risk": "extreme"}, "risk", '"extreme" is not a valid choice.'),
        ({"last_seen_where": " \n "}, "last_seen_where", "Enter some text (not only spaces)."),
        ({"circumstances": 5}, "circumstances", "Not a valid string."),
    ],
)  # fmt: skip
def test_a_missing_report_is_checked_field_by_field(sign_in, world, fields, field, message):
    if fields.get("last_seen_at") == "future":
        fields = {"last_seen_at": ahead(minutes=5)}
    response = post(sign_in("social.worker"), "api-case-missing-episodes", world.case.pk,
                    data=missing(**fields))  # fmt: skip
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not MissingEpisode.objects.exists()


def test_every_missing_field_is_required(sign_in, world):
    response = post(sign_in("social.worker"), "api-case-missing-episodes", world.case.pk, data={})
    assert response.status_code == 400
    assert set(response.json()) == {"last_seen_at", "last_seen_where", "circumstances", "risk"}


@pytest.fixture
def episode(sign_in, world):
    data = missing(last_seen_at=ago(hours=3))
    made = post(sign_in("social.worker"), "api-case-missing-episodes", world.case.pk, data=data)
    return MissingEpisode.objects.get(pk=made.json()["id"])


def test_a_return_is_recorded_once(sign_in, world, episode):
    client = sign_in("social.worker")
    url_args = ("api-case-missing-episode-returned", world.case.pk, episode.pk)
    assert post(client, *url_args, data=a_return()).status_code == 200
    again = post(client, *url_args, data=a_return(how_found="Something else"))
    assert again.status_code == 409
    assert again.json() == {"detail": "This child's return has already been recorded."}
    # Nothing sent could change that: not even a body that is wrong.
    assert post(client, *url_args, data={}).status_code == 409
    episode.refresh_from_db()
    assert episode.how_found == "Found by police at a friend's"
    assert ReturnInterview.objects.count() == 1
    assert len(events(Action.RETURN_RECORDED)) == 1


def test_a_return_recorded_by_someone_else_meanwhile_is_409(sign_in, world, episode, monkeypatch):
    from missing import api as api_placements
    from missing import selectors

    stale = selectors.missing_episode(world.case, episode.pk)  # read before the other return
    client = sign_in("social.worker")
    post(client, "api-case-missing-episode-returned", world.case.pk, episode.pk, data=a_return())
    monkeypatch.setattr(api_placements.selectors, "missing_episode", lambda case, pk: stale)
    response = post(client, "api-case-missing-episode-returned", world.case.pk, episode.pk,
                    data=a_return())  # fmt: skip
    assert response.status_code == 409
    assert ReturnInterview.objects.count() == 1


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("future", "Give a time that is not in the future."),
        ("before", "The child was last seen "),
    ],
)
def test_a_return_is_checked(sign_in, world, episode, when, message):
    returned_at = ahead(minutes=5) if when == "future" else ago(hours=4)
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned",
                    world.case.pk, episode.pk, data=a_return(returned_at=returned_at))  # fmt: skip
    assert response.status_code == 400
    [said] = response.json()["returned_at"]
    assert said.startswith(message)
    episode.refresh_from_db()
    assert episode.still_missing


def test_an_episode_of_another_case_is_not_found(sign_in, world, episode, open_case_for):
    other = open_case_for("social.worker", first_name="Bea", last_name="Other")
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned", other.pk,
                    episode.pk, data=a_return())  # fmt: skip
    assert response.status_code == 404
    assert response.json() == {"detail": "No such missing episode"}
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned",
                    world.case.pk, 10**15, data=a_return())  # fmt: skip
    assert response.status_code == 404


def test_a_return_needs_contribute(sign_in, world, episode):
    response = post(sign_in("police.officer"), "api-case-missing-episode-returned",
                    world.case.pk, episode.pk, data=a_return())  # fmt: skip
    assert response.status_code == 404
    assert response.json() == {"detail": "No such case"}
    episode.refresh_from_db()
    assert episode.still_missing


# --- lists: paging and queries -------------------------------------------------------------


def many(world, people, n: int) -> None:
    worker, now = people["social.worker"], timezone.now()
    Placement.objects.bulk_create(
        Placement(case=world.case, child_id=world.case.child_id, placing_authority=worker.agency,
                  area=world.areas["norfolk"],
                  address=f"{i} Road", postcode="NR1 3QU", provider_type="foster_care",
                  started_at=now - dt.timedelta(days=n - i),
                  ended_at=now - dt.timedelta(days=n - i - 1), recorded_by=worker)
        for i in range(n)
    )  # fmt: skip
    episodes = MissingEpisode.objects.bulk_create(
        MissingEpisode(case=world.case, last_seen_at=now - dt.timedelta(days=i + 1),
                       last_seen_where="Town", circumstances="Out late", risk="low",
                       reported_by=worker, reporting_agency=worker.agency,
                       reported_at=now - dt.timedelta(days=i, hours=1),
                       returned_at=now - dt.timedelta(days=i) if i % 2 else None,
                       how_found="Came home" if i % 2 else "",
                       return_recorded_by=worker if i % 2 else None)
        for i in range(n)
    )  # fmt: skip
    ReturnInterview.objects.bulk_create(
        ReturnInterview(episode=e, agency=worker.agency, due_at=e.returned_at)
        for e in episodes
        if e.returned_at
    )


LISTS = ["api-case-placements", "api-case-missing-episodes"]


def test_the_lists_take_the_same_few_queries_whatever_their_length(
    sign_in, world, people, django_assert_max_num_queries
):
    client = sign_in("police.officer")
    many(world, people, 3)
    few = {}
    for name in LISTS:
        with django_assert_max_num_queries(100) as captured:
            assert client.get(reverse(name, args=[world.case.pk])).status_code == 200
        few[name] = len(captured.captured_queries)
    many(world, people, 60)
    for name in LISTS:
        with django_assert_max_num_queries(few[name]):
            page = client.get(reverse(name, args=[world.case.pk])).json()
        assert len(page["results"]) == 25 and page["next"]
    assert max(few.values()) <= 12, few


@pytest.mark.parametrize("name", LISTS)
def test_the_lists_are_cursor_paged_latest_first(sign_in, world, people, name):
    many(world, people, 30)
    client = sign_in("social.worker")
    first = client.get(reverse(name, args=[world.case.pk])).json()
    second = client.get(first["next"]).json()
    assert (len(first["results"]), len(second["results"]), second["next"]) == (25, 5, None)
    key = "started_at" if name == "api-case-placements" else "reported_at"
    times = [row[key] for row in first["results"] + second["results"]]
    assert times == sorted(times, reverse=True)
    made_up = f"{reverse(name, args=[world.case.pk])}?{urlencode({'cursor': 'not-a-cursor'})}"
    assert client.get(made_up).json() == {"detail": "Invalid cursor"}


# --- the schema ----------------------------------------------------------------------------


@pytest.mark.usefixtures("api_rate")
def test_every_answer_of_a_walk_through_matches_the_schema(
    wsgi_app,  # noqa: F811 - the fuzz's fixture, imported above
    world,
    people,
    share,
):
    """Real successes and refusals, checked by schemathesis against the published schema."""
    share(world.case, "norfolk_police", "contribute")
    _, worker = create_token(people["social.worker"], "schema", 7)
    _, police = create_token(people["police.officer"], "schema", 7)
    _, suffolk = create_token(people["suffolk.officer"], "schema", 7)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app, headers=bearer(worker))
    case_id = {"case_id": world.case.pk}

    answers = []

    def call(path, method, who=worker, **kwargs) -> int:
        case = schema[path][method].Case(**kwargs)
        answers.append(case.call_and_validate(checks=CHECKS, headers=bearer(who)))
        return answers[-1].status_code

    placements = "/api/v1/cases/{case_id}/placements/"
    assert call(placements, "POST", path_parameters=case_id, body=placement(world)) == 201
    wrong = placement(world, postcode="NOPE")
    assert call(placements, "POST", path_parameters=case_id, body=wrong) == 400
    assert call(placements, "POST", police, path_parameters=case_id, body=placement(world)) == 403
    assert call(placements, "GET", path_parameters=case_id) == 200
    assert call(placements, "GET", suffolk, path_parameters=case_id) == 200
    assert call(placements, "GET", path_parameters={"case_id": 10**15}) == 404

    episodes = "/api/v1/cases/{case_id}/missing-episodes/"
    assert call(episodes, "POST", police, path_parameters=case_id, body=missing()) == 201
    ids = case_id | {"episode_id": answers[-1].json()["id"]}
    assert call(episodes, "POST", path_parameters=case_id, body=missing(risk="none")) == 400
    assert call(episodes, "GET", path_parameters=case_id) == 200

    returned = "/api/v1/cases/{case_id}/missing-episodes/{episode_id}/returned/"
    too_early = a_return(returned_at=ago(days=1))
    assert call(returned, "POST", path_parameters=ids, body=too_early) == 400
    assert call(returned, "POST", path_parameters=ids, body=a_return()) == 200
    assert call(returned, "POST", path_parameters=ids, body=a_return()) == 409
    nowhere = case_id | {"episode_id": 10**15}
    assert call(returned, "POST", path_parameters=nowhere, body=a_return()) == 404
    assert call(episodes, "GET", path_parameters=case_id) == 200

    notifications = "/api/v1/notifications/"
    assert call(notifications, "GET", suffolk) == 200
    rows = answers[-1].json()["results"]
    assert {row["kind"] for row in rows} == {"placement", "missing", "returned"}
    assert call(notifications, "GET", suffolk, query={"state": "acknowledged"}) == 200
    assert call(notifications, "GET", suffolk, query={"state": "old"}) == 400
    assert call(notifications, "GET", suffolk, query={"cursor": "x"}) == 404
    acknowledge = "/api/v1/notifications/{notification_id}/acknowledge/"
    notice = {"notification_id": rows[0]["id"]}
    assert call(acknowledge, "POST", suffolk, path_parameters=notice) == 200
    assert call(acknowledge, "POST", suffolk, path_parameters=notice) == 200
    assert call(acknowledge, "POST", worker, path_parameters=notice) == 404
    assert call(notifications, "GET", suffolk, query={"state": "all"}) == 200
    assert [e.detail for e in events(Action.NOTIFICATION_ACKNOWLEDGED)] == [
        {"notification": rows[0]["id"], "kind": rows[0]["kind"]}
    ]
    assert Entry.objects.filter(category="notification_acknowledged").count() == 1


# --- fuzzed against a real case ------------------------------------------------------------

# The general fuzz (test_api_fuzz) asks for case ids that do not exist, so it meets only
# 404s here; this one aims every generated request at the world's case, its missing
# episode and a notification to the caller's agency, so the bodies themselves are tried.
OPERATIONS = [
    ("/api/v1/cases/{case_id}/placements/", "GET"),
    ("/api/v1/cases/{case_id}/placements/", "POST"),
    ("/api/v1/cases/{case_id}/missing-episodes/", "GET"),
    ("/api/v1/cases/{case_id}/missing-episodes/", "POST"),
    ("/api/v1/cases/{case_id}/missing-episodes/{episode_id}/returned/", "POST"),
    ("/api/v1/notifications/", "GET"),
    ("/api/v1/notifications/{notification_id}/acknowledge/", "POST"),
]


@pytest.mark.usefixtures("api_rate")
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_fuzzed_requests_about_a_real_case_answer_within_the_schema(
    wsgi_app,  # noqa: F811 - the fuzz's fixture, imported above
    world,
    people,
    share,
    mode,
):
    """No Django test client here: it would undo `wsgi_app`'s hold on the connection."""
    worker = people["social.worker"]
    _, secret = create_token(worker, "fuzz", 7)
    schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, wsgi_app, headers=bearer(secret))
    # A missing report by the police: an episode to return from, in social.worker's inbox.
    share(world.case, "norfolk_police", "contribute")
    # Last seen long ago, so that most generated return times are possible ones.
    long_ago = dt.datetime(1900, 1, 2, tzinfo=dt.UTC)
    episode = report_missing(
        people["police.mash"], world.case, last_seen_at=long_ago,
        last_seen_where="Park", circumstances="Ran off", risk="low",
    )  # fmt: skip
    notice = Notification.objects.get(agency=worker.agency)
    ids = {"case_id": world.case.pk, "episode_id": episode.pk, "notification_id": notice.pk}
    failures = []
    for path, method in OPERATIONS:
        operation = schema[path][method]
        constrained = operation.body or any(
            "enum" in p.definition.get("schema", {}) for p in operation.query
        )
        if mode is GenerationMode.NEGATIVE and not constrained:
            continue  # with the ids pinned, nothing is left to make invalid
        pinned = {p.name: ids[p.name] for p in operation.path_parameters}
        # The token is sent as a header of our own, never one schemathesis makes up.
        strategy = operation.as_strategy(
            generation_mode=mode, path_parameters=pinned, headers={"Authorization": ""}
        )

        @given(case=strategy)
        @FUZZ
        def run(case):
            case.call_and_validate(checks=CHECKS, headers=bearer(secret))

        try:
            run()
        except (FailureGroup, AssertionError) as failure:
            failures.append(f"{method} {path} ({mode.value}):\n{failure}")
    assert not failures, "\n\n".join(failures)
    if mode is GenerationMode.POSITIVE:  # the bodies got through, not only the refusals
        assert MissingEpisode.objects.count() > 1
        assert not MissingEpisode.objects.get(pk=episode.pk).still_missing
