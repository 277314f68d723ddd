"""Notifications without a worker: who is told, that the outbox commits with the event,
acknowledgement, deadlines and escalation, and what one delivery attempt does.

Delivery attempts run in this process (`notifications.tasks.attempt`) against Django's locmem
email backend, or against a real SMTP address where nothing listens when a failure is
wanted; webhooks fail against a closed loopback port. The database and the broker are
real: a retry that `attempt` queues goes to the run's Redis, where no worker reads it.
The end-to-end behaviour with a real worker is in test_notification_delivery.py.
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import Action
from cases.models import Entry
from missing.models import MissingEpisode, ReturnInterview
from missing.services import (
    AlreadyReturned,
    InterviewAlreadyRecorded,
    record_placement,
    record_return,
    record_return_interview,
    report_missing,
)
from missing.tasks import escalate_return_interviews
from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.services import (
    acknowledge_notification,
    add_working_days,
    inbox,
    recipients,
    unacknowledged_count,
)
from notifications.tasks import (
    MAX_BACKOFF_SECONDS,
    SENDERS,
    attempt,
    backoff,
    escalate,
    failed_for,
    sign,
    verify,
)
from safeguarding.health import redis_client
from sharing.models import LawfulBasis, Share
from sharing.services import revoke_share
from tests.conftest import events, free_port

LONDON = zoneinfo.ZoneInfo("Europe/London")


def london(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)


def told(kind: str, subject_id: int) -> list[str]:
    """Names of the agencies notified of one event, in name order."""
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def names(*agency_objects) -> list[str]:
    return sorted(a.name for a in agency_objects)


def broken_smtp(settings) -> None:
    """Email to a loopback port where nothing listens: a real refused connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2


# Recipients -----------------------------------------------------------------------------


def test_a_placement_in_suffolk_tells_suffolk_police_and_childrens_services_and_sharers(
    open_case_for, place, share, agencies
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police")
    share(case, "norfolk_hospital")
    placement = place(case, "suffolk")

    assert told(Notification.Kind.PLACEMENT, placement.pk) == names(
        agencies["suffolk_police"],
        agencies["suffolk_childrens"],
        agencies["norfolk_police"],
        agencies["norfolk_hospital"],
    )
    # The placing authority recorded it, so it is not told about its own placement.
    assert not Notification.objects.filter(agency=agencies["norfolk_childrens"]).exists()


def test_the_agencies_covering_the_placement_area_get_view_access_on_the_placement_basis(
    open_case_for, place, agencies
):
    case = open_case_for("social.worker")
    place(case, "suffolk")
    for key in ("suffolk_police", "suffolk_childrens"):
        share = Share.objects.get(case=case, agency=agencies[key], revoked_at__isnull=True)
        assert share.level == Share.Level.VIEW
        assert share.lawful_basis == LawfulBasis.PLACEMENT_NOTIFICATION


def test_a_missing_report_tells_the_placing_authority_area_agencies_and_sharers_not_the_reporter(
    open_case_for, place, share, missing, agencies
):
    case = open_case_for("social.worker")
    share(case, "norfolk_police", "contribute")
    share(case, "norfolk_hospital")
    place(case, "suffolk")
    episode = missing(case, by="police.officer")

    assert told(Notification.Kind.MISSING, episode.pk) == names(
        agencies["norfolk_childrens"],  # the placing authority
        agencies["suffolk_police"],
        agencies["suffolk_childrens"],
        agencies["norfolk_hospital"],  # a sharer
    )


def test_recipients_never_include_an_agency_twice_or_the_causing_agency_or_a_revoked_share(
    open_case_for, share, partnership, people, agencies
):
    case = open_case_for("social.worker")
    # Suffolk police: covers the area *and* holds a share. Norfolk hospital: share revoked.
    share(case, "suffolk_police")
    revoke_share(share(case, "norfolk_hospital"), people["social.worker"])

    found = recipients(
        case,
        caused_by=agencies["suffolk_childrens"],
        area=partnership.areas["suffolk"],
        placing_authority=agencies["norfolk_childrens"],
    )

    assert [a.pk for a in found] == list(dict.fromkeys(a.pk for a in found))
    assert names(*found) == names(agencies["suffolk_police"], agencies["norfolk_childrens"])


def test_the_database_refuses_a_second_notification_of_one_event_to_one_agency(
    open_case_for, missing, agencies, people
):
    case = open_case_for("social.worker")
    episode = missing(case)
    first = Notification.objects.filter(kind=Notification.Kind.MISSING).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            agency=first.agency,
            case=case,
            kind=Notification.Kind.MISSING,
            summary="again",
            subject_id=episode.pk,
            caused_by=people["police.officer"],
            caused_by_agency=agencies["norfolk_police"],
            acknowledge_by=timezone.now(),
        )


