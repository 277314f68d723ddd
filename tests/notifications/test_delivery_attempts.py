"""What one delivery attempt does, without a worker: sent once, left for its turn, retried
later and later, failed where the agency admin sees it; a failing webhook does not stop the
email; webhooks are signed.

Delivery attempts run in this process (`notifications.tasks.attempt`) against Django's locmem
email backend, or against a real SMTP address where nothing listens when a failure is
wanted; webhooks fail against a closed loopback port. The database and the broker are
real: a retry that `attempt` queues goes to the run's Redis, where no worker reads it.
The end-to-end behaviour with a real worker is in test_delivery_end_to_end.py.
"""

import datetime as dt

import time_machine
from django.utils import timezone

from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.tasks import (
    MAX_BACKOFF_SECONDS,
    SENDERS,
    attempt,
    backoff,
    failed_for,
    interrupted_error,
    sign,
    verify,
)
from tests.conftest import free_port


def broken_smtp(settings) -> None:
    """Email to a loopback port where nothing listens: a real refused connection."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_TIMEOUT = 2


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


def test_the_email_says_the_deadline_as_the_pages_do(open_case_for, missing, agencies, mailoutbox):
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])
    # The second 01:30 of the night the clocks went back: the email says which.
    Notification.objects.filter(pk=delivery.notification_id).update(
        acknowledge_by=dt.datetime(2026, 10, 25, 1, 30, tzinfo=dt.UTC)
    )
    assert attempt(delivery.pk) == "sent"
    [sent] = mailoutbox
    assert "Please acknowledge by 25 October 2026 at 1:30am GMT: http" in sent.body


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


def test_a_failing_webhook_does_not_stop_the_email(
    open_case_for, missing, agencies, mailoutbox, settings
):
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]  # a receiver on the loopback
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
    assert webhook.last_error.startswith("webhook: ConnectionRefusedError")


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

    def broken(delivery, accepted):
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


def test_a_delivery_left_sending_by_a_dead_worker_records_the_interruption_and_sends_again(
    open_case_for, missing, agencies, mailoutbox
):
    case = open_case_for("social.worker")
    missing(case)
    delivery = email_delivery(agencies["norfolk_childrens"])
    died_at = timezone.now() - dt.timedelta(minutes=1)
    # What a worker killed after the server's 250 leaves: counted, marked sending, no mark.
    Delivery.objects.filter(pk=delivery.pk).update(attempts=1, sending_since=died_at)

    assert attempt(delivery.pk) == "sent"

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.sending_since) == ("sent", 2, None)
    tries = [(t.attempted_at, t.succeeded, t.error) for t in delivery.tries.order_by("id")]
    assert tries[0] == (died_at, False, interrupted_error("email"))
    assert tries[1][1:] == (True, "")
    [sent] = mailoutbox
    assert sent.extra_headers["Message-ID"] == (
        f"<notification-{delivery.notification_id}-email@localhost>"
    )


def test_a_delivery_that_kills_its_worker_every_time_stops_at_the_last_attempt(
    open_case_for, missing, agencies, mailoutbox, settings
):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    case = open_case_for("social.worker")
    missing(case)
    agency = agencies["norfolk_childrens"]
    delivery = email_delivery(agency)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=3, sending_since=timezone.now())

    assert attempt(delivery.pk) == "failed"

    assert mailoutbox == []  # no fourth copy
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.FAILED
    assert delivery.last_error == interrupted_error("email")
    assert list(failed_for(agency)) == [delivery]
