"""Areas, agencies and the people who work for them.

Every person belongs to exactly one agency, and every agency has its own `auth.Group`:
the group is what case permissions are granted to (see DESIGN.md, access model).
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, UserManager
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
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
    # How partner systems already name the agency (issue 23): the ODS code of an NHS body,
    # the force code of a police force, the ONS code of a council. Optional, never two alike.
    code = models.CharField(
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Z0-9]{2,12}$",
                "Enter a code of 2 to 12 capital letters and digits, like RM1 or E10000020",
            )
        ],
        help_text="ODS code (NHS), force code (police) or ONS code (council).",
    )
    areas = models.ManyToManyField(Area, related_name="agencies", blank=True)
    # The repeat-missing rule for the cases this agency leads (missing.services, issue 19):
    # an alert at this many episodes of one child within this many days (or any high-risk
    # episode). The default is the common local rule; an authority sets its own.
    repeat_missing_episodes = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(2)],
        help_text="Raise a repeat-missing alert at this many missing episodes of one child "
        "within the days below (any high-risk episode raises one too).",
    )
    repeat_missing_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="The days the repeat-missing rule counts episodes over.",
    )
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


class ClosureDay(models.Model):
    """A weekday the agency does not work (a closure between Christmas and New Year, a
    training day): deadlines the agency must meet in working days skip it, as they skip
    its nation's bank holidays (people.calendar). Added by the agency's admin."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="closure_days")
    day = models.DateField()
    reason = models.CharField(max_length=100, help_text="Shown with the deadlines it moves.")

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="one_closure_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.day:%-d %B %Y} ({self.reason})"


class PersonManager(UserManager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().select_related("agency")


class Person(AbstractUser):
    """Someone who signs in. Their agency decides which cases they may see."""

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner", "Practitioner"
        MASH_MANAGER = "mash_manager", "MASH manager"
        # Agrees a lowered exploitation risk level (issue 21) and does what a practitioner does.
        TEAM_MANAGER = "team_manager", "Team manager"
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
        return self.display_name

    @property
    def display_name(self) -> str:
        """How every page names a person: "Dana Wells"; the username only for someone
        with no name recorded (a platform administrator)."""
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
        # The configured engine (people.sessions), named in settings: no import back to it.
        return import_string(f"{settings.SESSION_ENGINE}.SessionStore")


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


class SignInFailure(models.Model):
    """A failed sign-in from one address, for the per-address limit (people.lockout).

    In PostgreSQL, not the cache: the limit must hold when Redis is down, and a cache that
    is down must never stop anyone signing in. Rows older than the window are deleted as
    new ones are written."""

    address = models.CharField(max_length=64)
    failed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["address", "failed_at"], name="sign_in_failure_address"),
            models.Index(fields=["failed_at"], name="sign_in_failure_time"),
        ]

    def __str__(self) -> str:
        return f"{self.address} at {self.failed_at:%Y-%m-%d %H:%M:%S}"
