"""The missing-from-care profile in the API (issue 19): the same rules as its pages, in the
API's own conventions (404 for what is not yours to see, ETag and If-Match, problems)."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from missing import profiles
from missing.models import ProfileVersion
from missing.services import record_return
from tests.conftest import events
from tests.missing.test_profile import png, report
from tests.problems import problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(placed_case):
    return placed_case


def url(case, photo: bool = False) -> str:
    name = "api-case-missing-profile-photo" if photo else "api-case-missing-profile"
    return reverse(name, args=[case.pk])


def test_write_then_read_the_profile(case, sign_in):
    client = sign_in("social.worker")
    empty = client.get(url(case))
    assert empty.status_code == 200
    assert empty.json()["version"] is None and empty.json()["review_due"] is True
    sent = {"description": "Slim", "places": ["Ipswich bus station", " ipswich bus station "],
            "associates": ["Jay (older boyfriend) 07700 900123"]}  # fmt: skip
    written = client.put(url(case), sent, content_type="application/json")
    assert written.status_code == 200, written.content
    body = written.json()
    assert body["places"] == ["Ipswich bus station"]
    assert body["associates"] == ["Jay (older boyfriend) 07700 900123"]
    assert body["contacts"] == [] and body["medical"] == ""
    assert body["review_due"] is False and body["versions"] == 1
    assert body["photo"] is None and body["released_until"] is None
    # The same again (a retry) is no new version.
    again = client.put(url(case), sent, content_type="application/json")
    assert again.status_code == 200 and again.json()["version"] == body["version"]
    assert ProfileVersion.objects.filter(profile__case=case).count() == 1


def test_a_write_over_a_colleagues_change_is_refused_with_if_match(case, sign_in, people):
    client = sign_in("social.worker")
    etag = client.get(url(case))["ETag"]
    profiles.save_profile(people["mash.manager"], case, places="Norwich")
    stale = client.put(
        url(case), {"places": ["Somewhere"]}, content_type="application/json", HTTP_IF_MATCH=etag
    )
    assert problem(stale, 412)["type"].endswith("changed-since-read")
    assert ProfileVersion.objects.get(profile__case=case).places == ["Norwich"]
    fresh = client.get(url(case))["ETag"]
    ok = client.put(
        url(case), {"places": ["Somewhere"]}, content_type="application/json", HTTP_IF_MATCH=fresh
    )
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"places": "Ipswich"},  # a string, not a list
        {"places": ["x" * 201]},
        {"places": ["a"] * 51},
        {"description": 5},
    ],
    ids=["not-a-list", "line-too-long", "too-many-lines", "not-text"],
)
def test_a_bad_profile_is_a_400_and_saves_nothing(case, sign_in, body):
    response = sign_in("social.worker").put(url(case), body, content_type="application/json")
    assert problem(response, 400)["errors"]
    assert not ProfileVersion.objects.exists()


def test_the_photo_is_served_to_who_may_read_and_its_bytes_are_never_in_json(
    case,
    sign_in,
    people,
):
    profiles.add_photo(people["social.worker"], case, png())
    client = sign_in("social.worker")
    data = client.get(url(case)).json()
    assert data["photo"]["content_type"] == "image/png"
    assert data["photo"]["url"].endswith(url(case, photo=True))
    assert "base64" not in str(data) and "iVBOR" not in str(data)
    image = client.get(url(case, photo=True), HTTP_ACCEPT="image/png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")
    assert "no-store" in image["Cache-Control"]
    assert [e.detail["part"] for e in events(Action.PROFILE_VIEWED)] == ["api", "photo"]


def test_the_police_read_it_through_the_release_until_the_grace_ends(case, people, sign_in):
    profiles.save_profile(people["social.worker"], case, places="Ipswich bus station")
    episode = report(people, case)
    client = sign_in("suffolk.officer")
    read = client.get(url(case))
    assert read.status_code == 200 and read.json()["places"] == ["Ipswich bus station"]
    assert read.json()["released_until"] is None  # while the child is missing
    returned = timezone.now()
    record_return(people["social.worker"], episode, returned_at=returned, how_found="Home")
    ends = returned + dt.timedelta(hours=settings.PROFILE_RELEASE_GRACE_HOURS)
    until = client.get(url(case)).json()["released_until"]
    assert dt.datetime.fromisoformat(until.replace("Z", "+00:00")) == ends
    with time_machine.travel(ends + dt.timedelta(seconds=1), tick=False):
        client = sign_in("suffolk.officer")  # a session of that day
        lapsed = client.get(url(case))
        assert problem(lapsed, 404)
        assert "Grab" not in lapsed.content.decode()
        # Writing was never theirs: a view share.
        put = client.put(url(case), {"places": []}, content_type="application/json")
        assert put.status_code == 404
    refusals = events(Action.PERMISSION_REFUSED, actor_username="suffolk.officer")
    assert [r.detail["need"] for r in refusals] == ["missing_profile", "contribute"]


def test_the_police_looking_for_the_child_record_the_return_through_the_api(case, people, sign_in):
    episode = report(people, case, area="Suffolk")
    to = reverse("api-case-missing-episode-returned", args=[case.pk, episode.pk])
    body = {"returned_at": timezone.now().isoformat(), "how_found": "At the station"}
    response = sign_in("suffolk.officer").post(to, body, content_type="application/json")
    assert response.status_code == 200, response.content
    episode.refresh_from_db()
    assert episode.return_recorded_by == people["suffolk.officer"]
