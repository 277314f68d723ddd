"""Children, cases, the multi-agency chronology and CSE screenings.

Who may see a case is decided in the sharing app (shares, and the object permissions
derived from them); this app asks it through `cases.selectors`.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.validators import validate_nhs_number, validate_postcode


def searchable(text: str) -> str:
    """Lower case without accents: what name and alias search compares (José ~ jose)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class RiskLevel(models.TextChoices):
    NOT_SCREENED = "not_screened", "Not screened"
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Child(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Another gender"
        NOT_KNOWN = "not_known", "Not known"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    gender = models.CharField(max_length=20, choices=Gender.choices, default=Gender.NOT_KNOWN)
    nhs_number = models.CharField(
        "NHS number", max_length=10, blank=True, validators=[validate_nhs_number]
    )
    police_reference = models.CharField(max_length=50, blank=True)
    local_authority_reference = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    looked_after = models.BooleanField("looked after", default=False)
    responsible_authority = models.ForeignKey(
        "sharing.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="looked_after_children",
        help_text="The local authority that looks after the child, if looked after.",
    )
    # Names and aliases in searchable form, kept by cases.services; a trigram index makes
    # partial matches ("jay" in "Jayden") an index scan, not a scan of every child.
    # Unbounded: made by code from bounded names, and some letters grow when made searchable.
    search_text = models.TextField(blank=True, editable=False)
    # Kept by cases.services when a placement starts, moves or ends.
    current_placement = models.ForeignKey(
        "cases.Placement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(
                fields=["nhs_number"],
                condition=~models.Q(nhs_number=""),
                name="child_nhs_number_unique",
            )
        ]
        indexes = [models.Index(fields=["date_of_birth"], name="child_dob")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Alias(models.Model):
    """Another name a child is known by (exploited children often have several)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)

    class Meta:
        verbose_name_plural = "aliases"
        constraints = [models.UniqueConstraint(fields=["child", "name"], name="alias_unique")]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, editable=False)
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    lead_agency = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="led_cases"
    )
    risk_level = models.CharField(
        "CSE risk", max_length=20, choices=RiskLevel.choices, default=RiskLevel.NOT_SCREENED
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [
            ("contribute_case", "Can add to the chronology of the case"),
            ("manage_case", "Can share, close and manage the case"),
        ]

    def __str__(self) -> str:
        return self.reference


# Direct foreign-key permission models (DESIGN.md): "cases this person may see" is then one
# indexed join from the permission table, and rows go with their case.
class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["group", "permission", "content_object"], name="case_group_perm")
        ]


class Entry(models.Model):
    """One thing that happened, as one agency recorded it. Never changed, never removed.

    A correction is a new entry that supersedes this one, with a reason; the database
    refuses UPDATE and DELETE (migration 0002).
    """

    class Category(models.TextChoices):
        CONCERN = "concern", "Concern"
        DISCLOSURE = "disclosure", "Disclosure"
        INTELLIGENCE = "intelligence", "Intelligence"
        HEALTH_ATTENDANCE = "health_attendance", "Health attendance"
        EDUCATION = "education", "Education"
        MISSING = "missing", "Missing"
        PLACEMENT = "placement", "Placement"
        STRATEGY_DISCUSSION = "strategy_discussion", "Strategy discussion"
        NOTE = "note", "Note"
        # Written by the service itself when something happens to the case.
        CASE_OPENED = "case_opened", "Case opened"
        CASE_CLOSED = "case_closed", "Case closed"
        SCREENING = "screening", "CSE screening"
        SHARE = "share", "Shared"
        SHARE_ACKNOWLEDGED = "share_acknowledged", "Share acknowledged"
        SHARE_REVOKED = "share_revoked", "Share revoked"
        EMERGENCY_ACCESS = "emergency_access", "Emergency access"
        PLACEMENT_ENDED = "placement_ended", "Placement ended"
        RETURNED = "returned", "Returned from missing"
        RETURN_INTERVIEW = "return_interview", "Return home interview"
        NOTIFICATION_ACKNOWLEDGED = "notification_acknowledged", "Notification acknowledged"

    RECORDABLE = [
        Category.CONCERN, Category.DISCLOSURE, Category.INTELLIGENCE, Category.HEALTH_ATTENDANCE,
        Category.EDUCATION, Category.MISSING, Category.PLACEMENT, Category.STRATEGY_DISCUSSION,
        Category.NOTE,
    ]  # fmt: skip

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entries")
    category = models.CharField(max_length=30, choices=Category.choices)
    occurred_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("sharing.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField("what happened", max_length=5000)
    restricted = models.BooleanField(
        default=False, help_text="Visible only to the recording agency."
    )
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    amendment_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["case", "-occurred_at", "-id"], name="entry_case_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(amendment_reason=""),
                name="entry_amendment_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_category_display()} {self.occurred_at:%Y-%m-%d}"


class Screening(models.Model):
    """A structured CSE screening. Kept as history; the case shows the latest level."""

    class Indicator(models.TextChoices):
        MISSING = "missing", "Going missing"
        OLDER_PARTNER = "older_partner", "Older ‘boyfriend’ or ‘girlfriend’"
        MONEY_OR_GIFTS = "money_or_gifts", "Unexplained money, gifts or phones"
        SUBSTANCE_MISUSE = "substance_misuse", "Drug or alcohol misuse"
        SEXUAL_HEALTH = "sexual_health", "Sexual health concerns"
        SCHOOL_ABSENCE = "school_absence", "Absent from school"
        ADULTS_OF_CONCERN = "adults_of_concern", "Association with adults of concern"
        SELF_HARM = "self_harm", "Self-harm"
        UNEXPLAINED_TRAVEL = "unexplained_travel", "Seen in places or travel with no reason"
        ONLINE = "online", "Concerning online contact"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="screenings")
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("sharing.Agency", on_delete=models.PROTECT, related_name="+")
    screened_at = models.DateTimeField(default=timezone.now)
    indicators = models.JSONField(default=list)
    risk_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    notes = models.TextField(max_length=2000, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "-screened_at"], name="screening_case_time")]

    def __str__(self) -> str:
        return f"{self.case} {self.risk_level} {self.screened_at:%Y-%m-%d}"


class Placement(models.Model):
    """Where a looked-after child lives, placed by a local authority, from when to when.

    Starting one tells the agencies covering its area (police above all: the Norfolk
    failure was that nobody told them); moving is ending one and starting the next.
    """

    class Provider(models.TextChoices):
        CHILDRENS_HOME = "childrens_home", "Children’s home"
        FOSTER_CARE = "foster_care", "Foster care"
        SUPPORTED_ACCOMMODATION = "supported_accommodation", "Supported accommodation"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="placements")
    placing_authority = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="placements_made"
    )
    area = models.ForeignKey(
        "sharing.Area", on_delete=models.PROTECT, related_name="placements",
        help_text="The local authority area the child is placed in.",
    )  # fmt: skip
    address = models.CharField(max_length=300)
    postcode = models.CharField(max_length=8, validators=[validate_postcode])
    provider_type = models.CharField(max_length=30, choices=Provider.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["case", "-started_at"], name="placement_case_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="placement_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} placed in {self.area} from {self.started_at:%Y-%m-%d}"

    @property
    def current(self) -> bool:
        return self.ended_at is None


class MissingEpisode(models.Model):
    """A child reported missing, and (later) their return."""

    class Risk(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="missing_episodes")
    last_seen_at = models.DateTimeField("when last seen")
    last_seen_where = models.CharField("where last seen", max_length=300)
    circumstances = models.TextField(max_length=5000)
    risk = models.CharField("risk grading", max_length=10, choices=Risk.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reporting_agency = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(default=timezone.now)
    returned_at = models.DateTimeField(null=True, blank=True)
    how_found = models.CharField(max_length=1000, blank=True)
    return_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        indexes = [
            models.Index(fields=["case", "-reported_at"], name="missing_case_time"),
            models.Index(
                fields=["reported_at"],
                condition=models.Q(returned_at__isnull=True),
                name="missing_still_missing",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True)
                | models.Q(returned_at__gte=models.F("last_seen_at")),
                name="missing_returns_after_last_seen",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} missing since {self.last_seen_at:%Y-%m-%d %H:%M}"

    @property
    def still_missing(self) -> bool:
        return self.returned_at is None


class ReturnInterview(models.Model):
    """The return home interview a placing authority owes a child after each return."""

    episode = models.OneToOneField(
        MissingEpisode, on_delete=models.PROTECT, related_name="return_interview"
    )
    agency = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="return_interviews",
        help_text="The placing authority, which must hold the interview.",
    )  # fmt: skip
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    held_on = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(max_length=5000, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["agency", "due_at"],
                condition=models.Q(completed_at__isnull=True),
                name="interview_outstanding",
            )
        ]

    def __str__(self) -> str:
        return f"Return interview for {self.episode} due {self.due_at:%Y-%m-%d %H:%M}"
