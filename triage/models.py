"""MASH contacts: concerns about a child, their RAG ratings and the checks asked of partners."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models import Case, Child


class Rag(models.TextChoices):
    """How urgent a contact is: the decision is due 4, 24 or 72 hours after receipt."""

    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Contact(models.Model):
    """A concern about a child reaching the MASH of the local authority where the child
    lives: rated, checked with partners, assigned and decided there (cases.mash)."""

    class State(models.TextChoices):
        NEW = "new", "New: to be rated"
        OPEN = "open", "Rated: being worked on"
        DECIDED = "decided", "Decided"

    class ReferrerType(models.TextChoices):
        PROFESSIONAL = "professional", "A professional, for their agency"
        PUBLIC = "public", "A member of the public"

    class Decision(models.TextChoices):
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion (s.47)"
        ASSESSMENT = "assessment", "Child and family assessment (s.17)"
        EARLY_HELP = "early_help", "Early help"
        ADVICE = "advice", "Advice and information"
        NO_FURTHER_ACTION = "no_further_action", "No further action"
        TRANSFER = "transfer", "Transfer to another authority’s MASH"

    # Decisions that open the child's case (or link an open one) at the MASH's agency.
    OPENS_CASE = {Decision.STRATEGY_DISCUSSION, Decision.ASSESSMENT, Decision.EARLY_HELP}

    reference = models.CharField(max_length=20, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="contacts")
    area = models.ForeignKey(
        "people.Area", on_delete=models.PROTECT, related_name="contacts",
        help_text="The local authority area where the child lives.",
    )  # fmt: skip
    mash = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, related_name="contacts_received",
        help_text="The children's services whose MASH received the contact.",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referring_agency = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, related_name="contacts_made"
    )
    referrer_type = models.CharField(max_length=20, choices=ReferrerType.choices)
    referrer_name = models.CharField(max_length=200)
    referrer_role = models.CharField("role or relationship to the child", max_length=200)
    referrer_phone = models.CharField("telephone", max_length=30, blank=True)
    referrer_email = models.EmailField("email address", max_length=254, blank=True)
    received_at = models.DateTimeField("when received")
    concern = models.TextField("what was reported", max_length=5000)
    recorded_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=State.choices, default=State.NEW)
    rag = models.CharField("RAG rating", max_length=5, choices=Rag.choices, blank=True)
    # Until rated, a contact is due as if red: it must be rated before anything else.
    due_at = models.DateTimeField("decision due")
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="contacts_assigned",
    )  # fmt: skip
    decision = models.CharField(max_length=30, choices=Decision.choices, blank=True)
    rationale = models.TextField(max_length=5000, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    transfer_to = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The MASH a transferred contact went to.",
    )  # fmt: skip
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts",
        help_text="The case the decision opened or linked.",
    )  # fmt: skip
    # The child as the referrer gave them, fixed when the contact is recorded: a new child as
    # typed (names, date of birth, NHS number), which the MASH checks against the record an
    # NHS number may have linked; or a child the referrer picked, as they were shown it
    # (`"picked": true`). What the referrer is shown of the child with the contact, so a
    # record only another agency knows never reaches them (triage.selectors.child_as_known).
    child_as_given = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            # The triage queue: one MASH's undecided contacts by time left.
            models.Index(fields=["mash", "due_at"], condition=~models.Q(state="decided"),
                         name="contact_queue"),
            models.Index(fields=["mash", "-received_at"], name="contact_mash_received"),
            models.Index(fields=["referring_agency", "-received_at"], name="contact_referrer"),
            models.Index(fields=["child", "-received_at"], name="contact_child"),
            # The queue's referrer filter: which agencies have made contacts to this MASH.
            models.Index(fields=["mash", "referring_agency"], name="contact_mash_referrer"),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="decided")
                | (~models.Q(decision="") & models.Q(decided_at__isnull=False)),
                name="contact_decided_has_decision",
            ),
            models.CheckConstraint(
                condition=models.Q(state="new") | ~models.Q(rag=""),
                name="contact_rated_has_rag",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def decided(self) -> bool:
        return self.state == self.State.DECIDED

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Undecided and past its decision deadline: the queue's red flag."""
        return not self.decided and self.due_at < (now or timezone.now())

    @staticmethod
    def overdue_q(now: dt.datetime | None = None) -> models.Q:
        """`overdue`, as a query condition: for filters, annotations and counts."""
        return models.Q(due_at__lt=now or timezone.now()) & ~models.Q(state=Contact.State.DECIDED)

    @property
    def child_typed(self) -> dict:
        """A new child as the referrer typed them ({} when they picked a known child): what
        the MASH compares with the record the contact is linked to."""
        return {} if self.child_as_given.get("picked") else self.child_as_given

    @property
    def child_given_name(self) -> str:
        given = self.child_as_given
        return f"{given.get('first_name', '')} {given.get('last_name', '')}".strip()

    @property
    def child_given_born(self) -> dt.date | None:
        born = self.child_as_given.get("date_of_birth")
        return dt.date.fromisoformat(born) if born else None


