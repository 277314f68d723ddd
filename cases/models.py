"""Children, cases, the multi-agency chronology, CSE screenings and the case access rule.

Who may see a case is decided by the permission rows here (`CaseGroupObjectPermission`,
`CaseUserObjectPermission`), which higher layers write through `cases.access` (shares,
emergency access). Each row names its source, so a read's audit event can say under what
it was made without this app reading a share.
"""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases import pseudo_postcodes
from cases.validators import validate_nhs_number, validate_postcode

# Modifier letters written as apostrophes (O\u02bcBrien): letters to Unicode, not to people.
LETTER_APOSTROPHES = frozenset("\u02b9\u02bb\u02bc\u02bd")


def searchable(text: str) -> str:
    """What name and alias search compares: lower case letters and digits only.

    People write one name many ways: José or Jose, Smith-Jones or Smith Jones, O'Brien
    (with a straight or a typographic apostrophe), OBrien or O Brien, Mary Ann or Maryann.
    Accents, case, hyphens, apostrophes, full stops and spaces are all dropped, so each
    of these finds the others. `Child.search_text` holds names in this form (a data
    migration recomputes it whenever this changes).
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(
        c for c in "".join(kept).casefold() if c.isalnum() and c not in LETTER_APOSTROPHES
    )


def searchable_names(full_name: str, aliases: list[str]) -> str:
    """A child's `search_text`: the full name first, then each alias, one a line, so that
    "starts with" finds an exact full name (the duplicate check) and "contains" any part."""
    return "".join(searchable(name) + "\n" for name in [full_name, *aliases])


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
        "people.Agency",
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

    @property
    def postcode_shown(self) -> str:
        """The postcode for pages: a pseudo-postcode says what it means."""
        return pseudo_postcodes.shown(self.postcode)


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
        "people.Agency", on_delete=models.PROTECT, related_name="led_cases"
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
        constraints = [
            # An agency leads one open case per child: a second, opened by a double click or
            # by two colleagues at once, would split the chronology in two (issue 23).
            models.UniqueConstraint(
                fields=["child", "lead_agency"],
                condition=models.Q(status="open"),
                name="case_one_open_per_child_and_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


# Direct foreign-key permission models (DESIGN.md): "cases this person may see" is then one
# indexed join from the permission table, and rows go with their case. Each row says where
# it comes from (a share, an emergency access), written by `cases.access`, so the basis of a
# read is read from the row that allowed it.
class PermissionSource(models.Model):
    source_type = models.CharField(max_length=20, blank=True, default="", db_default="")
    source_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class CaseUserObjectPermission(PermissionSource, UserObjectPermissionBase):
    """A person's own permission on a case: emergency access, which expires by itself."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "expires_at"], name="case_user_perm")]

    def __str__(self) -> str:
        return f"{self.user_id} may {self.permission_id} on case {self.content_object_id}"


