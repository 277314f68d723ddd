"""Delivering notifications: email to the duty address, a signed webhook, escalations.

Each `Delivery` (one notification, one channel) is sent by its own task, so a failing
channel holds up no other. A sender holds the delivery's PostgreSQL advisory lock (session
level) from before it reads the row until the outcome is recorded:

- two tasks for one delivery (the on-commit one and the sweep's) cannot both send: the
  second finds the lock taken, or the row already sent;
- the attempt is counted and marked "sending" (committed) before the server is spoken
  to, and marked sent (committed) the moment the server accepts: the SMTP server's 250
  to DATA, before QUIT; the webhook's 2xx. A worker killed mid-send drops its connection,
  PostgreSQL releases the lock, the row is still pending with the "sending" mark, and the
  task (acks_late, reject_on_worker_lost) or the sweep runs again: it records the
  interrupted attempt and sends again. Killed before the server accepted, nothing arrived
  and it is sent once; killed between the server's acceptance and the mark (the window
  no protocol closes: SMTP has no way to ask whether a message arrived), it arrives twice,
  with the same stable id (email Message-ID, webhook Idempotency-Key) for the receiver to
  drop the repeat. Each such death adds at most one copy; a delivery that kills its worker
  every time stops at NOTIFY_MAX_ATTEMPTS.

Webhook addresses are checked when sent (notifications.webhook_address): resolved, refused
if loopback, private, link-local or a metadata address, and connected to at the address
checked. A refused address fails the delivery at once: it is configuration, no retry
mends it, and the agency admin sees why on the deliveries page.

A failed attempt is recorded (`DeliveryAttempt`) and retried with exponential backoff,
NOTIFY_RETRY_SECONDS doubling up to an hour, NOTIFY_MAX_ATTEMPTS times; then the delivery
is marked failed, where the agency's admin sees it. An unexpected error in a channel (a
bug, not an outage) is recorded and retried the same way, never left silent. The beat
sweep re-queues whatever is pending and due, so an outage of Redis or the worker delays
delivery but loses nothing.
"""

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterator

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection as database
from django.db import transaction
from django.utils import timezone

from notifications import webhook_address
from notifications.models import Delivery, DeliveryAttempt, Notification
from people.models import Agency, Person
from safeguarding.uk_time import said

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600
ERROR_LENGTH = DeliveryAttempt._meta.get_field("error").max_length
# A task with a countdown can be run a little before the row's next_attempt_at (the two
# clocks are read at different moments): that is still its turn, not a duplicate.
EARLY_TOLERANCE = dt.timedelta(seconds=1)


class DeliveryFailed(Exception):
    """A channel could not deliver; the message says why (kept on the attempt)."""


