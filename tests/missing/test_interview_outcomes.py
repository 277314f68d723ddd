"""Return home interviews that count (issue 19, item 5): offered when and by whom; held (why
the child went and who with), declined or not held, with the reason; one conversation
covering several returns; the police seeing only what was shared; the places and people
it names offered for the child's profile."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.actions import Action
from cases.models import Entry
from missing.models import ReturnInterview
from missing.services import record_return, record_return_interview
from tests.conftest import events
from tests.missing.test_pages import client_for, moment, text_of
from tests.missing.test_profile import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(placed_case):
    return placed_case


def returned(people, case, hours_ago: float = 5):
    episode = report(people, case, area="Suffolk", hours_ago=hours_ago + 2)
    back = timezone.now() - dt.timedelta(hours=hours_ago)
    return record_return(people["social.worker"], episode, returned_at=back, how_found="Home")


def test_a_held_interview_keeps_what_the_child_said_and_shares_only_what_was_chosen(
    case, people, share
):
    episode = returned(people, case)
    interview = record_return_interview(
        people["social.worker"], episode.return_interview, held_on=timezone.now(),
        summary="Talked about where she goes.", offered_on=timezone.localdate(),
        offered_by="Jo Fletcher, Norfolk RHI service", push_factors=["rules", "bogus"],
        pull_factors=["adults"], people_mentioned=["Jay"], places_mentioned=["Carr Street flat"],
        child_words="I only go because Jay buys me stuff.", risk_change="increased",
        shared_with_police=True,
    )  # fmt: skip
    interview.refresh_from_db()
    assert interview.outcome == "held" and interview.push_factors == ["rules"]
    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert "Pull factors: adults who may be exploiting them." in entry.text
    assert "People mentioned: Jay." in entry.text and "Risk: risk has increased." in entry.text
    assert "buys me stuff" not in entry.text  # the child's words never go on the chronology
    assert events(Action.RETURN_INTERVIEW_RECORDED)[-1].detail["outcome"] == "held"
    # The police (view share) read the chronology's summary, not the child's words.
    share(case, "norfolk_police", "view")
    tab = text_of(client_for("police.officer").get(reverse("case-missing", args=[case.pk])))
    assert "buys me stuff" not in tab
    worker_tab = text_of(client_for("social.worker").get(reverse("case-missing", args=[case.pk])))
    assert "I only go because Jay buys me stuff." in worker_tab


def test_not_shared_the_factors_stay_off_the_chronology(case, people):
    episode = returned(people, case)
    record_return_interview(
        people["social.worker"], episode.return_interview, held_on=timezone.now(),
        summary="Talked.", pull_factors=["adults"], people_mentioned=["Jay"],
    )  # fmt: skip
    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert "Jay" not in entry.text and "Pull factors" not in entry.text


@pytest.mark.parametrize("outcome", ["declined", "not_held"])
def test_declined_or_not_held_needs_a_reason_and_closes_the_task(case, people, outcome):
    interview = returned(people, case).return_interview
    with pytest.raises(ValidationError):
        record_return_interview(people["social.worker"], interview, outcome=outcome)
    recorded = record_return_interview(
        people["social.worker"], interview, outcome=outcome,
        outcome_reason="She said she did not want to talk to anyone.",
        child_words="ignored when not held",
    )  # fmt: skip
    assert recorded.completed_at and recorded.held_on is None and recorded.child_words == ""
    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert entry.text.startswith(f"Return home interview {recorded.get_outcome_display().lower()}")


def test_one_conversation_covers_several_returns(case, people):
    first = returned(people, case, hours_ago=50).return_interview
    second = returned(people, case, hours_ago=5).return_interview
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, second.episode_id])
    form = client.get(url)
    assert "This conversation also covered" in text_of(form)
    held = timezone.now() - dt.timedelta(minutes=30)
    response = client.post(url, {
        "outcome": "held", **moment("held_on", "held_time", held), "summary": "Both times.",
        "covers": [str(first.pk)],
    })  # fmt: skip
    assert response.status_code == 302, text_of(response)[:2000]
    first.refresh_from_db()
    assert first.covered_by_id == second.pk and first.outcome == "held"
    assert first.held_on == second.__class__.objects.get(pk=second.pk).held_on
    assert ReturnInterview.objects.filter(completed_at__isnull=True).count() == 0
    [entry] = case.entries.filter(category=Entry.Category.RETURN_INTERVIEW)
    assert "It also covered the return of" in entry.text


def test_the_form_keeps_what_was_typed_and_asks_for_what_is_missing(case, people):
    interview = returned(people, case).return_interview
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, interview.episode_id])
    response = client.post(url, {"outcome": "held", "child_words": "Keep these words",
                                 "pull_factors": ["adults"]})  # fmt: skip
    page = text_of(response)
    assert "Enter the date of the interview" in page and "Enter a summary to share" in page
    assert "Keep these words" in response.content.decode()
    assert re.search(r'value="adults" checked', response.content.decode())
    declined = client.post(url, {"outcome": "declined"})
    assert "Enter why the interview was not held" in text_of(declined)
    interview.refresh_from_db()
    assert interview.completed_at is None


def test_the_places_and_people_it_names_are_offered_for_the_profile(case, people):
    from missing import profiles

    profiles.save_profile(people["social.worker"], case, places="Ipswich bus station")
    interview = returned(people, case).return_interview
    client = client_for("social.worker")
    url = reverse("return-interview", args=[case.pk, interview.episode_id])
    held = timezone.now() - dt.timedelta(minutes=30)
    response = client.post(url, {
        "outcome": "held", **moment("held_on", "held_time", held), "summary": "Talked.",
        "places_mentioned": "A flat on Carr Street\nipswich bus station", "people_mentioned": "Jay",
    })  # fmt: skip
    assert response.status_code == 302
    assert f"from_interview={interview.pk}" in response["Location"]
    form = client.get(response["Location"])
    body = form.content.decode()
    places = re.search(r'name="places"[^>]*>\n?(.*?)</textarea>', body, re.S).group(1)
    assert places.splitlines() == ["Ipswich bus station", "A flat on Carr Street"]
    assert "Jay" in re.search(r'name="associates"[^>]*>\n?(.*?)</textarea>', body, re.S).group(1)
    assert "check them and save" in text_of(form)
    # Nothing is added until the person saves.
    assert profiles.current_version(profiles.profile_of(case)).places == ["Ipswich bus station"]


def test_the_api_records_an_interview_once_and_asks_for_what_is_missing(case, people, sign_in):
    from tests.problems import problem

    interview = returned(people, case).return_interview
    client = sign_in("social.worker")
    to = reverse("api-case-missing-episode-interview", args=[case.pk, interview.episode_id])
    refused = client.post(to, {"outcome": "held"}, content_type="application/json")
    assert set(problem(refused, 400)["errors"]) == {"held_at", "summary"}
    sent = {"outcome": "held", "held_at": timezone.now().isoformat(), "summary": "Talked.",
            "pull_factors": ["adults"], "child_words": "Never on the chronology"}  # fmt: skip
    first = client.post(to, sent, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["return_interview"]["outcome"] == "held"
    assert "Never on the chronology" not in first.content.decode()
    assert problem(client.post(to, sent, content_type="application/json"), 409)
    # Another agency, though it sees the case, owes no interview: 404.
    other = sign_in("police.officer").post(to, sent, content_type="application/json")
    assert other.status_code in (403, 404)
