"""Meetings about children at risk of exploitation, and the actions agreed at them.

A `Meeting` (a strategy discussion, a MACE, a review) is chaired by a person of one agency,
discusses one or more children's cases, and is attended by agencies (or sends apologies).
`MinutesItem`s are what was said or decided, each given by an agency and optionally only
for it; the chair publishes them to each discussed child's chronology. An `Action` is what
an agency agreed to do by when, about one child: it lands in that agency's inbox and
worklist, escalates when overdue, and only that agency closes it.
"""

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class Meeting(models.Model):
    class Kind(models.TextChoices):
        STRATEGY = "strategy_discussion", "Strategy discussion"
        MACE = "mace", "Multi-agency child exploitation meeting (MACE)"
        REVIEW = "review", "Review meeting"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    held_at = models.DateTimeField()
    chair = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The chair's agency organises it: its people may see the meeting and its attendance.
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    # A MACE is a series per area (the next one is defined); other meetings may name none.
    area = models.ForeignKey(
        "people.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the chair last published the minutes to the discussed children's chronologies.
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["agency", "-held_at"], name="meeting_agency_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_at:%Y-%m-%d}"


class Attendance(models.Model):
    """An agency asked to a meeting: invited, attended, or sent its apologies."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        ATTENDED = "attended", "Attended"
        APOLOGIES = "apologies", "Sent apologies"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="attendance")
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    # Who came for the agency, as the chair writes them (names and roles; not accounts).
    names = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="attendance_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency} at {self.meeting}: {self.status}"


class Discussed(models.Model):
    """A child's case discussed at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="discussed")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "case"], name="discussed_once")]

    def __str__(self) -> str:
        return f"{self.case_id} at {self.meeting_id}"


class DiscussedThing(models.Model):
    """A person, vehicle, place, phone or account of concern discussed at the meeting (the
    links slice): shown to a reader only where they may read a link to it themselves."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="things")
    thing = models.ForeignKey("links.Thing", on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")  # fmt: skip
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "thing"], name="thing_discussed_once")
        ]

    def __str__(self) -> str:
        return f"thing {self.thing_id} at {self.meeting_id}"


class MinutesItem(models.Model):
    """What was said or decided, given by one agency, about one discussed child or the
    meeting as a whole; restricted, only that agency reads it (as a restricted entry)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="items")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    agency = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(default=timezone.now)
    decision = models.BooleanField(default=False)
    text = models.TextField(max_length=8000)
    restricted = models.BooleanField(default=False)
    # Set when the chair published it to the chronology (as an entry about its child).
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["meeting", "written_at"], name="minutes_meeting")]

    def __str__(self) -> str:
        return f"item {self.pk} of {self.meeting_id}"


class Published(models.Model):
    """The chronology entry the meeting's minutes about one child stand in now: everyone's
    (agency empty) or one agency's restricted items. Publishing again supersedes it."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="published")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(
        "people.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entry = models.OneToOneField("cases.Entry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], condition=models.Q(
                agency__isnull=True), name="published_once_for_everyone"),
            models.UniqueConstraint(fields=["meeting", "case", "agency"],
                                    name="published_once_per_agency"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"minutes of {self.meeting_id} on {self.case_id}"


class Action(models.Model):
    """What one agency agreed to do about one child, by when."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    owner = models.ForeignKey("people.Agency", on_delete=models.PROTECT, related_name="+")
    # Optionally a named person of the owning agency.
    owner_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # "Done" with what was done; "dropped" with why.
    note = models.TextField(blank=True, max_length=4000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    closed_at = models.DateTimeField(null=True, blank=True)
    # Overdue from the start of the day after the owning agency's first working day on or
    # after `due_on` (its calendar: bank holidays, closure days), set when agreed.
    overdue_from = models.DateTimeField()
    # When it was escalated as overdue (meetings.tasks.escalate_actions): once.
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["owner", "status", "due_on"], name="action_owner_open"),
            models.Index(fields=["case", "status"], name="action_case"),
            models.Index(fields=["overdue_from"], condition=models.Q(status="open",
                         escalated_at__isnull=True), name="action_to_escalate"),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(note=""),
                name="action_closed_with_a_note",
            )
        ]

    def __str__(self) -> str:
        return f"action {self.pk} for {self.owner}"

    def overdue(self, now: dt.datetime | None = None) -> bool:
        """Still open past its due day (the owner's working day it fell due)."""
        return self.status == self.Status.OPEN and (now or timezone.now()) >= self.overdue_from


class Proposal(models.Model):
    """Something an exploitation meeting should hear of, proposed for the next MACE of an
    area (the earliest of its MACE meetings still to be held), for the chair to accept
    onto that meeting's agenda or dismiss with a reason (issue 22, item 3). Raised through
    `cases.registry.concern_raised`: a repeat-missing alert, a risk level raised, a match
    between cases. `what` names no child; the cases are named only to whom may see them."""

    class Kind(models.TextChoices):
        REPEAT_MISSING = "repeat_missing", "Repeat missing"
        LEVEL_RAISED = "level_raised", "Exploitation risk raised"
        LINK_MATCH = "link_match", "Match between cases"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACCEPTED = "accepted", "Accepted"
        DISMISSED = "dismissed", "Dismissed"

    area = models.ForeignKey("people.Area", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject_id = models.BigIntegerField()
    case_ids = ArrayField(models.BigIntegerField(), default=list)
    what = models.CharField(max_length=300)
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "kind", "subject_id"], name="proposal_once"),
            models.CheckConstraint(condition=~models.Q(status="dismissed") | ~models.Q(reason=""),
                                   name="proposal_dismissed_with_a_reason"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["area", "status", "raised_at"], name="proposal_area")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.area}"