class ContactRating(models.Model):
    """Each RAG rating of a contact, the first and every change, with the reason."""

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="ratings")
    rag = models.CharField(max_length=5, choices=Rag.choices)
    reason = models.CharField(max_length=1000)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    rated_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["contact", "rated_at"], name="rating_contact_time")]

    def __str__(self) -> str:
        return f"{self.contact} {self.rag} at {self.rated_at:%Y-%m-%d %H:%M}"


class PartnerCheck(models.Model):
    """The MASH asking one partner agency what it holds on the child, and its answer.

    The partner sees it in its inbox (a `sharing.Notification`), answers in the app, and
    may keep part of the answer restricted: seen by the MASH for its decision, written to
    the chronology visible only to the partner itself.
    """

    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="checks")
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT,
                               related_name="partner_checks")  # fmt: skip
    question = models.TextField("what the MASH asks", max_length=2000)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")  # fmt: skip
    requested_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    answer = models.TextField("what the agency holds", max_length=5000, blank=True)
    restricted_answer = models.TextField(
        "restricted part", max_length=5000, blank=True,
        help_text="For the MASH's decision only: not shared on with other agencies.",
    )  # fmt: skip
    # Closed unanswered (triage.services: `close_check`, a MASH manager with a reason, or
    # `close_overtaken_checks`, by the MASH's decision; closed_by is then empty). The partner
    # is told and reads why on the check's page; a closed check takes no answer.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text="The manager who closed it; empty when a decision did.",
    )  # fmt: skip
    # db_default too: the synthetic data generator COPYs rows without this column.
    closed_reason = models.TextField(
        "why the MASH closed it", max_length=1000, blank=True, default="", db_default=""
    )

    class Meta:
        indexes = [
            models.Index(fields=["agency", "due_at"],
                         condition=models.Q(answered_at__isnull=True, closed_at__isnull=True),
                         name="check_outstanding"),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["contact", "agency"], name="check_once_per_agency"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(closed_at__isnull=True),
                name="check_answered_or_closed",
            ),
            models.CheckConstraint(
                condition=models.Q(closed_at__isnull=True) | ~models.Q(closed_reason=""),
                name="check_closed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} check with {self.agency}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def outstanding(self) -> bool:
        """Still waited for: neither answered nor closed by the MASH."""
        return not self.answered and not self.closed

    @staticmethod
    def outstanding_q() -> models.Q:
        """`outstanding`, as a query condition."""
        return models.Q(answered_at__isnull=True, closed_at__isnull=True)

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Outstanding and past the time the MASH gave the partner."""
        return self.outstanding and self.due_at < (now or timezone.now())

    @staticmethod
    def overdue_q(now: dt.datetime | None = None) -> models.Q:
        """`overdue`, as a query condition: for filters, annotations and counts."""
        return PartnerCheck.outstanding_q() & models.Q(due_at__lt=now or timezone.now())
