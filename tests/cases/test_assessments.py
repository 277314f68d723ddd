"""Exploitation risk by professional judgement (issue 21): the level is the one chosen,
never computed; a lower level stands only once a second person agrees; other agencies add
their part; the old scored screenings are history."""

import datetime as dt
import re
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.models import Action
from cases import assessments
from cases.models import Assessment, Entry, Harm, Protective, Vulnerability
from cases.risk import months_after
from tests.cases.page_helpers import text_of
from tests.conftest import events, scored_screening
from tests.idempotency.test_forms import token_of

pytestmark = pytest.mark.django_db

LEVELS = ["low", "medium", "high"]


def review_day(days: int = 60) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def assess(person, case, level: str, **more) -> Assessment:
    fields = {
        "harm": [], "vulnerabilities": [], "protective": [], "child_view": "",
        "analysis": "What we know, weighed.", "level": level,
        "rationale": "Because of what we know.", "review_by": review_day(),
    } | more  # fmt: skip
    return assessments.record_assessment(person, case, **fields)


def form(level: str = "high", **more) -> dict:
    review = review_day()
    return {
        "harm": ["disclosure", "adults_of_concern"], "vulnerabilities": ["missing"],
        "protective": ["trusted_adult"], "child_view": "I can look after myself.",
        "analysis": "She told her teacher about the men at the flat.", "level": level,
        "rationale": "Harm is happening now.", "review_by_day": str(review.day),
        "review_by_month": str(review.month), "review_by_year": str(review.year),
    } | more  # fmt: skip


# --- no path computes a level -------------------------------------------------------------


