"""Acknowledging a notification (who and when, on the chronology; only by the agency told),
the deadline for it (15 minutes for a missing child, one working day for a placement, in
London's working days and across the clock changes), and escalation once it has passed.
"""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from notifications.models import Delivery, Notification
from notifications.services import (
    acknowledge_notification,
    inbox,
    unacknowledged_count,
)
from notifications.tasks import attempt, escalate
from people.calendar import Calendar
from tests.conftest import events
from tests.notifications.helpers import london, names

# Inbox and acknowledgement -----------------------------------------------------------------


def test_acknowledging_records_who_and_when_and_puts_it_on_the_chronology(
    open_case_for, place, people, agencies
):
    case = open_case_for("social.worker")
    placement = place(case, "suffolk")
    suffolk = agencies["suffolk_police"]
    notification = Notification.objects.get(agency=suffolk, subject_id=placement.pk)
    assert unacknowledged_count(suffolk) == 1
    assert list(inbox(suffolk)) == [notification]

    before = timezone.now()
    done = acknowledge_notification(notification, people["suffolk.officer"])

    assert done.acknowledged_by == people["suffolk.officer"]
    assert before <= done.acknowledged_at <= timezone.now()
    assert unacknowledged_count(suffolk) == 0
    entry = Entry.objects.get(case=case, category=Entry.Category.NOTIFICATION_ACKNOWLEDGED)
    assert "acknowledged by Suffolk Constabulary" in entry.text
    assert entry.agency == suffolk
    assert len(events(Action.NOTIFICATION_ACKNOWLEDGED, target_id=case.pk)) == 1

    # Again is harmless: no second entry, the first who and when stay.
    again = acknowledge_notification(notification, people["suffolk.officer"])
    assert again.acknowledged_at == done.acknowledged_at
    assert Entry.objects.filter(category=Entry.Category.NOTIFICATION_ACKNOWLEDGED).count() == 1


def test_nobody_acknowledges_for_another_agency(open_case_for, place, people, agencies):
    case = open_case_for("social.worker")
    placement = place(case, "suffolk")
    notification = Notification.objects.get(
        agency=agencies["suffolk_police"], subject_id=placement.pk
    )
    with pytest.raises(PermissionDenied):
        acknowledge_notification(notification, people["police.officer"])
    notification.refresh_from_db()
    assert notification.acknowledged_at is None


# Deadlines ---------------------------------------------------------------------------------


def test_a_missing_child_must_be_acknowledged_within_15_minutes(open_case_for, missing):
    case = open_case_for("social.worker")
    missing(case)
    for notification in Notification.objects.all():
        assert notification.acknowledge_by - notification.created_at == dt.timedelta(minutes=15)


@pytest.mark.parametrize(
    ("recorded", "due"),
    [
        # Wednesday → Thursday.
        (london(2026, 6, 10, 14, 30), london(2026, 6, 11, 14, 30)),
        # Friday → Monday, across the weekend.
        (london(2026, 6, 12, 16, 0), london(2026, 6, 15, 16, 0)),
        # Saturday → Monday.
        (london(2026, 6, 13, 11, 0), london(2026, 6, 15, 11, 0)),
        # Friday → Monday across the spring clock change (29 March 2026): 71 hours later,
        # the same time on the office clock.
        (london(2026, 3, 27, 10, 0), london(2026, 3, 30, 10, 0)),
        # ... and the autumn one (25 October 2026): 73 hours later.
        (london(2026, 10, 23, 10, 0), london(2026, 10, 26, 10, 0)),
    ],
)
def test_a_placement_must_be_acknowledged_within_one_working_day(
    recorded, due, open_case_for, place
):
    case = open_case_for("social.worker")
    with time_machine.travel(recorded, tick=False):
        place(case, "suffolk", at=recorded)
    for notification in Notification.objects.filter(kind=Notification.Kind.PLACEMENT):
        assert notification.acknowledge_by == due
        assert timezone.localtime(notification.acknowledge_by).time() == recorded.time()


def test_the_clock_change_is_respected_in_utc_too():
    friday = london(2026, 3, 27, 10, 0)
    monday = Calendar().add_working_days(friday, 1)
    assert friday.astimezone(dt.UTC).hour == 10  # GMT
    assert monday.astimezone(dt.UTC).hour == 9  # BST
    # (Subtracting two London times would give wall-clock hours; elapsed time is in UTC.)
    assert monday.astimezone(dt.UTC) - friday.astimezone(dt.UTC) == dt.timedelta(hours=71)


# Escalation --------------------------------------------------------------------------------


def escalations() -> list[Delivery]:
    return list(Delivery.objects.filter(channel=Delivery.Channel.ESCALATION))


def test_an_unacknowledged_missing_notification_is_escalated_after_15_minutes_once(
    open_case_for, missing, people, agencies, mailoutbox
):
    reported = london(2026, 6, 10, 22, 0)
    case = open_case_for("social.worker")
    with time_machine.travel(reported, tick=False):
        missing(case, by="social.worker")
    police = Notification.objects.get(agency=agencies["norfolk_police"])
    hospital = Notification.objects.get(agency=agencies["norfolk_hospital"])
    acknowledge_notification(hospital, people["health.nurse"])

    with time_machine.travel(reported + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert escalate() == 0
    with time_machine.travel(reported + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert escalate() == 1
        assert escalate() == 0  # once only
    with time_machine.travel(reported + dt.timedelta(hours=2), tick=False):
        assert escalate() == 0

    police.refresh_from_db()
    hospital.refresh_from_db()
    assert police.escalated_at == reported + dt.timedelta(minutes=15, seconds=1)
    assert hospital.escalated_at is None  # acknowledged in time
    [delivery] = escalations()
    assert delivery.notification == police

    assert attempt(delivery.pk) == "sent"
    [sent] = mailoutbox
    assert sent.subject.startswith("ESCALATED, not acknowledged:")
    # The agency's MASH managers and its duty address; not its practitioners.
    assert sorted(sent.to) == sorted(
        [agencies["norfolk_police"].duty_email, people["police.mash"].email]
    )
    assert people["police.officer"].email not in sent.to


def test_an_unacknowledged_placement_notification_is_escalated_after_one_working_day(
    open_case_for, place, agencies
):
    friday = london(2026, 6, 12, 16, 0)
    case = open_case_for("social.worker")
    with time_machine.travel(friday, tick=False):
        place(case, "suffolk", at=friday)
    with time_machine.travel(london(2026, 6, 15, 15, 59), tick=False):
        assert escalate() == 0  # Monday, a minute before the working day is up
    with time_machine.travel(london(2026, 6, 15, 16, 1), tick=False):
        assert escalate() == 2  # Suffolk police and Suffolk children's services
    assert sorted(d.notification.agency.name for d in escalations()) == names(
        agencies["suffolk_police"], agencies["suffolk_childrens"]
    )
