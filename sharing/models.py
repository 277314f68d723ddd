"""Areas, agencies and the people who work for them.

Every person belongs to exactly one agency, and every agency has its own `auth.Group`:
the group is what case permissions are granted to (see DESIGN.md, access model).
"""

from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify


class Area(models.Model):
    """A local authority area, named by its ONS code (e.g. E10000020 for Norfolk)."""

    ons_code = models.CharField(
        "ONS code",
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^[EWSN]\d{8}$", "Enter an ONS code, like E10000020")],
    )
    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    class Kind(models.TextChoices):
        POLICE = "police", "Police"
        SOCIAL_CARE = "social_care", "Children's social care"
        HEALTH = "health", "Health"
        EDUCATION = "education", "Education"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    areas = models.ManyToManyField(Area, related_name="agencies", blank=True)
    duty_email = models.EmailField(
        "duty email address",
        max_length=254,
        help_text="Where notifications for this agency are emailed, watched round the clock.",
    )
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="agency", editable=False
    )
    # Where notifications are also POSTed as signed JSON, if the agency has a system of
    # its own; set by the agency's admin. The secret signs each body (HMAC-SHA256).
    webhook_url = models.URLField("webhook address", max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        # The group is part of what an agency is, so it is made with it, in the same
        # transaction, whoever creates the agency (admin, demo loader, a test).
        with transaction.atomic():
            if self.group_id is None:
                self.group = Group.objects.create(name=f"agency:{slugify(self.name)[:140]}")
            super().save(*args, **kwargs)


class PersonManager(UserManager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("agency")


class Person(AbstractUser):
    """Someone who signs in. Their agency decides which cases they may see."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        MASH_MANAGER = "mash_manager", "MASH manager"
        AGENCY_ADMIN = "agency_admin", "Agency admin"
        INFORMATION_GOVERNANCE = "information_governance", "Information governance officer"

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.PRACTITIONER)
    job_title = models.CharField(max_length=100, blank=True)

    objects = PersonManager()

    class Meta:
        verbose_name = "person"
        verbose_name_plural = "people"
        ordering = ["last_name", "first_name", "username"]
        constraints = [
            # Only a platform superuser (who runs the service, not casework) has no agency.
            models.CheckConstraint(
                condition=models.Q(agency__isnull=False) | models.Q(is_superuser=True),
                name="person_has_agency_unless_superuser",
                violation_error_message="Every person belongs to an agency.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_agency_admin(self) -> bool:
        return self.role == self.Role.AGENCY_ADMIN and self.agency_id is not None

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        # Agency admins reach the Django admin to manage their own agency's people.
        self.is_staff = self.is_superuser or self.role == self.Role.AGENCY_ADMIN
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "is_staff"}
        with transaction.atomic():
            super().save(*args, **kwargs)
            if update_fields is None or "agency" in update_fields:
                self._join_agency_group()

    def _join_agency_group(self) -> None:
        """Keep membership of exactly one agency group: the person's own."""
        current = set(self.groups.filter(agency__isnull=False).values_list("pk", flat=True))
        wanted = {self.agency.group_id} if self.agency_id else set()
        if current - wanted:
            self.groups.remove(*(current - wanted))
        if wanted - current:
            self.groups.add(*(wanted - current))


class SignedInSession(AbstractBaseSession):
    """A session row that knows whose it is, so a person can see and end their sessions.

    Django's own session table holds the user id only inside the encoded data; finding
    "every session of this person" would mean decoding every row.
    """

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    signed_in_at = models.DateTimeField(null=True, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "signed-in session"
        indexes = [models.Index(fields=["person", "expire_date"], name="session_person_expiry")]

    @classmethod
    def get_session_store_class(cls):
        from sharing.sessions import SessionStore

        return SessionStore


class ApiToken(models.Model):
    """A personal API token: named, expiring, revocable, and stored only as a hash.

    The secret is shown once when made. `prefix` (not secret) lets a person tell their
    tokens apart and lets the audit log name one without holding anything usable.
    """

    MAX_LIFETIME_DAYS = 90

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "Revoked"
        if self.expires_at <= timezone.now():
            return "Expired"
        return "Active"


class LawfulBasis(models.TextChoices):
    CA1989_S17 = "ca1989_s17", "Children Act 1989 s.17 (child in need)"
    CA1989_S47 = "ca1989_s47", "Children Act 1989 s.47 (enquiry into significant harm)"
    CA2004_S11 = "ca2004_s11", "Children Act 2004 s.11 (duty to safeguard)"
    CDA1998_S115 = "cda1998_s115", "Crime and Disorder Act 1998 s.115"
    GDPR_6E_9G = (
        "gdpr_6e_9g",
        "UK GDPR Art. 6(1)(e) and Art. 9(2)(g), DPA 2018 Sch. 1 (safeguarding of children)",
    )
    PLACEMENT_NOTIFICATION = (
        "placement",
        "Care Planning Regulations 2010 reg. 13 (notice of placement)",
    )


class Share(models.Model):
    """An agency's lawful access to a case. The truth from which permissions are derived."""

    class Level(models.TextChoices):
        VIEW = "view", "View"
        CONTRIBUTE = "contribute", "View and add to the chronology"
        MANAGE = "manage", "Manage (share, close)"

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="shares")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="shares")
    level = models.CharField(max_length=20, choices=Level.choices)
    lawful_basis = models.CharField(max_length=30, choices=LawfulBasis.choices)
    purpose = models.CharField(max_length=500)
    shared_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", null=True)
    shared_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "acknowledged_at", "-shared_at"], name="share_inbox"),
            models.Index(fields=["case", "agency"], name="share_case_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.agency} ({self.level})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class EmergencyAccess(models.Model):
    """Break-glass: one person, one case, a written reason, a few hours. Always reviewed."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="emergency_accesses"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="emergency_accesses")
    reason = models.CharField(max_length=1000)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Reviewed afterwards by information governance at the agency that manages the case.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    review_note = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name_plural = "emergency accesses"
        indexes = [models.Index(fields=["person", "expires_at"], name="emergency_person_expiry")]

    def __str__(self) -> str:
        return f"{self.person} on {self.case} until {self.expires_at:%Y-%m-%d %H:%M}"


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
        RETURNED = "returned", "Missing child returned"
        RETURN_INTERVIEW_OVERDUE = "return_interview_overdue", "Return home interview overdue"
        PARTNER_CHECK = "partner_check", "MASH partner check requested"
        CONTACT_OUTCOME = "contact_outcome", "MASH decision on your contact"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="notifications")
    # About a case, or (MASH work before any case is opened) about a contact.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="notifications", null=True,
        blank=True,
    )  # fmt: skip
    contact = models.ForeignKey(
        "cases.Contact", on_delete=models.PROTECT, related_name="notifications", null=True,
        blank=True,
    )  # fmt: skip
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
                condition=models.Q(case__isnull=False) | models.Q(contact__isnull=False),
                name="notification_about_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.agency} ({self.reference})"

    @property
    def reference(self) -> str:
        """The case reference, or the contact's while the MASH has opened no case."""
        if self.case_id is not None:
            return self.case.reference
        return self.contact.reference


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
