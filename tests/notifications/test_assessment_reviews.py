"""Reviews of exploitation risk assessments (issue 21, item 2): a review date passing puts an
item in the lead agency's inbox and home worklist, and shows on the strip and in lists; a
disclosure or a missing report proposes an early review. Each once."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from cases import assessments
from cases.services import add_entry
from missing.services import record_return, report_missing
from notifications.models import Notification
from notifications.reviews import raise_assessment_reviews
from tests.cases.page_helpers import text_of

pytestmark = pytest.mark.django_db

REVIEW = Notification.Kind.ASSESSMENT_REVIEW


def assessed(people, case, review_by: dt.date):
    return assessments.record_assessment(
        people["social.worker"], case, harm=["gifts_or_money"], vulnerabilities=[],
        protective=[], child_view="", analysis="Gifts from adults.", level="medium",
        rationale="Signs of grooming.", review_by=review_by,
    )  # fmt: skip


def test_a_review_date_passing_raises_one_item_for_the_lead_agency(
    open_case_for, people, agencies, share, sign_in
):
    case = open_case_for("social.worker", first_name="Reviewed")
    share(case, "norfolk_police", "contribute")
    today = timezone.localdate()
    assessment = assessed(people, case, today + dt.timedelta(days=10))
    # The day of the review date: not yet overdue.
    with time_machine.travel(timezone.now() + dt.timedelta(days=10), tick=False):
        assert raise_assessment_reviews() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=11), tick=False):
        assert raise_assessment_reviews() == 1
        assert raise_assessment_reviews() == 0  # once
        strip = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
        assert "Review overdue The exploitation risk assessment was due" in strip
    raised = Notification.objects.get(kind=REVIEW)
    assert (raised.agency, raised.subject_id) == (agencies["norfolk_childrens"], assessment.pk)
    assert "Reviewed" not in raised.summary and case.reference in raised.summary
    assert not Notification.objects.filter(kind=REVIEW, agency=agencies["norfolk_police"])
    inbox = sign_in("social.worker").get(reverse("inbox")).content.decode()
    assert reverse("assessments", args=[case.pk]) in inbox
    home = sign_in("social.worker").get(reverse("home")).content.decode()
    assert f"Risk assessment due for review: {case.reference}" in home
    assert f'href="{reverse("assessments", args=[case.pk])}"' in home


def test_only_the_newest_assessment_of_an_open_case_is_raised(open_case_for, people):
    from cases.services import close_case

    today = timezone.localdate()
    replaced = open_case_for("social.worker", first_name="Replaced")
    assessed(people, replaced, today + dt.timedelta(days=5))
    newer = assessed(people, replaced, today + dt.timedelta(days=60))
    closed = open_case_for("social.worker", first_name="Closed")
    assessed(people, closed, today + dt.timedelta(days=5))
    close_case(people["social.worker"], closed, "Risk has reduced")
    with time_machine.travel(timezone.now() + dt.timedelta(days=30), tick=False):
        assert raise_assessment_reviews() == 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=61), tick=False):
        assert raise_assessment_reviews() == 1
    assert Notification.objects.get(kind=REVIEW).subject_id == newer.pk


def test_a_disclosure_or_a_missing_report_since_the_assessment_proposes_an_early_review(
    open_case_for, people, share, sign_in
):
    """On the case, not by email: the lead agency is told of a missing report already. A
    restricted disclosure proposes it only to the agency that recorded it."""
    case = open_case_for("social.worker", first_name="Disclosed")
    share(case, "norfolk_police", "contribute")
    first = report_missing(
        people["social.worker"], case, last_seen_at=timezone.now() - dt.timedelta(hours=30),
        last_seen_where="Norwich", circumstances="Not back from school.", risk="medium",
    )  # fmt: skip
    record_return(people["social.worker"], first, returned_at=timezone.now(), how_found="Home")
    assessed(people, case, timezone.localdate() + dt.timedelta(days=60))
    strip = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    assert "Early review proposed" not in strip  # the missing report came before it
    add_entry(people["police.officer"], case, category="disclosure", occurred_at=timezone.now(),
              text="Told an officer about the men at the flat.", restricted=True)  # fmt: skip
    police = text_of(sign_in("police.officer").get(reverse("case", args=[case.pk])))
    assert "Early review proposed A disclosure entry was recorded" in police
    strip = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    assert "Early review proposed" not in strip  # restricted to the police
    report_missing(
        people["police.officer"], case, last_seen_at=timezone.now() - dt.timedelta(hours=1),
        last_seen_where="Ipswich", circumstances="Left the placement.", risk="high",
    )  # fmt: skip
    strip = text_of(sign_in("social.worker").get(reverse("case", args=[case.pk])))
    assert "Early review proposed A missing entry was recorded" in strip
    assert not Notification.objects.filter(kind=REVIEW).exists()