class AddressNotAllowed(DeliveryFailed):
    """The webhook's address is, or resolves to, one the Hub must not connect to: the
    agency's configuration, which no retry mends, so the delivery fails at once (and shows
    on the agency admin's page with the reason) instead of trying for hours."""


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`: doubling from NOTIFY_RETRY_SECONDS."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _link(notification: Notification) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/inbox/#notification-{notification.pk}"


def _message_id(delivery: Delivery) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<notification-{delivery.notification_id}-{delivery.channel}@{domain}>"


def send_email(delivery: Delivery, accepted: Callable[[], None]) -> None:
    notification = delivery.notification
    agency = notification.agency
    escalated = delivery.channel == Delivery.Channel.ESCALATION
    to = [agency.duty_email]
    if escalated:
        managers = Person.objects.filter(
            agency=agency, role=Person.Role.MASH_MANAGER, is_active=True
        ).exclude(email="")
        to += sorted({m.email for m in managers} - set(to))
    subject = f"{notification.get_kind_display()}: {notification.summary}"
    if escalated:
        subject = f"ESCALATED, not acknowledged: {subject}"
    body = (
        f"{notification.summary}\n\n"
        f"From {notification.caused_by_agency.name} to {agency.name}.\n"
        f"Please acknowledge by {said(notification.acknowledge_by)}: {_link(notification)}\n\n"
        "Sign in to the Safeguarding Hub to see the case. This email holds no details of "
        "the child on purpose.\n"
    )
    connection = get_connection(fail_silently=False)
    message = EmailMessage(
        subject=subject[:200],
        body=body,
        to=to,
        headers={"Message-ID": _message_id(delivery), "Auto-Submitted": "auto-generated"},
        connection=connection,
    )
    try:
        # Opened here, so sending leaves it open: the server's 250 to DATA is the moment
        # the message is accepted, and the "sent" mark is committed then, before QUIT.
        connection.open()
        message.send(fail_silently=False)
    except Exception as error:  # SMTP, socket, TLS: all mean "not sent"
        _close(connection)
        raise DeliveryFailed(f"email: {type(error).__name__}: {error}") from error
    try:
        accepted()
    finally:
        _close(connection)


def _close(connection) -> None:
    """QUIT: after the mark, so a server slow to answer it cannot cause a second copy."""
    try:
        connection.close()
    except Exception as error:  # the message was accepted (or not) already: only logged
        log.warning("email: closing the SMTP connection: %s: %s", type(error).__name__, error)


def webhook_body(notification: Notification) -> bytes:
    payload = {
        "id": notification.pk,
        "kind": notification.kind,
        "case_reference": notification.reference,
        # For an integrator to fetch the case by id (GET /api/v1/cases/<id>/, where its
        # agency may see it) as the API's notifications already say; no identity fields.
        "case_id": notification.case_id,
        "summary": notification.summary,
        "created_at": notification.created_at.isoformat(),
        "acknowledge_by": notification.acknowledge_by.isoformat(),
        "escalated": notification.escalated_at is not None,
        "url": _link(notification),
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Safeguarding-Signature value: HMAC-SHA256 over "<timestamp>.<body>"."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance=300) -> bool:
    """What a receiver does (documented for agencies): check the signature and that the
    timestamp is recent, so a captured request cannot be replayed later."""
    try:
        fresh = abs(time.time() - int(timestamp)) <= tolerance
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(delivery: Delivery, accepted: Callable[[], None]) -> None:
    notification = delivery.notification
    agency = notification.agency
    if not agency.webhook_url.startswith(("https://", "http://")):
        raise DeliveryFailed("webhook: the agency has no http(s) webhook address")
    if not agency.webhook_secret:
        # Unsigned (or signed with an empty key) a receiver could not trust it at all.
        raise DeliveryFailed("webhook: the agency has no webhook secret to sign with")
    body = webhook_body(notification)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "SafeguardingHub-Webhook/1",
        "X-Safeguarding-Timestamp": timestamp,
        "X-Safeguarding-Signature": sign(agency.webhook_secret, timestamp, body),
        "Idempotency-Key": f"notification-{notification.pk}",
    }
    try:
        status = webhook_address.post(
            agency.webhook_url, body, headers, settings.WEBHOOK_TIMEOUT_SECONDS
        )
    except webhook_address.AddressRefused as error:
        raise AddressNotAllowed(f"webhook: {error}") from error
    except Exception as error:  # refused, timeout, DNS, TLS: all "not delivered"
        raise DeliveryFailed(f"webhook: {type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook: HTTP {status}")
    accepted()


SENDERS = {
    Delivery.Channel.EMAIL: send_email,
    Delivery.Channel.ESCALATION: send_email,
    Delivery.Channel.WEBHOOK: send_webhook,
}


# pg_try_advisory_lock(SENDING_LOCK, delivery id): one sender per delivery ("ntfy").
SENDING_LOCK = 0x6E746679


@contextlib.contextmanager
def _sending(delivery_id: int) -> Iterator[bool]:
    """Hold the delivery's session-level advisory lock while sending, if nobody else does.

    Session-level, not a row lock in a transaction: the "sending" mark before the send and
    the "sent" mark after it are committed while it is held. PostgreSQL drops it the moment
    a killed worker's connection closes, so the next task can take the delivery over.
    """
    key = [SENDING_LOCK, delivery_id % 2**31]
    with database.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s::int, %s::int)", key)
        mine = cursor.fetchone()[0]
    try:
        yield mine
    finally:
        if mine:
            with database.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s::int, %s::int)", key)


def interrupted_error(channel: str) -> str:
    """What an attempt a worker died in the middle of says on the agency admin's page."""
    stable_id = "Idempotency-Key" if channel == Delivery.Channel.WEBHOOK else "Message-ID"
    return (
        f"{channel}: interrupted: the worker stopped while sending; it may have arrived, "
        f"so a repeat carries the same {stable_id}"
    )


def attempt(delivery_id: int) -> str:
    """Try one delivery once, if it is pending, due and nobody else is sending it.

    Returns what happened ("sent", "retry", "failed", "skipped") for logs and tests.

    At least once, and as near once as the protocols allow: the attempt is counted and
    marked "sending" (committed) before the server is spoken to, and marked sent
    (committed) as soon as the server accepts, before the connection is closed. A worker
    killed in between leaves the mark; the next attempt records the interrupted one and
    sends again with the same Message-ID or Idempotency-Key. Each such death adds at most
    one copy, and a delivery that kills its worker every time stops at
    NOTIFY_MAX_ATTEMPTS like any failing one.
    """
    with _sending(delivery_id) as mine:
        return _attempt(delivery_id) if mine else "skipped"


def _attempt(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("notification__agency")
            .select_related("notification__caused_by_agency")
            .filter(pk=delivery_id, state=Delivery.State.PENDING)
            .first()
        )
        now = timezone.now()
        if delivery is None or delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return "skipped"
        if delivery.sending_since is not None:  # its sender died: the lock was free
            error = interrupted_error(delivery.channel)
            DeliveryAttempt.objects.create(
                delivery=delivery, attempted_at=delivery.sending_since, succeeded=False,
                error=error,
            )  # fmt: skip
            delivery.last_error = error
            log.warning("delivery %s: the last attempt was interrupted mid-send", delivery.pk)
            if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                delivery.state = Delivery.State.FAILED
                delivery.sending_since = None
                delivery.save(update_fields=["state", "sending_since", "last_error"])
                log.error("delivery %s failed for good: %s", delivery.pk, error)
                return "failed"
        delivery.attempts += 1
        delivery.sending_since = started = now
        delivery.save(update_fields=["attempts", "sending_since", "last_error"])

    marked = False

    def accepted() -> None:
        """The server has the message: record it at once (before QUIT or close)."""
        nonlocal marked
        with transaction.atomic():
            DeliveryAttempt.objects.create(delivery=delivery, attempted_at=started,
                                           succeeded=True)  # fmt: skip
            Delivery.objects.filter(pk=delivery.pk).update(
                state=Delivery.State.SENT, sent_at=timezone.now(), last_error="",
                sending_since=None,
            )  # fmt: skip
        marked = True

    try:
        SENDERS[delivery.channel](delivery, accepted)
        if not marked:
            accepted()
    except Exception as failure:
        if marked:  # sent and recorded; what failed came after
            log.warning("delivery %s: after sending: %s: %s", delivery.pk,
                        type(failure).__name__, failure)  # fmt: skip
            return "sent"
        outcome, retry_in = _record_failure(delivery, failure, started)
    else:
        return "sent"
    if retry_in is not None:
        queue_deliveries([delivery_id], countdown=retry_in)
    return outcome


def _record_failure(
    delivery: Delivery, failure: Exception, started: dt.datetime
) -> tuple[str, float | None]:
    """Record a failed attempt; fail the delivery for good, or say when to try again."""
    if isinstance(failure, DeliveryFailed):
        error = str(failure)
    else:  # a bug, not an outage: still recorded, retried and visible to the admin
        log.exception("delivery %s: unexpected error", delivery.pk, exc_info=failure)
        error = f"{delivery.channel}: {type(failure).__name__}: {failure}"
    error = error[:ERROR_LENGTH]
    retry_in = None
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery, attempted_at=started, succeeded=False, error=error
        )
        delivery.last_error = error
        delivery.sending_since = None
        final = isinstance(failure, AddressNotAllowed)
        if final or delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            delivery.state = Delivery.State.FAILED
            outcome = "failed"
            log.error("delivery %s failed for good: %s", delivery.pk, error)
        else:
            wait = backoff(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + wait
            retry_in = wait.total_seconds()
            outcome = "retry"
        delivery.save(update_fields=["state", "next_attempt_at", "last_error", "sending_since"])
    return outcome, retry_in


def queue_deliveries(delivery_ids: list[int], countdown: float = 0) -> int:
    """Queue one `deliver` task per delivery; returns how many were queued.

    If the broker is down, stop at the first failure (each try would fail the same way,
    and a person is waiting for their page): the rows stay pending and the sweep sends
    them when Redis is back.
    """
    for queued, pk in enumerate(delivery_ids):
        try:
            deliver.apply_async(args=[pk], countdown=countdown or None, retry=False)
        except Exception as error:  # the broker is unavailable
            log.warning(
                "could not queue %d deliveries (%s: %s); the sweep will send them",
                len(delivery_ids) - queued,
                type(error).__name__,
                error,
            )
            return queued
    return len(delivery_ids)


@shared_task(name="notifications.tasks.deliver")
def deliver(delivery_id: int) -> str:
    """One channel of one notification: safe to run twice (see `attempt`)."""
    return attempt(delivery_id)


@shared_task(name="notifications.tasks.sweep")
def sweep(limit: int = 500) -> int:
    """Re-queue pending deliveries that are due: what a lost task or a broker outage left.

    A delivery just written may be queued twice (on commit and here); the row lock and
    state make the second a no-op.
    """
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return queue_deliveries(due)


@shared_task(name="notifications.tasks.escalate")
def escalate(now: str | None = None) -> int:
    """Escalate what nobody acknowledged in time (by `now`, an ISO time, for tests and
    replays; the beat sends none, so it is the time the sweep runs).

    Each is escalated once (escalated_at), by email to the agency's MASH managers and duty
    address, delivered like any other channel. (Return home interviews not held in time
    are escalated by missing.tasks.escalate_return_interviews: this layer is below them.)
    """
    now = as_of(now)
    queued: list[int] = []
    with transaction.atomic():
        overdue = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(acknowledged_at__isnull=True, escalated_at__isnull=True,
                    withdrawn_at__isnull=True,  # no longer needed: nothing to chase
                    acknowledge_by__lt=now)  # late once past it, as overdue() says
            .order_by("acknowledge_by")[:200]
        )  # fmt: skip
        for notification in overdue:
            notification.escalated_at = now
            notification.save(update_fields=["escalated_at"])
            delivery, _ = Delivery.objects.get_or_create(
                notification=notification,
                channel=Delivery.Channel.ESCALATION,
                defaults={"next_attempt_at": now},
            )
            queued.append(delivery.pk)
        transaction.on_commit(lambda: queue_deliveries(queued))
    return len(overdue)


def failed_for(agency: Agency):
    """Deliveries to this agency that ran out of retries: the agency admin's worry list."""
    return (
        Delivery.objects.filter(notification__agency=agency, state=Delivery.State.FAILED)
        .select_related("notification")
        .order_by("-notification__created_at")
    )


def as_of(now: str | dt.datetime | None) -> dt.datetime:
    """The time a periodic sweep works to: given (a datetime, or ISO text as Celery's JSON
    carries it), or the clock's. Sweeps take it so deadlines are tested with time fixed in
    the test, without freezing the worker's clock."""
    if now is None:
        return timezone.now()
    return now if isinstance(now, dt.datetime) else dt.datetime.fromisoformat(now)
