"""Risk in the police's own words (issue 19, item 3): the College of Policing's grades,
very low included, and a change of grade while the child is missing, kept with its reason,
put on the chronology and told at once to everyone told of the report.

The case: a looked-after Norfolk child (social.worker manages it), placed in Suffolk and
shared `contribute` with Norfolk Constabulary; social.worker reports the child missing,
very low risk.
"""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from missing.models import MissingEpisode, RiskChange
from missing.services import AlreadyGraded, AlreadyReturned, record_return, regrade_missing
from notifications.models import Notification
from tests.conftest import events
from tests.missing.api_helpers import post, told
from tests.missing.test_pages import client_for, text_of
from tests.problems import detail, errors

pytestmark = pytest.mark.django_db

REASON = "Seen getting into a car with two adults at 21:40"
TOLD = [
    "Norfolk County Council Children's Services",
    "Suffolk Constabulary",
    "Suffolk County Council Children's Services",
]


@pytest.fixture
def case(open_case_for, agencies, share, place):
    case = open_case_for(
        "social.worker",
        first_name="Graded",
        last_name="Testchild",
        looked_after=True,
        responsible_authority=agencies["norfolk_childrens"],
    )
    share(case, "norfolk_police", "contribute")
    place(case, "suffolk")
    return case


@pytest.fixture
def episode(case, missing):
    return missing(case, by="social.worker", risk="very_low")


# --- the grades -----------------------------------------------------------------------------


def test_very_low_is_a_grade_and_a_very_low_report_is_told_like_any_other(case, missing):
    assert MissingEpisode.Risk.values == ["high", "medium", "low", "very_low"]
    reported = missing(case, by="social.worker", risk="very_low")
    assert reported.get_risk_display() == "Very low"
    assert told("missing", reported.pk) == sorted(["Norfolk Constabulary", *TOLD[1:]])


# --- the service ----------------------------------------------------------------------------


def test_a_regrade_is_kept_on_the_chronology_and_told_at_once(case, episode, people):
    now = timezone.now()
    change = regrade_missing(people["police.officer"], episode, risk="high", reason=REASON,
                             now=now)  # fmt: skip
    episode.refresh_from_db()
    assert episode.risk == "high"
    assert (change.from_risk, change.to_risk, change.reason) == ("very_low", "high", REASON)
    assert (change.changed_by, change.agency) == (
        people["police.officer"], people["police.officer"].agency,
    )  # fmt: skip
    entry = case.entries.get(category=Entry.Category.MISSING_REGRADED)
    assert entry.text == (
        f"Missing risk regraded from very low to high by Norfolk Constabulary. Reason: {REASON}"
    )
    [event] = events(Action.MISSING_REGRADED)
    assert event.detail == {"episode": episode.pk, "change": change.pk, "risk": "high",
                            "was": "very_low"}  # fmt: skip
    # Everyone told of a report, bar the agency that regraded it; in minutes, any day.
    assert told("missing_regraded", change.pk) == TOLD
    notices = Notification.objects.filter(kind="missing_regraded", subject_id=change.pk)
    due = now + dt.timedelta(minutes=settings.NOTIFY_MISSING_ACK_MINUTES)
    assert {notice.acknowledge_by for notice in notices} == {due}
    assert all("Graded" not in notice.summary for notice in notices)  # no name in an email


def test_a_regrade_that_changes_nothing_or_comes_too_late_is_refused(case, episode, people):
    worker = people["social.worker"]
    with pytest.raises(AlreadyGraded, match="already graded very low"):
        regrade_missing(worker, episode, risk="very_low", reason=REASON)
    with pytest.raises(ValidationError, match="Say why"):
        regrade_missing(worker, episode, risk="high", reason="   ")
    with pytest.raises(ValidationError, match="Choose one"):
        regrade_missing(worker, episode, risk="extreme", reason=REASON)
    record_return(worker, episode, returned_at=timezone.now(), how_found="Came home.")
    with pytest.raises(AlreadyReturned, match="stays as it was"):
        regrade_missing(worker, episode, risk="high", reason=REASON)
    assert not RiskChange.objects.exists()
    assert not case.entries.filter(category=Entry.Category.MISSING_REGRADED).exists()
    assert not Notification.objects.filter(kind="missing_regraded").exists()


