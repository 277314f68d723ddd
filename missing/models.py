"""Placements of looked-after children, missing episodes and return home interviews."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases import pseudo_postcodes
from cases.models import Case, Child
from cases.validators import validate_postcode


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
    # The case's child, kept here so "where does this child live now" is one indexed row
    # (a child has at most one current placement, whichever case recorded it).
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="placements")
    placing_authority = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, related_name="placements_made"
    )
    area = models.ForeignKey(
        "people.Area", on_delete=models.PROTECT, related_name="placements",
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
            models.UniqueConstraint(
                fields=["child"],
                condition=models.Q(ended_at__isnull=True),
                name="placement_one_current_per_child",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="placement_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} placed in {self.area} from {self.started_at:%Y-%m-%d}"

    @property
    def current(self) -> bool:
        return self.ended_at is None

    @property
    def postcode_shown(self) -> str:
        """The postcode for pages: a pseudo-postcode says what it means."""
        return pseudo_postcodes.shown(self.postcode)


class MissingEpisode(models.Model):
    """A child reported missing, and (later) their return."""

    class Risk(models.TextChoices):
        """The police's own grades (College of Policing APP, missing persons), so that both
        sides mean the same thing. Very low is still a missing child: it is reported, told
        and counted like any other (treating low-graded absences as nothing is the known
        failure). The older three keep their values and meaning."""

        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"
        VERY_LOW = "very_low", "Very low"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="missing_episodes")
    last_seen_at = models.DateTimeField("when last seen")
    last_seen_where = models.CharField("where last seen", max_length=300)
    # The area (from the Hub's list) the child was last seen in, beside the place in words:
    # its police force is told (issue 19). Empty on reports made before it was asked.
    last_seen_area = models.ForeignKey(
        "people.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="area last seen in",
    )  # fmt: skip
    circumstances = models.TextField(max_length=5000)
    risk = models.CharField("risk grading", max_length=10, choices=Risk.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reporting_agency = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, related_name="+"
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
            # Each episode's case without visiting the table: the interviews an authority
            # owes reach their cases through it one probe each, where otherwise the
            # planner read every episode in the country (bench/README.md).
            models.Index(fields=["id"], include=["case"], name="missing_episode_case"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(returned_at__isnull=True)
                | models.Q(returned_at__gte=models.F("last_seen_at")),
                name="missing_returns_after_last_seen",
            ),
            # One absence at a time: a second report while the first has no return would
            # split it in two, and each would count as an episode (issue 23).
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(returned_at__isnull=True),
                name="missing_one_open_per_case",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} missing since {self.last_seen_at:%Y-%m-%d %H:%M}"

    @property
    def still_missing(self) -> bool:
        return self.returned_at is None


class RiskChange(models.Model):
    """A missing episode's risk grading changed while the child was missing: from what, to
    what, why, by whom and when. Kept (never edited) beside the episode, whose `risk` is the
    grade now; the chronology says the same in words."""

    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.PROTECT, related_name="risk_changes"
    )
    from_risk = models.CharField(max_length=10, choices=MissingEpisode.Risk.choices)
    to_risk = models.CharField(max_length=10, choices=MissingEpisode.Risk.choices)
    reason = models.TextField(max_length=2000)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["episode", "changed_at"], name="risk_change_episode")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_risk=models.F("to_risk")), name="risk_change_changes"
            )
        ]

    def __str__(self) -> str:
        return f"{self.episode}: {self.from_risk} to {self.to_risk}"


class RepeatMissingAlert(models.Model):
    """A child missing again and again, or at high risk: the lead agency is told to convene
    a strategy discussion by `due_at` (issue 19). One an episode at most. Open until a
    strategy discussion is on the case's chronology after it was raised (missing.flags)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="repeat_missing_alerts")
    episode = models.OneToOneField(
        MissingEpisode, on_delete=models.PROTECT, related_name="repeat_missing_alert"
    )
    reasons = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["case", "due_at"], name="repeat_alert_case")]

    def __str__(self) -> str:
        return f"{self.case}: {self.reasons}"


