"""Exploitation risk assessments past their review date (issue 21), as inbox items for the
agency leading the case (and so its home worklist), once each.

Here rather than in `cases`, which sits below notifications (DESIGN.md, Layers): the sweep
reads the assessments from above. The summary names the case, never the child. An early
review proposed by a significant event is a flag on the case instead (cases.risk): the
lead agency is already told of a missing report, and a second email for it would be noise.
"""

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone

from cases.models import Assessment, Case
from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import as_of
from safeguarding.uk_time import said


def due_for_review(today: dt.date):
    """Each open case's newest assessment whose review date has passed, not yet raised."""
    newest = Assessment.objects.filter(case=OuterRef("case")).order_by("-assessed_at", "-id")
    raised = Notification.objects.filter(
        kind=Notification.Kind.ASSESSMENT_REVIEW, subject_id=OuterRef("pk")
    )
    return (
        Assessment.objects.filter(review_by__lt=today, case__status=Case.Status.OPEN)
        .filter(pk=Subquery(newest.values("pk")[:1]))
        .exclude(Exists(raised))
        .order_by("review_by", "id")
    )


@shared_task(name="notifications.reviews.raise_assessment_reviews")
def raise_assessment_reviews(now: str | None = None) -> int:
    """Raise an inbox item for the lead agency of each case whose latest assessment's
    review date has passed, once each (hourly, from the beat; `now` as for
    notifications.tasks.escalate). Acknowledged in the agency's working days."""
    now = as_of(now)
    today = timezone.localdate(now)
    with transaction.atomic():
        due = list(
            due_for_review(today)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("case__lead_agency", "assessed_by")[:200]
        )
        for assessment in due:
            case = assessment.case
            notify(
                case, Notification.Kind.ASSESSMENT_REVIEW, assessment.pk,
                f"Case {case.reference}: exploitation risk assessment due for review "
                f"(by {said(assessment.review_by)})",
                assessment.assessed_by, [case.lead_agency], now=now,
            )  # fmt: skip
    return len(due)