def test_each_notification_gets_an_email_delivery_and_a_webhook_where_the_agency_has_one(
    open_case_for, missing, agencies
):
    agency = agencies["norfolk_childrens"]
    agency.webhook_url, agency.webhook_secret = "https://example.invalid/hook", "s3cret"
    agency.save()
    case = open_case_for("social.worker")
    missing(case)

    for notification in Notification.objects.all():
        channels = sorted(notification.deliveries.values_list("channel", flat=True))
        expected = ["email", "webhook"] if notification.agency == agency else ["email"]
        assert channels == expected
        assert notification.deliveries.filter(state=Delivery.State.PENDING).count() == len(expected)


def test_a_placement_with_an_invalid_postcode_is_refused_before_anything_is_written(
    open_case_for, partnership, people
):
    case = open_case_for("social.worker")
    with pytest.raises(ValidationError):
        record_placement(
            people["social.worker"],
            case,
            area=partnership.areas["suffolk"],
            address="1 Test Street",
            postcode="NOT A POSTCODE",
            provider_type="childrens_home",
            started_at=timezone.now(),
        )
    assert not Notification.objects.exists()


# The outbox commits with the event --------------------------------------------------------


class Forced(Exception):
    pass


def queued_in_redis() -> int:
    """Messages waiting on the default queue of the run's real broker (nobody reads it)."""
    from safeguarding.celery import app

    return redis_client().llen(app.conf.task_default_queue)


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_notify_leaves_no_episode_no_notification_and_nothing_queued(
    open_case_for, place, monkeypatch, people
):
    import missing.services

    case = open_case_for("social.worker")
    place(case, "suffolk")
    real_notify = missing.services.notify
    calls = []

    def notify_then_fail(*args, **kwargs):
        calls.append(real_notify(*args, **kwargs))
        raise Forced("forced failure after notify")

    monkeypatch.setattr(missing.services, "notify", notify_then_fail)
    notifications_before = Notification.objects.count()
    deliveries_before = Delivery.objects.count()
    entries_before = Entry.objects.filter(case=case).count()
    queued_before = queued_in_redis()

    with pytest.raises(Forced):
        report_missing(
            people["police.officer"],
            case,
            last_seen_at=timezone.now(),
            last_seen_where="Home",
            circumstances="Gone.",
            risk="high",
        )

    assert calls and calls[0], "notify wrote notifications before the failure"
    assert not MissingEpisode.objects.exists()
    assert Notification.objects.count() == notifications_before
    assert Delivery.objects.count() == deliveries_before
    assert Entry.objects.filter(case=case).count() == entries_before
    assert queued_in_redis() == queued_before, "nothing is sent for what was rolled back"


@pytest.mark.django_db(transaction=True)
def test_after_commit_one_task_per_delivery_is_queued(open_case_for, missing):
    case = open_case_for("social.worker")
    queued_before = queued_in_redis()
    missing(case)
    assert Delivery.objects.count() == 2  # Norfolk children's services and the hospital
    assert queued_in_redis() - queued_before == Delivery.objects.count()


# Inbox and acknowledgement ----------------------------------------------------------------


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


# Deadlines ----------------------------------------------------------------------------------


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
    monday = add_working_days(friday, 1)
    assert friday.astimezone(dt.UTC).hour == 10  # GMT
    assert monday.astimezone(dt.UTC).hour == 9  # BST
    # (Subtracting two London times would give wall-clock hours; elapsed time is in UTC.)
    assert monday.astimezone(dt.UTC) - friday.astimezone(dt.UTC) == dt.timedelta(hours=71)


# Escalation ---------------------------------------------------------------------------------


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
    assert overdue.escalated_at is not None  # never escalated a second time
    [delivery] = overdue.deliveries.all()
    assert delivery.channel == Delivery.Channel.ESCALATION

    assert attempt(delivery.pk) == "sent"
    [sent] = mailoutbox
    assert sorted(sent.to) == sorted(
        [agencies["norfolk_childrens"].duty_email, people["mash.manager"].email]
    )
    assert "Return home interview overdue" in sent.subject


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


# Delivery -----------------------------------------------------------------------------------


def email_delivery(agency) -> Delivery:
    return Delivery.objects.get(notification__agency=agency, channel=Delivery.Channel.EMAIL)


def test_attempting_a_delivery_twice_sends_one_email(open_case_for, missing, agencies, mailoutbox):
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])

    assert attempt(delivery.pk) == "sent"
    assert attempt(delivery.pk) == "skipped"

    assert len(mailoutbox) == 1
    sent = mailoutbox[0]
    assert sent.to == [agencies["norfolk_childrens"].duty_email]
    assert sent.extra_headers["Message-ID"] == (
        f"<notification-{delivery.notification_id}-email@localhost>"
    )
    assert case.child.first_name not in sent.body + sent.subject  # no names in email
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.SENT
    assert delivery.attempts == 1
    assert [t.succeeded for t in delivery.tries.all()] == [True]


def test_a_delivery_not_yet_due_is_left_for_its_turn(open_case_for, missing, agencies):
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + dt.timedelta(minutes=1)
    )
    assert attempt(delivery.pk) == "skipped"
    assert not DeliveryAttempt.objects.exists()


