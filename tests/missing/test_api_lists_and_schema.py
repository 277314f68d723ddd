"""The placement and missing-episode lists through the API (cursor paged, latest first, in
a constant number of queries), and the placement, missing and notification endpoints
checked against the published schema: a walk-through, and a fuzz aimed at a real case.

The world (tests/missing/conftest.py): social.worker (Norfolk children's services) has
opened a case for Amy and shared it `view` with Norfolk Constabulary. Suffolk police and the
hospital have nothing.
"""

import datetime as dt
from urllib.parse import urlencode

import pytest
import schemathesis
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from audit.models import Action
from cases.models import Entry
from missing.models import MissingEpisode, Placement, ReturnInterview
from missing.services import report_missing
from notifications.models import Notification
from people.tokens import create_token
from tests.conftest import events
from tests.missing.api_helpers import a_return, ago, missing, placement
from tests.problems import errors

# The fuzz's checks and fixtures (Django's WSGI handler; a rate limit a walk-through fits in).
from tests.project.test_api_fuzz import CHECKS, FUZZ, SCHEMA_URL, api_rate, bearer, wsgi_app  # noqa: F401

pytestmark = pytest.mark.django_db


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
                       returned_at=now - dt.timedelta(days=i), how_found="Came home",
                       return_recorded_by=worker)
        for i in range(n)
    )  # fmt: skip
    ReturnInterview.objects.bulk_create(
        ReturnInterview(episode=e, agency=worker.agency, due_at=e.returned_at) for e in episodes
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
    assert errors(client.get(made_up)) == {
        "cursor": ["This is not a cursor this list gave. Start again from the first page."]
    }


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
    assert call(notifications, "GET", suffolk, query={"cursor": "x"}) == 400
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
    # The return first: while the episode is open, every new report is refused (409, one
    # open episode a case); after it, one report gets through and opens the next.
    ("/api/v1/cases/{case_id}/missing-episodes/{episode_id}/returned/", "POST"),
    ("/api/v1/cases/{case_id}/missing-episodes/", "POST"),
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