class CaseGroupObjectPermission(PermissionSource, GroupObjectPermissionBase):
    """An agency's permission on a case, derived from its shares."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [
            models.Index(fields=["group", "permission", "content_object"], name="case_group_perm")
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} may {self.permission_id} on case {self.content_object_id}"


class GroupPermissionCount(models.Model):
    """How many cases an agency's group holds one permission on: the number of its
    `CaseGroupObjectPermission` rows, which the case list pages through. Summed from a
    few rows, where counting the permission rows took 11 to 20 ms for an agency that sees
    85,000 cases (issue 18).

    Written only by the database (migration 0009): triggers on the permission table add,
    in the statement that writes permission rows, one row with the change, and fold the
    key's rows that no other transaction holds into it. A row is never updated, and a
    row another transaction holds is skipped, not waited for: sharing with two agencies
    at once in two orders cannot deadlock on a count, and a rollback takes its change
    with it. The count is the sum of a key's rows. A loader that turns triggers off
    (`session_replication_role = replica`, generate_synthetic) calls
    `cases_recount_group_permissions()` after. Plain ids, not foreign keys: the rows
    follow the permission rows, not a group's deletion order.
    """

    group_id = models.IntegerField()
    permission_id = models.IntegerField()
    cases = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["group_id", "permission_id"], name="group_perm_count")]

    def __str__(self) -> str:
        return f"group {self.group_id}, permission {self.permission_id}: {self.cases:+} cases"


class GroupHighRisk(models.Model):
    """A high-risk screening or assessment on a case one agency's group may view: the
    triage screen counts and lists an agency's recent ones from its own rows (an index by
    group, kind and time), where joining every recent high-risk screening in the country to
    the agency's permission rows grew with the country (issue 18). An assessment counts
    once its level stands (`needs_agreement` false), as
    `triage.selectors.recent_high_risk_assessments` always counted it.

    Written only by the database (migration 0010): a high-risk record's insert adds a row
    for each group that may view its case (an assessment's change or removal takes them
    away and adds them again as it now is); a view permission row's insert adds one for
    each of the case's high-risk records, and its deletion or move removes them. Both kinds
    of trigger lock the case row first (the record's in a mode the permission trigger's
    waits for, and the reverse), so a share and a screening committed at once each see the
    other. A loader that turns triggers off calls `cases_rebuild_high_risk()` after.
    Plain ids, as GroupPermissionCount.
    """

    class Kind(models.TextChoices):
        SCREENING = "screening", "Screening"
        ASSESSMENT = "assessment", "Assessment"

    group_id = models.IntegerField()
    case_id = models.BigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    record_id = models.BigIntegerField()  # the screening's or the assessment's
    at = models.DateTimeField()  # screened_at or assessed_at

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group_id", "kind", "record_id"], name="group_high_risk_once"
            )
        ]
        indexes = [
            models.Index(fields=["group_id", "kind", "-at"], name="group_high_risk_recent"),
            models.Index(fields=["case_id"], name="group_high_risk_case"),
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} may see {self.kind} {self.record_id}"


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
        SCREENING = "screening", "Scored CSE screening"
        ASSESSMENT = "assessment", "Exploitation risk assessment"
        ASSESSMENT_CONTRIBUTION = "assessment_contribution", "Contribution to the risk assessment"
        SHARE = "share", "Shared"
        SHARE_ACKNOWLEDGED = "share_acknowledged", "Share acknowledged"
        SHARE_REVOKED = "share_revoked", "Share revoked"
        EMERGENCY_ACCESS = "emergency_access", "Emergency access"
        PLACEMENT_ENDED = "placement_ended", "Placement ended"
        MISSING_REGRADED = "missing_regraded", "Missing risk regraded"
        RETURNED = "returned", "Returned from missing"
        RETURN_INTERVIEW = "return_interview", "Return home interview"
        NOTIFICATION_ACKNOWLEDGED = "notification_acknowledged", "Notification acknowledged"
        # The MASH's work on a contact, written when its decision opens or links the case.
        MASH_CONTACT = "mash_contact", "Contact to the MASH"
        MASH_RATING = "mash_rating", "MASH RAG rating"
        PARTNER_CHECK = "partner_check", "Partner check answer"
        MASH_DECISION = "mash_decision", "MASH decision"
        # Minutes a meeting's chair published about the child (meetings, issue 22).
        MEETING = "meeting", "Meeting minutes"

    RECORDABLE = [
        Category.CONCERN, Category.DISCLOSURE, Category.INTELLIGENCE, Category.HEALTH_ATTENDANCE,
        Category.EDUCATION, Category.MISSING, Category.PLACEMENT, Category.STRATEGY_DISCUSSION,
        Category.NOTE,
    ]  # fmt: skip
    # The paperwork of sharing and opening: hidden in the "significant events" view, which
    # keeps what happened to the child (and the MASH's work, closing, screenings).
    ADMINISTRATIVE = [
        Category.CASE_OPENED, Category.SHARE, Category.SHARE_ACKNOWLEDGED,
        Category.SHARE_REVOKED, Category.EMERGENCY_ACCESS, Category.NOTIFICATION_ACKNOWLEDGED,
    ]  # fmt: skip

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entries")
    category = models.CharField(max_length=30, choices=Category.choices)
    occurred_at = models.DateTimeField("when it happened")
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
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
            # What was recorded since a reader's last visit (cases.visits).
            models.Index(fields=["case", "recorded_at"], name="entry_case_recorded"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(amendment_reason=""),
                name="entry_amendment_has_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_category_display()} {self.occurred_at:%Y-%m-%d}"


class Visit(models.Model):
    """Where a person got to on a case: when they last read its page, and when their visit
    before this one ended, so what was recorded since can be flagged however old the event.

    A visit is a run of reads with no gap longer than `cases.visits.VISIT_GAP`: paging
    through the chronology keeps the same "since"."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()
    previous_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "case"], name="visit_once_per_person_case")
        ]

    def __str__(self) -> str:
        return f"{self.person} on {self.case} at {self.seen_at:%Y-%m-%d %H:%M}"


class Screening(models.Model):
    """A structured CSE screening. Kept as history; the case shows the latest level."""

    class Indicator(models.TextChoices):
        MISSING = "missing", "Going missing"
        # Was "Older 'boyfriend' or 'girlfriend'": an adult who exploits a child is not their
        # partner (issue 21; the language prompts' list says why).
        OLDER_PARTNER = "older_partner", "An adult presented to the child as a partner"
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
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
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


