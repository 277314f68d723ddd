"""Return home interviews: a return creates the 72-hour interview task and recording the
interview closes it; one not held in 72 hours goes, once, to the placing authority's
managers, and one held in time does not.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cases.models import Entry
from missing.models import ReturnInterview
from missing.services import (
    AlreadyReturned,
    InterviewAlreadyRecorded,
    record_return,
    record_return_interview,
)
from missing.tasks import escalate_return_interviews
from notifications.models import Delivery, Notification
from notifications.services import acknowledge_notification
from notifications.tasks import attempt
from tests.notifications.helpers import london, told


def test_a_return_creates_the_72_hour_interview_task_and_recording_it_closes_it(
    open_case_for, place, missing, people, agencies
):
    case = open_case_for("social.worker")
    place(case, "norfolk")
    episode = missing(case)
    returned_at = timezone.now()

    record_return(people["police.officer"], episode, returned_at=returned_at,
                  how_found="Found by officers at a friend's address")  # fmt: skip

    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.agency == agencies["norfolk_childrens"]  # the placing authority
    assert interview.due_at == returned_at + dt.timedelta(hours=72)
    assert interview.completed_at is None
    assert told(Notification.Kind.RETURNED, episode.pk) == told(
        Notification.Kind.MISSING, episode.pk
    )
    with pytest.raises(AlreadyReturned):
        record_return(people["police.officer"], episode, returned_at=returned_at,
                      how_found="again")  # fmt: skip

    record_return_interview(people["social.worker"], interview,
                            held_on=timezone.now(), summary="Talked it through.")  # fmt: skip

    interview.refresh_from_db()
    assert interview.completed_at is not None
    assert interview.completed_by == people["social.worker"]
    assert Entry.objects.filter(case=case, category=Entry.Category.RETURN_INTERVIEW).exists()
    with pytest.raises(InterviewAlreadyRecorded):
        record_return_interview(people["social.worker"], interview,
                                held_on=timezone.now(), summary="again")  # fmt: skip


def test_a_return_interview_not_held_in_72_hours_goes_to_the_placing_authoritys_managers(
    open_case_for, place, missing, people, agencies, mailoutbox
):
    returned = london(2026, 6, 1, 9, 0)
    case = open_case_for("social.worker")
    with time_machine.travel(returned - dt.timedelta(hours=3), tick=False):
        place(case, "norfolk")
        episode = missing(case)
        # Acknowledged, so only the interview can be late.
        for notification in Notification.objects.all():
            person = next(p for p in people.values() if p.agency_id == notification.agency_id)
            acknowledge_notification(notification, person)
    with time_machine.travel(returned, tick=False):
        record_return(people["police.officer"], episode, returned_at=returned,
                      how_found="Came home")  # fmt: skip
        for notification in Notification.objects.filter(acknowledged_at__isnull=True):
            person = next(p for p in people.values() if p.agency_id == notification.agency_id)
            acknowledge_notification(notification, person)

    with time_machine.travel(returned + dt.timedelta(hours=71, minutes=59), tick=False):
        assert escalate_return_interviews() == 0
    with time_machine.travel(returned + dt.timedelta(hours=72, minutes=1), tick=False):
        assert escalate_return_interviews() == 1
        assert escalate_return_interviews() == 0

    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.escalated_at is not None
    overdue = Notification.objects.get(kind=Notification.Kind.RETURN_INTERVIEW_OVERDUE)
    assert overdue.agency == agencies["norfolk_childrens"]
    assert overdue.subject_id == interview.pk
    assert overdue.summary == (
        f"Case {case.reference}: return home interview overdue (due 4 June 2026 at 9am)"
    )
    assert overdue.escalated_at is not None  # never escalated a second time
    [delivery] = overdue.deliveries.all()
    assert delivery.channel == Delivery.Channel.ESCALATION

    assert attempt(delivery.pk) == "sent"
    [sent] = mailoutbox
    assert sorted(sent.to) == sorted(
        [agencies["norfolk_childrens"].duty_email, people["mash.manager"].email]
    )
    assert "Return home interview overdue" in sent.subject
    assert "(due 4 June 2026 at 9am)" in sent.subject


def test_an_interview_held_in_time_is_not_escalated(open_case_for, place, missing, people):
    returned = london(2026, 6, 1, 9, 0)
    case = open_case_for("social.worker")
    place(case, "norfolk")
    episode = missing(case)
    record_return(people["police.officer"], episode, returned_at=returned,
                  how_found="Came home")  # fmt: skip
    record_return_interview(people["social.worker"], episode.return_interview,
                            held_on=returned, summary="Held.")  # fmt: skip
    with time_machine.travel(returned + dt.timedelta(days=5), tick=False):
        escalate_return_interviews()
    assert not Notification.objects.filter(kind=Notification.Kind.RETURN_INTERVIEW_OVERDUE).exists()
