"""Delivery end to end: real PostgreSQL, real Redis, a real Celery worker, a real SMTP
receiver (aiosmtpd) and a real HTTP webhook receiver, all on this machine's loopback.

Each test starts its worker(s) on a queue of its own (conftest `start_worker`), with the
settings it needs (where to send email, short retries) in the worker's environment, as
production passes them. Faults are real too: a Redis server killed and restarted, a worker
killed with SIGKILL in the middle of an SMTP conversation, an SMTP port with nothing on it,
a webhook receiver that answers 500.
"""

import datetime as dt
import http.server
import json
import threading
import time
from collections import Counter

import pytest
from django.utils import timezone

from missing.models import MissingEpisode, ReturnInterview
from missing.services import record_return
from notifications.models import Delivery, DeliveryAttempt, Notification
from notifications.services import inbox
from notifications.tasks import interrupted_error, sweep, verify
from tests.conftest import SmtpReceiver, free_port

pytestmark = pytest.mark.django_db(transaction=True)

FAST_RETRIES = {"NOTIFY_RETRY_SECONDS": "1"}


def wait_until(condition, timeout: float = 30, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def all_sent() -> bool:
    return not Delivery.objects.exclude(state=Delivery.State.SENT).exists()


def email_ids() -> dict[str, str]:
    """The Message-ID each email delivery carries, by the duty address it goes to."""
    return {
        f"<notification-{d.notification_id}-email@localhost>": d.notification.agency.duty_email
        for d in Delivery.objects.filter(channel=Delivery.Channel.EMAIL).select_related(
            "notification__agency"
        )
    }


def assert_each_email_arrived_once(receiver: SmtpReceiver) -> None:
    expected = email_ids()
    counts = Counter(receiver.ids())
    assert set(counts) == set(expected)
    assert max(counts.values()) == 1, f"sent twice: {counts}"
    for message in receiver.messages:
        assert message.to == [expected[message.message_id]]


def names_told(kind: str, subject_id: int) -> list[str]:
    return sorted(
        Notification.objects.filter(kind=kind, subject_id=subject_id).values_list(
            "agency__name", flat=True
        )
    )


def test_missing_then_returned_everyone_is_told_by_email_and_the_interview_is_due_in_72_hours(
    start_worker, smtp_receiver, open_case_for, share, place, missing, people, agencies
):
    start_worker(smtp_receiver.env)
    case = open_case_for("social.worker")
    share(case, "suffolk_police")  # a sharing agency outside the area
    place(case, "norfolk")

    episode = missing(case, by="social.worker")
    assert names_told(Notification.Kind.MISSING, episode.pk) == sorted(
        [
            "Norfolk Constabulary",
            "Norfolk and Norwich University Hospitals NHS Foundation Trust",
            "Suffolk Constabulary",
        ]
    )

    returned_at = timezone.now()
    record_return(people["police.officer"], episode, returned_at=returned_at,
                  how_found="Found at a friend's address")  # fmt: skip
    interview = ReturnInterview.objects.get(episode=episode)
    assert interview.agency == agencies["norfolk_childrens"]
    assert interview.due_at == returned_at + dt.timedelta(hours=72)
    assert interview.completed_at is None
    assert "Norfolk County Council Children's Services" in names_told(
        Notification.Kind.RETURNED, episode.pk
    )

    # Placement (3), missing (3) and returned (3): every one reaches the SMTP server, once.
    expected = Delivery.objects.count()
    assert expected == 9
    smtp_receiver.wait_for(expected)
    wait_until(all_sent, what="every delivery marked sent")
    assert_each_email_arrived_once(smtp_receiver)


def publish_when_broker_is_back(task, timeout: float = 20) -> None:
    """Publish once the broker answers again (the first publish may find a dead socket)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            task.apply_async(retry=False)
            return
        except Exception:
            assert time.monotonic() < deadline, "could not publish to the restarted Redis"
            time.sleep(0.2)


def test_with_redis_stopped_a_missing_report_is_saved_at_once_and_one_sweep_delivers_it_all(
    throwaway_redis, start_worker, smtp_receiver, open_case_for, share, place, missing
):
    start_worker({**smtp_receiver.env, "REDIS_URL": throwaway_redis.url})
    case = open_case_for("social.worker")
    share(case, "suffolk_police")
    place(case, "norfolk")  # published and delivered while Redis is up: the pool is warm
    smtp_receiver.wait_for(3)
    wait_until(all_sent, what="the placement's deliveries")

    throwaway_redis.kill()
    # Twice: the first publish finds the pool's dead socket, the second must connect anew.
    episodes = []
    for _ in range(2):
        started = time.monotonic()
        episodes.append(missing(case, by="social.worker"))
        took = time.monotonic() - started
        # Back again (one open episode a case), set directly: no return notices to deliver.
        MissingEpisode.objects.filter(pk=episodes[-1].pk).update(returned_at=timezone.now())
        assert took < 3, f"reporting a missing child took {took:.1f} s with Redis down"

    told = Notification.objects.filter(
        kind=Notification.Kind.MISSING, subject_id__in=[e.pk for e in episodes]
    )
    assert told.count() == 6
    waiting = Delivery.objects.filter(notification__in=told)
    assert waiting.count() == waiting.filter(state=Delivery.State.PENDING, attempts=0).count()

    throwaway_redis.start()  # same port, empty: nothing queued before survived, if any was
    publish_when_broker_is_back(sweep)

    wait_until(all_sent, timeout=45, what="delivery after one sweep")
    assert_each_email_arrived_once(smtp_receiver)
    # One attempt each: nothing was sent twice and nothing needed a second try.
    assert DeliveryAttempt.objects.filter(delivery__in=waiting, succeeded=True).count() == 6
    assert DeliveryAttempt.objects.filter(delivery__in=waiting).count() == 6


def test_a_worker_killed_in_the_middle_of_a_delivery_delivers_it_once(
    start_worker, smtp_receiver, open_case_for, missing
):
    # Redis hands an unacknowledged task to another worker after the visibility timeout
    # (two hours in production); short here so the next worker takes it back at start.
    env = {**smtp_receiver.env, "CELERY_VISIBILITY_TIMEOUT_SECONDS": "2"}
    first = start_worker(env)
    case = open_case_for("social.worker")

    smtp_receiver.stall_next()
    missing(case, by="social.worker")  # Norfolk Constabulary and the hospital trust
    assert smtp_receiver.stalled.wait(20), "the worker never reached DATA"
    stalled_at = time.monotonic()
    first.kill()  # mid-send: the message is written, the server has not said 250
    smtp_receiver.release()

    # Its transaction died with its connection: nothing recorded, still pending.
    assert not DeliveryAttempt.objects.exists()
    assert Delivery.objects.filter(state=Delivery.State.PENDING).count() >= 1

    time.sleep(max(0.0, stalled_at + 2.5 - time.monotonic()))
    start_worker(env)

    wait_until(all_sent, what="delivery by the second worker")
    assert_each_email_arrived_once(smtp_receiver)
    # The interrupted attempt is on the record (the admin sees why it took two), the other
    # delivery went at the first try.
    tries = sorted(
        [(t.succeeded, t.error) for t in d.tries.order_by("attempted_at")]
        for d in Delivery.objects.all()
    )
    assert tries == [[(False, interrupted_error("email")), (True, "")], [(True, "")]]


def killing(worker):
    """A hook for the SMTP receiver that kills `worker`, and an event set once it has."""
    killed = threading.Event()

    def kill() -> None:
        worker.kill()
        killed.set()

    return kill, killed


def test_a_worker_killed_after_the_server_accepted_an_email_sends_one_more_copy_at_most(
    start_worker, smtp_receiver, open_case_for, missing
):
    env = {**smtp_receiver.env, "CELERY_VISIBILITY_TIMEOUT_SECONDS": "2"}
    first = start_worker(env)
    case = open_case_for("social.worker")
    kill, killed = killing(first)
    # The fixed point: the server has stored the message and the worker dies before it
    # reads the 250, so before any mark: the window SMTP cannot close.
    smtp_receiver.when_stored = kill

    missing(case, by="social.worker")  # two emails: Norfolk Constabulary, the hospital
    assert killed.wait(20), "no email reached the server"
    killed_at = time.monotonic()
    [message] = smtp_receiver.messages
    sending = Delivery.objects.get(sending_since__isnull=False)
    assert message.message_id == f"<notification-{sending.notification_id}-email@localhost>"
    assert (sending.state, sending.attempts) == (Delivery.State.PENDING, 1)
    assert not sending.tries.exists()

    time.sleep(max(0.0, killed_at + 2.5 - time.monotonic()))
    start_worker(env)
    wait_until(all_sent, what="delivery by the second worker")

    counts = Counter(smtp_receiver.ids())
    others = {i: 1 for i in email_ids() if i != message.message_id}
    assert counts == {message.message_id: 2, **others}  # one copy more, the same Message-ID
    sending.refresh_from_db()
    assert sending.attempts == 2 and sending.sending_since is None
    assert [(t.succeeded, t.error) for t in sending.tries.order_by("attempted_at")] == [
        (False, interrupted_error("email")),
        (True, ""),
    ]


def test_a_worker_killed_after_the_250_while_saying_quit_sends_the_email_once(
    start_worker, smtp_receiver, open_case_for, missing
):
    env = {**smtp_receiver.env, "CELERY_VISIBILITY_TIMEOUT_SECONDS": "2"}
    first = start_worker(env)
    case = open_case_for("social.worker")
    kill, killed = killing(first)
    smtp_receiver.at_quit = kill  # the 250 was read; the mark is already committed

    missing(case, by="social.worker")
    assert killed.wait(20), "no email reached QUIT"
    killed_at = time.monotonic()
    assert Delivery.objects.filter(state=Delivery.State.SENT).count() == 1

    time.sleep(max(0.0, killed_at + 2.5 - time.monotonic()))
    start_worker(env)
    wait_until(all_sent, what="delivery by the second worker")
    assert_each_email_arrived_once(smtp_receiver)
    for delivery in Delivery.objects.all():
        assert [t.succeeded for t in delivery.tries.all()] == [True]


def test_with_the_email_server_down_the_inbox_has_it_at_once_and_email_follows_on_retry(
    start_worker, open_case_for, missing, agencies
):
    receiver = SmtpReceiver(free_port())  # not started: nothing listens on its port
    start_worker({**receiver.env, **FAST_RETRIES})
    case = open_case_for("social.worker")

    episode = missing(case, by="social.worker")

    # In the inbox at commit, before any worker has done anything.
    police = agencies["norfolk_police"]
    assert [n.subject_id for n in inbox(police)] == [episode.pk]
    emails = Delivery.objects.filter(channel=Delivery.Channel.EMAIL)
    assert emails.count() == 2

    def each_failed_twice() -> bool:
        return all(d.tries.filter(succeeded=False).count() >= 2 for d in emails)

    wait_until(each_failed_twice, what="two failed attempts per email")
    receiver.start()
    try:
        wait_until(all_sent, what="delivery once the SMTP server is up")
        assert_each_email_arrived_once(receiver)
    finally:
        receiver.stop()
    for delivery in emails:
        tries = list(delivery.tries.order_by("attempted_at"))
        assert [t.succeeded for t in tries][-1] is True
        assert all(not t.succeeded for t in tries[:-1]) and len(tries) >= 3
        assert all("ConnectionRefusedError" in t.error for t in tries[:-1])


class WebhookReceiver(http.server.ThreadingHTTPServer):
    """An agency's endpoint: checks each signature as our docs tell agencies to, and
    answers 500 to the first request (a fault at their end), 200 after."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[dict] = []
        super().__init__(("127.0.0.1", 0), WebhookHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}/safeguarding-hub"
        threading.Thread(target=self.serve_forever, daemon=True).start()


class WebhookHandler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: WebhookReceiver = self.server
        verified = verify(
            server.secret,
            self.headers["X-Safeguarding-Timestamp"],
            body,
            self.headers["X-Safeguarding-Signature"],
        )
        server.received.append(
            {"verified": verified, "key": self.headers["Idempotency-Key"], "body": body}
        )
        status = 401 if not verified else 500 if len(server.received) == 1 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args) -> None:  # quiet
        pass