def test_the_database_refuses_a_change_that_is_no_change(episode, people):
    with pytest.raises(IntegrityError):
        RiskChange.objects.create(
            episode=episode, from_risk="low", to_risk="low", reason=REASON,
            changed_by=people["social.worker"], agency=people["social.worker"].agency,
        )  # fmt: skip


# --- the page -------------------------------------------------------------------------------


def test_the_page_regrades_and_says_who_was_told(case, episode):
    client = client_for("social.worker")
    section = text_of(client.get(reverse("case-missing", args=[case.pk])))
    assert "Very low" in section and "Change the risk grading" in section
    url = reverse("missing-regrade", args=[case.pk, episode.pk])
    form = text_of(client.get(url))
    assert "Graded very low risk now" in form and "Very low: no apparent risk of harm" in form

    response = client.post(url, {"risk": "high", "reason": REASON})
    assert response.status_code == 302
    assert response["Location"] == reverse("case-missing", args=[case.pk])
    page = text_of(client.get(response["Location"]))
    assert "The risk grading is now high. Notified: Norfolk Constabulary, Suffolk" in page
    assert MissingEpisode.objects.get(pk=episode.pk).risk == "high"


def test_a_page_with_mistakes_keeps_what_was_typed_and_saves_nothing(case, episode):
    client = client_for("social.worker")
    url = reverse("missing-regrade", args=[case.pk, episode.pk])
    page = text_of(client.post(url, {"risk": "very_low", "reason": REASON}))
    assert "The risk is already graded very low: choose another" in page and REASON in page
    page = text_of(client.post(url, {"risk": "medium", "reason": "  "}))
    assert "Enter why the risk grading has changed" in page
    assert 'value="medium" checked' in client.post(url, {"risk": "medium"}).content.decode()
    assert not RiskChange.objects.exists()


def test_a_double_click_records_one_change(case, episode):
    client = client_for("social.worker")
    url = reverse("missing-regrade", args=[case.pk, episode.pk])
    first = client.post(url, {"risk": "high", "reason": REASON})
    second = client.post(url, {"risk": "high", "reason": REASON})
    assert first.status_code == 302
    assert "The risk is already graded high: choose another" in text_of(second)
    assert RiskChange.objects.count() == 1


def test_after_the_return_the_form_is_not_offered(case, episode, people):
    record_return(people["social.worker"], episode, returned_at=timezone.now(),
                  how_found="Came home.")  # fmt: skip
    client = client_for("social.worker")
    response = client.get(reverse("missing-regrade", args=[case.pk, episode.pk]))
    assert response["Location"] == reverse("case-missing", args=[case.pk])
    section = text_of(client.get(response["Location"]))
    assert "return has already been recorded" in section
    assert "Change the risk grading" not in section


# --- the API --------------------------------------------------------------------------------


def test_the_api_regrades_once_and_refuses_what_changes_nothing(sign_in, case, episode):
    client = sign_in("police.officer")
    name = "api-case-missing-episode-regrade"
    answer = post(client, name, case.pk, episode.pk, data={"risk": "medium", "reason": REASON})
    assert answer.status_code == 200, answer.content
    assert answer.json()["risk"] == "medium"
    again = post(client, name, case.pk, episode.pk, data={"risk": "medium", "reason": REASON})
    assert detail(again, 409) == "The episode already has this grading: nothing changed."
    assert "medium" not in again.content.decode()
    assert set(errors(post(client, name, case.pk, episode.pk, data={"risk": "extreme"}))) == {
        "risk", "reason",
    }  # fmt: skip
    assert RiskChange.objects.count() == 1


def test_the_api_refuses_a_regrade_after_the_return(sign_in, case, episode, people):
    record_return(people["social.worker"], episode, returned_at=timezone.now(),
                  how_found="Came home.")  # fmt: skip
    answer = post(sign_in("police.officer"), "api-case-missing-episode-regrade", case.pk,
                  episode.pk, data={"risk": "high", "reason": REASON})  # fmt: skip
    assert "stays as it was" in detail(answer, 409)
    assert not RiskChange.objects.exists()