@settings(
    max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip
@given(
    harm=st.sets(st.sampled_from(Harm.values)),
    vulnerabilities=st.sets(st.sampled_from(Vulnerability.values)),
    protective=st.sets(st.sampled_from(Protective.values)),
    chosen=st.sampled_from(LEVELS),
)
def test_the_saved_level_is_always_the_one_chosen(
    open_case_for, people, harm, vulnerabilities, protective, chosen
):
    """Whatever the signs, vulnerabilities and protective factors (none, all, any mix), the
    assessment keeps the level the practitioner chose, and the case takes it unless it is
    lower than the case's, when it waits for agreement."""
    case = open_case_for("social.worker")
    signs = {"harm": list(harm), "vulnerabilities": list(vulnerabilities),
             "protective": list(protective)}  # fmt: skip
    first = assess(people["social.worker"], case, chosen, **signs)  # from not assessed
    case.refresh_from_db()
    assert (first.level, first.needs_agreement, case.risk_level) == (chosen, False, chosen)
    assess(people["social.worker"], case, "high")
    second = assess(people["social.worker"], case, chosen, **signs)  # from high
    second.refresh_from_db()
    case.refresh_from_db()
    assert second.level == chosen
    assert second.needs_agreement is (chosen != "high")
    assert case.risk_level == "high"


def test_the_scoring_is_gone():
    """The weighted sum and the service that used it are removed, not just unused."""
    from cases import services

    assert not hasattr(services, "risk_from") and not hasattr(services, "record_screening")


# --- a lower level needs a second person --------------------------------------------------


def test_a_lower_level_waits_for_a_manager_and_then_both_names_show(open_case_for, people, sign_in):
    case = open_case_for("social.worker", first_name="Lowe")
    assess(people["social.worker"], case, "high")
    lowered = assess(people["social.worker"], case, "low", rationale="Settled at home.")
    case.refresh_from_db()
    assert lowered.needs_agreement and case.risk_level == "high"
    page = text_of(sign_in("social.worker").get(reverse("assessments", args=[case.pk])))
    assert "the case stays high until a team manager or MASH manager" in page
    assert "Agree the lower level" not in page  # a practitioner cannot
    strip = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    assert "High CSE risk" in strip and "Lower level to agree" in strip

    manager = sign_in("team.manager")
    response = manager.post(reverse("assessment-agree", args=[case.pk, lowered.pk]))
    assert response.status_code == 302
    case.refresh_from_db()
    lowered.refresh_from_db()
    assert case.risk_level == "low" and lowered.agreed_by == people["team.manager"]
    page = text_of(manager.get(reverse("assessments", args=[case.pk])))
    assert "By Jo Fletcher" in page and "Agreed by Sam Okoro" in page
    assert events(Action.ASSESSMENT_LEVEL_AGREED)[-1].detail["level"] == "low"
    agreed = case.entries.filter(category=Entry.Category.ASSESSMENT).latest("id")
    assert "assessed by Jo Fletcher and agreed by Sam Okoro" in agreed.text
    # Again is harmless: the first agreement stands.
    assert assessments.agree_level(people["mash.manager"], lowered).agreed_by_id == (
        people["team.manager"].pk
    )


def test_who_may_not_agree_a_lower_level(open_case_for, people, share):
    case = open_case_for("mash.manager", first_name="Agreed")
    share(case, "norfolk_police", "manage", by="mash.manager")
    assess(people["mash.manager"], case, "high")
    lowered = assess(people["mash.manager"], case, "medium")
    with pytest.raises(assessments.AgreementRefused, match="A second person"):
        assessments.agree_level(people["mash.manager"], lowered)  # the assessor
    with pytest.raises(PermissionDenied):
        assessments.agree_level(people["social.worker"], lowered)  # a practitioner
    with pytest.raises(PermissionDenied):
        assessments.agree_level(people["police.mash"], lowered)  # another agency's manager
    raised = assess(people["mash.manager"], case, "high")
    with pytest.raises(assessments.AgreementRefused, match="did not go down"):
        assessments.agree_level(people["team.manager"], raised)
    with pytest.raises(assessments.AgreementRefused, match="later assessment"):
        assessments.agree_level(people["team.manager"], lowered)
    case.refresh_from_db()
    assert case.risk_level == "high"


def test_a_raised_level_stands_at_once(open_case_for, people):
    case = open_case_for("social.worker")
    scored_screening(case, people["social.worker"], "low")
    raised = assess(people["social.worker"], case, "medium")
    case.refresh_from_db()
    assert not raised.needs_agreement and case.risk_level == "medium"


# --- the lead agency assesses; others add their part -------------------------------------


def test_only_the_lead_agency_sets_the_level(open_case_for, people, share, sign_in):
    case = open_case_for("social.worker", first_name="Led")
    share(case, "norfolk_police", "manage")
    with pytest.raises(assessments.NotLeadAgency):
        assess(people["police.officer"], case, "high")
    response = sign_in("police.officer").get(reverse("assessment-new", args=[case.pk]))
    assert response.status_code == 403
    assert "Add your agency’s part" in response.content.decode()
    case.refresh_from_db()
    assert case.risk_level == "not_screened" and not case.assessments.exists()


def test_parts_are_attributed_weighed_and_restricted_parts_stay_with_their_agency(
    open_case_for, people, share, sign_in
):
    case = open_case_for("social.worker", first_name="Parts")
    share(case, "norfolk_police", "contribute")
    share(case, "norfolk_hospital", "contribute")
    police = sign_in("police.officer")
    url = reverse("assessment-contribute", args=[case.pk])
    token = token_of(police.get(url))
    sent = {"harm": ["transported"], "analysis": "Collected by a car we know.", "once": token}
    assert police.post(url, sent).status_code == 302
    assert police.post(url, sent).status_code == 302  # a double click records once
    assessments.add_contribution(
        people["health.nurse"], case, harm=["sexual_health"], analysis="Clinic visits.",
        restricted=True,
    )  # fmt: skip
    assert case.contributions.count() == 2

    lead = sign_in("social.worker")
    form_page = text_of(lead.get(reverse("assessment-new", args=[case.pk])))
    assert "Collected by a car we know." in form_page and "Clinic visits." not in form_page
    assert "Clinic visits." not in text_of(lead.get(reverse("assessments", args=[case.pk])))
    api = lead.get(reverse("api-case-assessment-contributions", args=[case.pk])).json()
    assert [row["analysis"] for row in api["results"]] == ["Collected by a car we know."]
    nurse = sign_in("health.nurse").get(reverse("assessments", args=[case.pk]))
    assert "Clinic visits." in text_of(nurse)
    restricted = case.entries.get(category=Entry.Category.ASSESSMENT_CONTRIBUTION,
                                  restricted=True)  # fmt: skip
    assert restricted.agency == people["health.nurse"].agency

    made = assess(people["social.worker"], case, "high")
    weighed = set(case.contributions.filter(weighed_in=made).values_list("agency__name", flat=True))
    assert weighed == {"Norfolk Constabulary"}


# --- the page --------------------------------------------------------------------------------


def test_the_form_keeps_what_was_typed_and_says_what_is_missing(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Typed")
    client = sign_in("social.worker")
    url = reverse("assessment-new", args=[case.pk])
    page = client.get(url).content.decode()
    due = months_after(timezone.localdate(), 3)  # SCREENING_REVIEW_MONTHS ahead, suggested
    assert f'value="{due.year}"' in page and f'value="{due.day}"' in page
    response = client.post(url, form(rationale="", review_by_year="2019"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enter why you chose this level" in body
    assert "The review date must be in the future" in body
    assert "She told her teacher about the men at the flat." in body
    assert re.search(r'value="disclosure"\s+checked', body)
    assert not case.assessments.exists()


def test_the_same_form_sent_twice_records_one_assessment(open_case_for, sign_in):
    case = open_case_for("social.worker", first_name="Twice")
    client = sign_in("social.worker")
    url = reverse("assessment-new", args=[case.pk])
    token = token_of(client.get(url))
    first = client.post(url, form(once=token))
    second = client.post(url, form(once=token))
    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"] == second["Location"] == reverse("assessments", args=[case.pk])
    assert case.assessments.count() == 1
    assert case.entries.filter(category=Entry.Category.ASSESSMENT).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_assessments_at_once_each_compare_with_the_level_the_other_left(
    partnership, open_case_for
):
    """The case row is locked while an assessment compares its level: two at once never
    both see "not assessed" and so never let a lower level through unagreed."""
    people = partnership.people
    case = open_case_for("social.worker", first_name="Race")
    done = []

    def run(level):
        done.append(assess(people["social.worker"], case, level))
        connection.close()

    threads = [threading.Thread(target=run, args=(lvl,)) for lvl in ("high", "low")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = sorted(Assessment.objects.filter(case=case), key=lambda a: a.id)
    assert second.previous_level == first.level
    case.refresh_from_db()
    expected = second.previous_level if second.needs_agreement else second.level
    assert case.risk_level == expected


def test_the_review_date_is_checked(open_case_for, people):
    case = open_case_for("social.worker")
    with pytest.raises(ValidationError) as past:
        assess(people["social.worker"], case, "high", review_by=timezone.localdate())
    assert "must be in the future" in str(past.value)
    with pytest.raises(ValidationError) as far:
        assess(people["social.worker"], case, "high", review_by=review_day(400))
    assert "within 183 days" in str(far.value)


# --- the API -------------------------------------------------------------------------------


def test_the_api_saves_the_level_sent_and_agrees_it(open_case_for, people, sign_in):
    case = open_case_for("social.worker", first_name="Api")
    worker = sign_in("social.worker")
    url = reverse("api-case-assessments", args=[case.pk])
    body = {"harm": list(Harm.values), "vulnerabilities": list(Vulnerability.values),
            "analysis": "Every sign there is.", "level": "low", "rationale": "Still low.",
            "review_by": review_day().isoformat()}  # fmt: skip
    made = worker.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1")
    assert made.status_code == 201, made.content
    assert made.json()["level"] == "low" and made.json()["stands"] is True
    again = worker.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a1")
    assert again.status_code == 201 and case.assessments.count() == 1
    worker.post(url, {**body, "level": "high"}, content_type="application/json")
    lowered = worker.post(url, {**body, "level": "medium"}, content_type="application/json")
    assert lowered.json()["stands"] is False and lowered.json()["previous_level"] == "high"
    agree = reverse("api-case-assessment-agree", args=[case.pk, lowered.json()["id"]])
    assert worker.post(agree).status_code == 403  # a practitioner
    agreed = sign_in("mash.manager").post(agree)
    assert agreed.status_code == 200 and agreed.json()["agreed_by"] == "Morgan Hale"
    case.refresh_from_db()
    assert case.risk_level == "medium"


def test_the_assessments_page_takes_the_same_queries_for_1_assessment_or_12(
    open_case_for, people, share, sign_in
):
    from django.test.utils import CaptureQueriesContext

    case = open_case_for("social.worker", first_name="Counted")
    share(case, "norfolk_police", "contribute")
    client = sign_in("social.worker")
    url = reverse("assessments", args=[case.pk])

    def add_some(n):
        for _ in range(n):
            assessments.add_contribution(people["police.officer"], case, harm=["transported"],
                                         analysis="Seen.", restricted=False)  # fmt: skip
            assess(people["social.worker"], case, "high")

    add_some(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add_some(11)
    with CaptureQueriesContext(connection) as twelve:
        assert client.get(url).status_code == 200
    assert len(one) == len(twelve)