def test_a_webhook_receiver_verifies_the_signature_and_a_500_is_retried(
    start_worker, smtp_receiver, open_case_for, missing, agencies
):
    receiver = WebhookReceiver(secret="police-webhook-secret")
    police = agencies["norfolk_police"]
    police.webhook_url, police.webhook_secret = receiver.url, receiver.secret
    police.save()
    try:
        # The receiver is on the loopback, which a developer allows (none is otherwise).
        start_worker(
            {**smtp_receiver.env, **FAST_RETRIES, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32"}
        )
        case = open_case_for("social.worker")
        missing(case, by="social.worker")
        wait_until(all_sent, what="the webhook delivered after a retry")
    finally:
        receiver.shutdown()
        receiver.server_close()

    notification = Notification.objects.get(agency=police)
    webhook = notification.deliveries.get(channel=Delivery.Channel.WEBHOOK)
    assert [(t.succeeded, t.error) for t in webhook.tries.order_by("attempted_at")] == [
        (False, "webhook: HTTP 500"),
        (True, ""),
    ]
    assert webhook.attempts == 2
    assert [r["verified"] for r in receiver.received] == [True, True]
    assert {r["key"] for r in receiver.received} == {f"notification-{notification.pk}"}
    payload = json.loads(receiver.received[-1]["body"])
    assert payload["id"] == notification.pk
    assert payload["kind"] == "missing"
    assert payload["case_reference"] == case.reference
    assert payload["case_id"] == case.pk  # to fetch it through the API (issue 23)
    # No identity fields: what happened and where to look, never who.
    assert set(payload) == {"id", "kind", "case_reference", "case_id", "summary", "created_at",
                            "acknowledge_by", "escalated", "url"}  # fmt: skip
    # The email went regardless of the webhook's trouble.
    assert_each_email_arrived_once(smtp_receiver)
