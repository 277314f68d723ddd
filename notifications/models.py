"""The outbox: one agency told about one thing, each channel's delivery and attempts."""

import datetime as dt

from django.db import models
from django.utils import timezone

from people.models import Agency, Person


class Notification(models.Model):
    """One agency told about one thing that happened to a case: the transactional outbox.

    Written in the same transaction as what it reports (a placement, a missing report, a
    return), so it cannot be lost: the row is the agency's inbox item from the moment of
    commit, and the per-channel `Delivery` rows say whether email and webhook got out.
    """

    class Kind(models.TextChoices):
        PLACEMENT = "placement", "Child placed in your area"
        PLACEMENT_ENDED = "placement_ended", "Placement ended"
        MISSING = "missing", "Child missing"
        MISSING_REGRADED = "missing_regraded", "Missing child's risk regraded"
        RETURNED = "returned", "Missing child returned"
        REPEAT_MISSING = "repeat_missing", "Repeat missing: convene a strategy discussion"
        RETURN_INTERVIEW_OVERDUE = "return_interview_overdue", "Return home interview overdue"
        PARTNER_CHECK = "partner_check", "MASH partner check requested"
        CONTACT_OUTCOME = "contact_outcome", "MASH decision on your contact"
        OWN_CASE_OPENED = "own_case_opened", "A partner opened its own case on your child"
        CHECK_CLOSED = "check_closed", "MASH check closed: no answer needed"
        EMERGENCY_ACCESS = "emergency_access", "Emergency access used on your case"
        # Exploitation risk assessments (issue 21): to the agency leading the case.
        ASSESSMENT_REVIEW = "assessment_review", "Risk assessment due for review"
        # Links across cases (issue 20): another case holds the same thing; ask to share.
        # Never about a case (`case` is empty): the match, by its reference, is the subject.
        LINK_MATCH = "link_match", "Another case holds something you linked"
        # Meetings (issue 22): an action given to the agency, and one left open past its day.
        MEETING_ACTION = "meeting_action", "Action for your agency from a meeting"
        MEETING_ACTION_OVERDUE = "meeting_action_overdue", "Meeting action overdue"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notifications")
    # About a case, or (MASH work before any case is opened) about a contact.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="notifications", null=True,
        blank=True,
    )  # fmt: skip
    # The case reference, or (before any case) the reference of what it is about, such as a
    # MASH contact: copied when written, so the inbox names it without reading higher apps.
    subject_reference = models.CharField(max_length=20)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    # Short and safe to email: no names of children, no circumstances.
    summary = models.CharField(max_length=300)
    # What it is about, by kind: the placement, missing episode, return interview,
    # partner check or contact id.
    subject_id = models.BigIntegerField()
    caused_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    caused_by_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    acknowledge_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    # What it asked for is no longer needed (a partner check closed unanswered): it is not
    # escalated, nor counted as waiting, and says so in the inbox. Not an acknowledgement:
    # nobody at the agency took it in (the notification saying why it closed asks that).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # The share this event gave the agency (a placement notice gives those covering the area
    # view access): one event, acknowledged once. Acknowledging either acknowledges both
    # (notifications.services.acknowledge_notification, acknowledge_with_share).
    share = models.ForeignKey(
        "sharing.Share", on_delete=models.PROTECT, null=True, blank=True,
        related_name="notifications",
    )  # fmt: skip

    class Meta:
        indexes = [
            models.Index(fields=["agency", "acknowledged_at", "acknowledge_by"],
                         name="notification_inbox"),
            models.Index(fields=["acknowledge_by"],
                         condition=models.Q(acknowledged_at__isnull=True,
                                            escalated_at__isnull=True),
                         name="notification_to_escalate"),
        ]  # fmt: skip
        constraints = [
            # Never twice: one notification per agency per thing that happened.
            models.UniqueConstraint(
                fields=["agency", "kind", "subject_id"], name="notification_once_per_agency"
            ),
            models.CheckConstraint(
                condition=models.Q(case__isnull=False) | ~models.Q(subject_reference=""),
                name="notification_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.agency} ({self.reference})"

    @property
    def reference(self) -> str:
        """The case reference, or (MASH work before any case) the contact's."""
        return self.subject_reference

    @property
    def waiting(self) -> bool:
        """Still asks the agency to acknowledge it: not acknowledged, nor withdrawn."""
        return self.acknowledged_at is None and self.withdrawn_at is None

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Waiting, and past `acknowledge_by` (escalation follows: tasks.escalate)."""
        return self.waiting and self.acknowledge_by < (now or timezone.now())


class Delivery(models.Model):
    """One channel of one notification (email, webhook; escalations by email), retried
    with backoff until sent or out of attempts. Every attempt is a `DeliveryAttempt`."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email to the duty address"
        WEBHOOK = "webhook", "Webhook"
        ESCALATION = "escalation", "Escalation email to MASH managers and duty address"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed after every retry"

    notification = models.ForeignKey(
        Notification, on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # Set (and committed) before a sender talks to the server, cleared when the outcome is
    # recorded: still set on a pending delivery nobody is sending, it says a worker died
    # mid-send, and the message may have arrived (notifications.tasks.attempt).
    sending_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=models.Q(state="pending"),
                         name="delivery_due"),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.notification} by {self.channel}: {self.state}"


class DeliveryAttempt(models.Model):
    """When a channel was tried, and what happened: why something has not arrived."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="tries")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()
    error = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"{self.delivery} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
