"""Missing episodes through the API: a child reported missing and their return, who is told,
the return home interview owed, and what is checked and refused.

The world (tests/missing/conftest.py): social.worker (Norfolk children's services) has
opened a case for Amy and shared it `view` with Norfolk Constabulary. Suffolk police and the
hospital have nothing.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from missing.models import MissingEpisode, ReturnInterview
from safeguarding import problems
from safeguarding.uk_time import said
from tests.conftest import events
from tests.missing.api_helpers import (
    HOSPITAL,
    NORFOLK_CHILDRENS,
    SUFFOLK_CHILDRENS,
    a_return,
    ago,
    ahead,
    chronology,
    missing,
    placement,
    post,
    told,
)
from tests.problems import errors, problem

pytestmark = pytest.mark.django_db


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
        ({"risk": "extreme"}, "risk", problems.ECHOING_CODES["invalid_choice"]),
        ({"last_seen_where": " \n "}, "last_seen_where", "Enter some text (not only spaces)."),
        ({"circumstances": 5}, "circumstances", "Not a valid string."),
    ],
)  # fmt: skip
def test_a_missing_report_is_checked_field_by_field(sign_in, world, fields, field, message):
    if fields.get("last_seen_at") == "future":
        fields = {"last_seen_at": ahead(minutes=6)}
    response = post(sign_in("social.worker"), "api-case-missing-episodes", world.case.pk,
                    data=missing(**fields))  # fmt: skip
    assert errors(response) == {field: [message]}
    if fields.get("risk") == "extreme":
        assert b"extreme" not in response.content  # not quoted back
    assert not MissingEpisode.objects.exists()


def test_every_missing_field_is_required(sign_in, world):
    response = post(sign_in("social.worker"), "api-case-missing-episodes", world.case.pk, data={})
    assert set(errors(response)) == {"last_seen_at", "last_seen_where", "circumstances", "risk"}


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
    assert problem(again, 409) == problems.body(
        409, "This child's return has already been recorded."
    )
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
    returned_at = ahead(minutes=6) if when == "future" else ago(hours=4)
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned",
                    world.case.pk, episode.pk, data=a_return(returned_at=returned_at))  # fmt: skip
    [refused] = errors(response)["returned_at"]
    assert refused.startswith(message)
    if when == "before":
        assert refused == (
            f"The child was last seen {said(episode.last_seen_at)}: give a time after that."
        )
    episode.refresh_from_db()
    assert episode.still_missing


def test_an_episode_of_another_case_is_not_found(sign_in, world, episode, open_case_for):
    other = open_case_for("social.worker", first_name="Bea", last_name="Other")
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned", other.pk,
                    episode.pk, data=a_return())  # fmt: skip
    assert problem(response, 404) == problems.body(404, "No such missing episode")
    response = post(sign_in("social.worker"), "api-case-missing-episode-returned",
                    world.case.pk, 10**15, data=a_return())  # fmt: skip
    assert response.status_code == 404


def test_a_return_needs_contribute(sign_in, world, episode, share):
    """Or to be the police force looking for the child (tests/missing/test_profile_api.py):
    the hospital, with a view share, is neither."""
    share(world.case, "norfolk_hospital", "view")
    response = post(sign_in("health.nurse"), "api-case-missing-episode-returned",
                    world.case.pk, episode.pk, data=a_return())  # fmt: skip
    assert problem(response, 404) == problems.body(404, "No such case")
    episode.refresh_from_db()
    assert episode.still_missing