# The levels a practitioner may choose, lowest first (a case not yet assessed is below all).
ASSESSED_LEVELS = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)
LEVEL_RANK = {RiskLevel.NOT_SCREENED: 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


class Harm(models.TextChoices):
    """Signs that exploitation is already happening: kept apart from vulnerabilities and
    protective factors, and never added up into a level (issue 21)."""

    DISCLOSURE = "disclosure", "The child has told someone they are being abused or exploited"
    SEXUAL_HEALTH = "sexual_health", "Sexual health concerns (infection, pregnancy, termination)"
    GIFTS_OR_MONEY = "gifts_or_money", "Gifts, money, phones, alcohol or drugs from unknown sources"
    ADULTS_OF_CONCERN = "adults_of_concern", "Seen with adults of concern"
    TRANSPORTED = "transported", "Picked up or dropped off by unknown adults, or in taxis"
    FOUND_ELSEWHERE = (
        "found_elsewhere",
        "Found, after going missing, with adults of concern or far from home",
    )
    ONLINE = "online", "Asked for, or sent, sexual images online"
    INJURIES = "injuries", "Unexplained injuries"


class Vulnerability(models.TextChoices):
    """What makes exploitation more likely: context, never a sign of the child's choice."""

    LOOKED_AFTER = "looked_after", "Looked after, or leaving care"
    PREVIOUS_ABUSE = "previous_abuse", "Previous abuse or neglect"
    MISSING = "missing", "Going missing from home or care"
    SCHOOL = "school", "Out of school, excluded or often absent"
    SUBSTANCES = "substances", "Drug or alcohol use"
    MENTAL_HEALTH = "mental_health", "Mental health needs or self-harm"
    LEARNING = "learning", "Learning disability or special educational needs"
    ISOLATED = "isolated", "Isolated from family or friends"
    HOME = "home", "Domestic abuse, or a parent’s drug or alcohol use, at home"


class Protective(models.TextChoices):
    TRUSTED_ADULT = "trusted_adult", "A trusted adult the child talks to"
    FAMILY = "family", "Family support and supervision"
    EDUCATION = "education", "Attending school, college or work"
    ENGAGES = "engages", "Working with the services that support them"
    ACTIVITIES = "activities", "Activities and friendships that are good for them"
    STABLE_HOME = "stable_home", "A stable home or placement"


class Assessment(models.Model):
    """An exploitation risk assessment by the lead agency: the level the practitioner chose
    and why (issue 21). The indicators inform that judgement; nothing computes the level
    from them. Kept as history; the latest that stands sets the case's level.

    A level lower than the case's needs a second person's agreement (a team manager or the
    MASH manager of the lead agency) before it stands: `needs_agreement` until `agreed_at`.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)
    harm = models.JSONField("signs that harm is happening", default=list)
    vulnerabilities = models.JSONField(default=list)
    protective = models.JSONField("protective factors", default=list)
    child_view = models.TextField("the child’s view, in their words", max_length=4000, blank=True)
    analysis = models.TextField(max_length=8000)
    level = models.CharField(max_length=20, choices=RiskLevel.choices)
    rationale = models.TextField(max_length=4000)
    review_by = models.DateField()
    previous_level = models.CharField(max_length=20, choices=RiskLevel.choices)
    needs_agreement = models.BooleanField(default=False)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True,
        blank=True,
    )  # fmt: skip
    agreed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["case", "-assessed_at", "-id"], name="assessment_case_time")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=[level.value for level in ASSESSED_LEVELS]),
                name="assessment_level_chosen",
            ),
            models.CheckConstraint(
                condition=models.Q(agreed_at__isnull=True) | models.Q(needs_agreement=True),
                name="assessment_agreed_only_if_needed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.level} {self.assessed_at:%Y-%m-%d}"

    @property
    def stands(self) -> bool:
        """Whether this level is the case's (or was, until a later one): not lower than the
        level before it, or lower and agreed."""
        return not self.needs_agreement or self.agreed_at is not None


class AssessmentContribution(models.Model):
    """Another agency's part of the assessment: the signs it has seen and its analysis,
    attributed to it, for the lead agency's practitioner to weigh. Restricted, it is read
    only by the agency that wrote it, like a restricted entry."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="contributions")
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    contributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    contributed_at = models.DateTimeField(default=timezone.now)
    harm = models.JSONField("signs that harm is happening", default=list)
    analysis = models.TextField(max_length=8000)
    restricted = models.BooleanField(default=False)
    # The assessment that weighed it: the first one the lead agency recorded after it.
    weighed_in = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="contributions", null=True,
        blank=True,
    )  # fmt: skip

    class Meta:
        indexes = [
            models.Index(fields=["case", "-contributed_at", "-id"], name="contribution_case_time")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.agency_id} {self.contributed_at:%Y-%m-%d}"


class Phrase(models.Model):
    """Words that blame a child for their abuse, with what to say instead and why (issue 21).

    A form whose text holds one suggests other words before saving; it never refuses, and
    nothing about it is audited against the author (cases.language). Platform admins keep
    the list in the admin. `words` matches whole words whatever the case, curly or straight
    quotes and spacing; "herself", "himself" and "themself" match "themselves"; a word
    ending in * matches any word it begins ("prostitut*").
    """

    words = models.CharField(max_length=100, unique=True)
    instead = models.TextField("words to use instead", max_length=1000)
    why = models.TextField(max_length=1000)
    source = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["words"]

    def __str__(self) -> str:
        return self.words