def test_backoff_doubles_from_the_first_wait_and_stops_at_an_hour(settings):
    settings.NOTIFY_RETRY_SECONDS = 10
    waits = [backoff(n).total_seconds() for n in range(1, 12)]
    assert waits[:5] == [10, 20, 40, 80, 160]
    assert max(waits) == MAX_BACKOFF_SECONDS == waits[-1]


def test_a_failed_email_is_recorded_and_retried_later_and_later(
    open_case_for, missing, agencies, settings
):
    broken_smtp(settings)
    settings.NOTIFY_RETRY_SECONDS = 10
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        assert attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=10)
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        assert attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=10 + 20)
    assert delivery.state == Delivery.State.PENDING
    assert delivery.attempts == 2
    assert "ConnectionRefusedError" in delivery.last_error
    assert [(t.succeeded, "email:" in t.error) for t in delivery.tries.all()] == [
        (False, True),
        (False, True),
    ]


def test_a_delivery_that_exhausts_its_retries_fails_where_the_agency_admin_sees_it(
    open_case_for, missing, agencies, settings
):
    broken_smtp(settings)
    settings.NOTIFY_MAX_ATTEMPTS = 3
    case = open_case_for("social.worker")
    missing(case)
    agency = agencies["norfolk_childrens"]
    delivery = email_delivery(agency)

    outcomes = []
    for _ in range(3):
        delivery.refresh_from_db()
        with time_machine.travel(delivery.next_attempt_at, tick=False):
            outcomes.append(attempt(delivery.pk))
    assert outcomes == ["retry", "retry", "failed"]
    assert attempt(delivery.pk) == "skipped"  # failed is final; the sweep leaves it

    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.attempts == 3
    tries = list(delivery.tries.order_by("attempted_at"))
    assert len(tries) == 3 and not any(t.succeeded for t in tries)
    assert all("ConnectionRefusedError" in t.error for t in tries)
    assert list(failed_for(agency)) == [delivery]


def test_a_failing_webhook_does_not_stop_the_email(open_case_for, missing, agencies, mailoutbox):
    agency = agencies["norfolk_childrens"]
    agency.webhook_url = f"http://127.0.0.1:{free_port()}/notifications"  # nothing listens
    agency.webhook_secret = "s3cret"
    agency.save()
    case = open_case_for("social.worker")
    missing(case)
    webhook = Delivery.objects.get(notification__agency=agency, channel="webhook")
    email = email_delivery(agency)

    assert attempt(webhook.pk) == "retry"
    assert attempt(email.pk) == "sent"

    assert [m.to for m in mailoutbox] == [[agency.duty_email]]
    webhook.refresh_from_db()
    assert webhook.state == Delivery.State.PENDING
    assert webhook.last_error.startswith("webhook: URLError")


def test_a_webhook_without_a_secret_is_not_sent_unsigned(open_case_for, missing, agencies):
    agency = agencies["norfolk_childrens"]
    agency.webhook_url = "https://example.invalid/hook"
    agency.save()
    case = open_case_for("social.worker")
    missing(case)
    webhook = Delivery.objects.get(notification__agency=agency, channel="webhook")
    assert attempt(webhook.pk) == "retry"
    webhook.refresh_from_db()
    assert "no webhook secret" in webhook.last_error


def test_an_unexpected_error_in_a_channel_is_recorded_not_lost(
    open_case_for, missing, agencies, monkeypatch
):
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])

    def broken(delivery):
        raise KeyError("a bug")

    monkeypatch.setitem(SENDERS, Delivery.Channel.EMAIL, broken)
    assert attempt(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "email: KeyError: 'a bug'"


def test_a_webhook_signature_verifies_only_for_the_same_secret_body_and_a_recent_time():
    import time

    body = b'{"id":1}'
    now = str(int(time.time()))
    signature = sign("s3cret", now, body)
    assert verify("s3cret", now, body, signature)
    assert not verify("other", now, body, signature)
    assert not verify("s3cret", now, b'{"id":2}', signature)
    old = str(int(time.time()) - 3600)
    assert not verify("s3cret", old, body, sign("s3cret", old, body))
    assert not verify("s3cret", "not-a-time", body, signature)


def test_agencies_told_of_a_missing_child_can_open_the_case(open_case_for, missing, people):
    """No placement: Norfolk's hospital covers the placing authority's area, is told, and
    so is given view access (on the duty to safeguard) rather than a notification it
    cannot follow."""
    from cases.selectors import can

    case = open_case_for("social.worker", first_name="Told")
    assert not can(people["health.nurse"], case, "view")
    missing(case, by="social.worker")
    assert Notification.objects.filter(case=case, agency=people["health.nurse"].agency).exists()
    assert can(people["health.nurse"], case, "view")
    share = Share.objects.get(case=case, agency=people["health.nurse"].agency)
    assert (share.level, share.lawful_basis) == ("view", LawfulBasis.CA2004_S11)
