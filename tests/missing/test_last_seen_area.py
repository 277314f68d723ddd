"""Where the child was last seen, from the Hub's list of areas (issue 19, item 2 in part):
the police force covering it is told and may open the case, as well as those covering
where the child lives. Nobody else of that area is: the police look for the child.

The child: looked after by Norfolk (social.worker), placed in Suffolk, not shared with
anyone yet; last seen in Cambridgeshire or Norfolk.
"""

import pytest
from django.urls import reverse

from cases.models import Entry
from missing.models import MissingEpisode
from people.models import Agency, Area
from sharing.models import Share
from tests.conftest import events
from tests.missing.api_helpers import missing, post, told
from tests.missing.test_pages import client_for, missing_form, text_of

pytestmark = pytest.mark.django_db

SUFFOLK = ["Suffolk Constabulary", "Suffolk County Council Children's Services"]


@pytest.fixture
def case(open_case_for, agencies, place):
    case = open_case_for(
        "social.worker",
        first_name="Seen",
        last_name="Testchild",
        looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )
    place(case, "suffolk")
    return case


def test_the_police_where_the_child_was_last_seen_are_told_and_may_open_the_case(case, people):
    from missing.services import report_missing

    norfolk = Area.objects.get(name="Norfolk")
    episode = report_missing(
        people["social.worker"], case, last_seen_at=case.opened_at, last_seen_where="Norwich",
        circumstances="Ran off.", risk="medium", last_seen_area=norfolk,
    )  # fmt: skip
    assert episode.last_seen_area == norfolk
    # Norfolk Constabulary, not the Norfolk hospital: the police look for the child.
    assert told("missing", episode.pk) == ["Norfolk Constabulary", *SUFFOLK]
    share = Share.objects.get(case=case, agency__name="Norfolk Constabulary")
    assert (share.level, share.lawful_basis) == ("view", "ca2004_s11")
    assert share.purpose == "Child reported missing in Norfolk"
    entry = case.entries.get(category=Entry.Category.MISSING)
    assert "at Norwich (Norfolk)." in entry.text
    assert events("missing_reported")[-1].detail["last_seen_area"] == norfolk.pk


def test_last_seen_where_the_child_lives_tells_no_one_more(case, people):
    from missing.services import report_missing

    episode = report_missing(
        people["social.worker"], case, last_seen_at=case.opened_at, last_seen_where="Ipswich",
        circumstances="Ran off.", risk="medium", last_seen_area=Area.objects.get(name="Suffolk"),
    )  # fmt: skip
    assert told("missing", episode.pk) == SUFFOLK


def test_the_page_asks_for_the_area_offering_where_the_child_lives(case):
    client = client_for("social.worker")
    url = reverse("missing-new", args=[case.pk])
    form = client.get(url).content.decode()
    suffolk = Area.objects.get(name="Suffolk").pk
    assert f'<option value="{suffolk}" selected>Suffolk</option>' in form

    refused = client.post(url, missing_form(last_seen_area=""))
    assert "Select the area the child was last seen in" in text_of(refused)
    assert 'value="Ipswich railway station"' in refused.content.decode()  # typed, kept
    assert not MissingEpisode.objects.exists()

    norfolk = Area.objects.get(name="Norfolk").pk
    response = client.post(url, missing_form(last_seen_area=str(norfolk)))
    assert response.status_code == 302
    page = text_of(client.get(response["Location"]))
    assert "Notified: Norfolk Constabulary, Suffolk Constabulary and Suffolk" in page
    assert "Ipswich railway station (Norfolk)" in page


def test_the_api_takes_it_optionally_and_shows_it(sign_in, case):
    client = sign_in("social.worker")
    cambs = Area.objects.get(name="Cambridgeshire")
    answer = post(client, "api-case-missing-episodes", case.pk,
                  data=missing(last_seen_area=cambs.pk))  # fmt: skip
    assert answer.status_code == 201, answer.content
    assert answer.json()["last_seen_area"] == {
        "id": cambs.pk, "name": "Cambridgeshire", "ons_code": "E10000003",
    }  # fmt: skip
    # Cambridgeshire has no police force in the partnership: nobody more to tell.
    assert not Agency.objects.filter(areas=cambs).exists()
    assert told("missing", answer.json()["id"]) == SUFFOLK
    listed = client.get(reverse("api-case-missing-episodes", args=[case.pk])).json()
    assert listed["results"][0]["last_seen_area"]["name"] == "Cambridgeshire"


def test_the_api_refuses_an_area_that_is_not_one_without_quoting_it(sign_in, case):
    from tests.problems import errors

    answer = post(sign_in("social.worker"), "api-case-missing-episodes", case.pk,
                  data=missing(last_seen_area=999999))  # fmt: skip
    assert errors(answer)["last_seen_area"] == ["Not found, or not yours to see."]
    assert "999999" not in answer.content.decode()