class ReturnInterview(models.Model):
    """The return home interview a placing authority owes a child after each return: when
    it was offered and by whom, and whether it was held (what the child said about why
    they went and who with), declined, or not held and why. One conversation may cover
    several returns: the others point at it (`covered_by`) and share its outcome, so each
    return still counts once in the compliance report (reports.return_interviews)."""

    class Outcome(models.TextChoices):
        HELD = "held", "Held"
        DECLINED = "declined", "Declined by the child"
        NOT_HELD = "not_held", "Not held"

    class RiskChange(models.TextChoices):
        INCREASED = "increased", "Risk has increased"
        UNCHANGED = "unchanged", "No change in risk"
        DECREASED = "decreased", "Risk has reduced"

    # What pushed the child away and what pulled them, as return home interview guidance
    # lists them; anything else goes in `factors_detail`.
    PUSH = [
        ("conflict", "Arguments or conflict where they live"),
        ("rules", "Rules or boundaries at the placement"),
        ("unsafe", "Feeling unsafe or unhappy where they live"),
        ("peers", "Bullying or falling out with peers"),
        ("school", "Problems at school or college"),
        ("wellbeing", "Their own mental health or wellbeing"),
        ("substances", "Alcohol or drugs"),
    ]
    PULL = [
        ("family", "Wanting to see family"),
        ("friends", "Friends, or a partner their own age"),
        ("adults", "Adults who may be exploiting them"),
        ("gifts", "Gifts, money, alcohol or drugs offered"),
        ("online", "Someone they met online"),
        ("criminal", "Asked to carry or sell drugs, or other crime"),
        ("places", "Parties or places to go"),
    ]

    episode = models.OneToOneField(
        MissingEpisode, on_delete=models.PROTECT, related_name="return_interview"
    )
    agency = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, related_name="return_interviews",
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
    # Where the child was placed when they returned (the host area): the compliance report
    # counts by it as well as by placing authority. Empty if there was no placement.
    host_area = models.ForeignKey(
        "people.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    offered_on = models.DateField("day it was offered", null=True, blank=True)
    offered_by = models.CharField("offered by", max_length=200, blank=True)
    outcome_reason = models.TextField(max_length=2000, blank=True)
    push_factors = models.JSONField(default=list, blank=True)
    pull_factors = models.JSONField(default=list, blank=True)
    factors_detail = models.TextField(max_length=2000, blank=True)
    child_words = models.TextField("the child's own words", max_length=5000, blank=True)
    people_mentioned = models.JSONField(default=list, blank=True)
    places_mentioned = models.JSONField(default=list, blank=True)
    risk_change = models.CharField(max_length=10, choices=RiskChange.choices, blank=True)
    # The factors and the people and places named go on the chronology, which the police
    # and every agency that sees the case read; the child's own words never do.
    shared_with_police = models.BooleanField(default=False)
    covered_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="covers"
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["agency", "due_at"],
                include=["episode"],
                condition=models.Q(completed_at__isnull=True),
                name="interview_outstanding",
            ),
            # The compliance report (reports.interviews) reads a month of returns by when
            # their interviews fell due, and only these columns: an index-only scan.
            models.Index(
                fields=["due_at"],
                include=["agency", "host_area", "outcome", "held_on", "completed_at"],
                name="interview_due_report",
            ),
        ]

    def __str__(self) -> str:
        return f"Return interview for {self.episode} due {self.due_at:%Y-%m-%d %H:%M}"

    def push_labels(self) -> list[str]:
        named = dict(self.PUSH)
        return [named[key] for key in self.push_factors if key in named]

    def pull_labels(self) -> list[str]:
        named = dict(self.PULL)
        return [named[key] for key in self.pull_factors if key in named]

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Not held yet, and past the time it was due."""
        return self.completed_at is None and self.due_at < (now or timezone.now())


class Profile(models.Model):
    """The child's missing-from-care profile (the Philomena Protocol's "grab pack"): what a
    police officer taking a missing report needs to find them. Kept on the case by the
    placing authority, added to by agencies holding contribute access, read by a police
    force the case's missing report released it to (`ProfileRelease`). It is the case's, so
    it moves with the child from placement to placement. What it says now is its newest
    `ProfileVersion`; every earlier one is kept, with who wrote it and when.
    """

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="missing_profile")
    created_at = models.DateTimeField(default=timezone.now)
    # A review confirms it is still right: due every PROFILE_REVIEW_MONTHS and after every
    # return (missing.profiles.review_due). Writing a new version is a review too.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # The retention sweep (or a person) erased the photo and third parties' details
    # (SECURITY.md, "Missing-from-care profiles"): when, so the page can say so.
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Missing-from-care profile for {self.case}"


class ProfileVersion(models.Model):
    """What the profile said from `written_at` until the next version: never edited, except
    that erasure blanks third parties' details (associates, contacts) in every version."""

    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="versions")
    description = models.TextField("physical description", max_length=2000, blank=True)
    medical = models.TextField("medical needs and medication", max_length=2000, blank=True)
    # Lists of short lines, as a carer's grab pack has them: one associate, place, phone
    # number or account each.
    associates = models.JSONField(default=list, blank=True)
    places = models.JSONField(default=list, blank=True)
    contacts = models.JSONField(default=list, blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["profile", "-written_at"], name="profile_version_time")]

    def __str__(self) -> str:
        return f"{self.profile} as written {self.written_at:%Y-%m-%d %H:%M}"


class ProfilePhoto(models.Model):
    """A recent photo of the child, as the Hub re-encoded it (missing.photos: JPEG or PNG,
    no metadata). Served only through a permission check, never emailed or sent to a
    webhook. A newer photo replaces it, and a removal or erasure empties `content` while
    the row keeps who added it, when, and who removed it."""

    profile = models.ForeignKey(Profile, on_delete=models.PROTECT, related_name="photos")
    content = models.BinaryField(editable=False)
    content_type = models.CharField(max_length=20)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    removed_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # One photo in use at a time: a second upload replaces the first in one
            # transaction, and two at once cannot both stand.
            models.UniqueConstraint(
                fields=["profile"],
                condition=models.Q(removed_at__isnull=True),
                name="profile_one_current_photo",
            )
        ]

    def __str__(self) -> str:
        return f"Photo on {self.profile} from {self.uploaded_at:%Y-%m-%d}"


class ProfileRelease(models.Model):
    """A police force given read access to the profile by a missing report: the force
    covering where the child was last seen, and the host force covering where they live.
    It lasts while the child is missing and PROFILE_RELEASE_GRACE_HOURS after the return,
    then lapses by itself (missing.profiles.release_ends: nothing has to run)."""

    episode = models.ForeignKey(
        MissingEpisode, on_delete=models.PROTECT, related_name="profile_releases"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["episode", "agency"], name="profile_release_once")
        ]
        indexes = [models.Index(fields=["agency", "episode"], name="profile_release_agency")]

    def __str__(self) -> str:
        return f"{self.episode}: profile released to {self.agency}"
