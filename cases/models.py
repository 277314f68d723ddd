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
        indexes = [
            # Case lists, newest first: an agency that sees many cases reads one page of
            # this index, checking each case against its permission rows.
            models.Index(fields=["-opened_at", "-id"], name="case_opened"),
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
        # The MASH's work on a contact, written when its decision opens or links the case.
        MASH_CONTACT = "mash_contact", "Contact to the MASH"
        MASH_RATING = "mash_rating", "MASH RAG rating"
        PARTNER_CHECK = "partner_check", "Partner check answer"
        MASH_DECISION = "mash_decision", "MASH decision"

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
        indexes = [
            models.Index(fields=["case", "-screened_at"], name="screening_case_time"),
            # The triage screen's high-risk screenings of the last 7 days.
            models.Index(
                fields=["-screened_at"], condition=models.Q(risk_level="high"),
                name="screening_high_recent",
            ),
        ]  # fmt: skip

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
        "sharing.Area", on_delete=models.PROTECT, related_name="contacts",
        help_text="The local authority area where the child lives.",
    )  # fmt: skip
    mash = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="contacts_received",
        help_text="The children's services whose MASH received the contact.",
    )  # fmt: skip
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referring_agency = models.ForeignKey(
        "sharing.Agency", on_delete=models.PROTECT, related_name="contacts_made"
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
        "sharing.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The MASH a transferred contact went to.",
    )  # fmt: skip
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="contacts",
        help_text="The case the decision opened or linked.",
    )  # fmt: skip

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
    agency = models.ForeignKey("sharing.Agency", on_delete=models.PROTECT,
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

    class Meta:
        indexes = [
            models.Index(fields=["agency", "due_at"], condition=models.Q(answered_at__isnull=True),
                         name="check_outstanding"),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["contact", "agency"], name="check_once_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.contact} check with {self.agency}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None
