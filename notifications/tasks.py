"""Delivering notifications: email to the duty address, a signed webhook, escalations.

Each `Delivery` (one notification, one channel) is sent by its own task, so a failing
channel holds up no other. Sending happens inside a transaction that holds the delivery's
row lock (SELECT ... FOR UPDATE SKIP LOCKED) and marks it sent before committing:

- two tasks for one delivery (the on-commit one and the sweep's) cannot both send: the
  second finds the row locked, or already sent;
- a worker killed mid-send drops its connection, PostgreSQL rolls the transaction back
  and releases the lock, the row is still pending, and the task (acks_late,
  reject_on_worker_lost) runs again: it is sent once. The one window left — the receiver
  accepted the message and the worker died before COMMIT — can repeat a message, so each
  carries a stable id (email Message-ID, webhook Idempotency-Key) for the receiver to
  drop a repeat.

A failed attempt is recorded (`DeliveryAttempt`) and retried with exponential backoff,
NOTIFY_RETRY_SECONDS doubling up to an hour, NOTIFY_MAX_ATTEMPTS times; then the delivery
is marked failed, where the agency's admin sees it. An unexpected error in a channel (a
bug, not an outage) is recorded and retried the same way, never left silent. The beat
sweep re-queues whatever is pending and due, so an outage of Redis or the worker delays
delivery but loses nothing.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

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


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`: doubling from NOTIFY_RETRY_SECONDS."""
    seconds = settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return dt.timedelta(seconds=min(seconds, MAX_BACKOFF_SECONDS))


def _link(notification: Notification) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/inbox/#notification-{notification.pk}"


def _message_id(delivery: Delivery) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost"
    return f"<notification-{delivery.notification_id}-{delivery.channel}@{domain}>"


def send_email(delivery: Delivery) -> None:
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
    message = EmailMessage(
        subject=subject[:200],
        body=body,
        to=to,
        headers={"Message-ID": _message_id(delivery), "Auto-Submitted": "auto-generated"},
    )
    try:
        message.send(fail_silently=False)
    except Exception as error:  # SMTP, socket, TLS: all mean "not sent"
        raise DeliveryFailed(f"email: {type(error).__name__}: {error}") from error


def webhook_body(notification: Notification) -> bytes:
    payload = {
        "id": notification.pk,
        "kind": notification.kind,
        "case_reference": notification.reference,
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


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: following it would POST the notification
    (or, for 301-303, drop the body) somewhere the agency admin never set."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def send_webhook(delivery: Delivery) -> None:
    notification = delivery.notification
    agency = notification.agency
    if not agency.webhook_url.startswith(("https://", "http://")):
        raise DeliveryFailed("webhook: the agency has no http(s) webhook address")
    if not agency.webhook_secret:
        # Unsigned (or signed with an empty key) a receiver could not trust it at all.
        raise DeliveryFailed("webhook: the agency has no webhook secret to sign with")
    body = webhook_body(notification)
    timestamp = str(int(time.time()))
    # Only http(s), checked above (and by the field's validator): no file: or custom schemes.
    request = urllib.request.Request(  # noqa: S310
        agency.webhook_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "SafeguardingHub-Webhook/1",
            "X-Safeguarding-Timestamp": timestamp,
            "X-Safeguarding-Signature": sign(agency.webhook_secret, timestamp, body),
            "Idempotency-Key": f"notification-{notification.pk}",
        },
    )
    try:
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS
        with _opener.open(request, timeout=timeout) as reply:
            status = reply.status
    except urllib.error.HTTPError as error:
        raise DeliveryFailed(f"webhook: HTTP {error.code}") from error
    except Exception as error:  # refused, timeout, DNS: all "not delivered"
        raise DeliveryFailed(f"webhook: {type(error).__name__}: {error}") from error
    if not 200 <= status < 300:
        raise DeliveryFailed(f"webhook: HTTP {status}")


SENDERS = {
    Delivery.Channel.EMAIL: send_email,
    Delivery.Channel.ESCALATION: send_email,
    Delivery.Channel.WEBHOOK: send_webhook,
}


def attempt(delivery_id: int) -> str:
    """Try one delivery once, if it is pending, due and nobody else is sending it.

    Returns what happened ("sent", "retry", "failed", "skipped") for logs and tests.
    """
    retry_in = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__agency")
            .select_related("notification__caused_by_agency")
            .filter(pk=delivery_id, state=Delivery.State.PENDING)
            .first()
        )
        now = timezone.now()
        if delivery is None or delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return "skipped"
        delivery.attempts += 1
        try:
            # No savepoint (two more round trips per message): the senders read nothing
            # but the escalation's managers. Should that read fail, recording the attempt
            # fails too, all rolls back, and the row, still pending, waits for the sweep.
            SENDERS[delivery.channel](delivery)
        except Exception as failure:
            if isinstance(failure, DeliveryFailed):
                error = str(failure)
            else:  # a bug, not an outage: still recorded, retried and visible to the admin
                log.exception("delivery %s: unexpected error", delivery.pk)
                error = f"{delivery.channel}: {type(failure).__name__}: {failure}"
            error = error[:ERROR_LENGTH]
            DeliveryAttempt.objects.create(delivery=delivery, succeeded=False, error=error)
            delivery.last_error = error
            if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                delivery.state = Delivery.State.FAILED
                outcome = "failed"
                log.error("delivery %s failed for good: %s", delivery.pk, error)
            else:
                wait = backoff(delivery.attempts)
                delivery.next_attempt_at = now + wait
                retry_in = wait.total_seconds()
                outcome = "retry"
        else:
            DeliveryAttempt.objects.create(delivery=delivery, succeeded=True)
            delivery.state = Delivery.State.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            outcome = "sent"
        delivery.save(update_fields=["attempts", "state", "next_attempt_at", "sent_at",
                                     "last_error"])  # fmt: skip
    if retry_in is not None:
        queue_deliveries([delivery_id], countdown=retry_in)
    return outcome


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
