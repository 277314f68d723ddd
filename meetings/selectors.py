"""Reading meetings and actions: each person sees what their agency takes part in, and of
that only the children whose cases they may see (issue 22)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cases.models import Case
from cases.roles import Act, may
from cases.selectors import visible_among
from links.models import Link
from links.selectors import on_visible_cases, readable
from meetings.models import Action, Attendance, DiscussedThing, Meeting, MinutesItem
from people.models import Person


def meetings_for(person: Person) -> QuerySet:
    """Meetings the person's agency organises or was asked to, newest first (none for a
    role that reads no cases)."""
    if person.agency_id is None or not may(person, Act.VIEW):
        return Meeting.objects.none()
    asked = Attendance.objects.filter(agency_id=person.agency_id).values("meeting_id")
    return (
        Meeting.objects.filter(Q(agency_id=person.agency_id) | Q(pk__in=asked))
        .select_related("chair", "agency", "area")
        .order_by("-held_at", "-id")
    )


def meeting_for(person: Person, meeting_id) -> Meeting | None:
    return meetings_for(person).filter(pk=meeting_id).first()


def children_seen(person: Person, meeting: Meeting) -> list[Case]:
    """The discussed children whose cases the person may see: the others are not named."""
    ids = list(meeting.discussed.values_list("case_id", flat=True))
    return sorted(visible_among(person, ids), key=lambda case: case.child.full_name)


def items_seen(person: Person, meeting: Meeting, case_ids) -> QuerySet:
    """Minutes items about the meeting as a whole or a child the person may see, and not
    another agency's restricted ones."""
    return (
        MinutesItem.objects.filter(meeting=meeting)
        .filter(Q(case__isnull=True) | Q(case_id__in=list(case_ids)))
        .filter(Q(restricted=False) | Q(agency_id=person.agency_id))
        .select_related("agency", "written_by", "case__child")
        .order_by("written_at", "id")
    )


def actions_seen(meeting: Meeting, case_ids) -> QuerySet:
    """The meeting's actions about children the person may see (`case_ids`)."""
    return (
        Action.objects.filter(meeting=meeting, case_id__in=list(case_ids))
        .select_related("owner", "owner_person", "case__child", "closed_by")
        .order_by("due_on", "id")
    )


def actions_owned(person: Person) -> QuerySet:
    """The open actions the person's agency owns, soonest due first (its worklist)."""
    if person.agency_id is None:
        return Action.objects.none()
    return (
        Action.objects.filter(owner_id=person.agency_id, status=Action.Status.OPEN)
        .select_related("meeting", "owner_person", "case")
        .order_by("due_on", "id")
    )


def action_for_owner(person: Person, action_id) -> Action | None:
    """An action of the person's agency (open or closed), for closing it; None otherwise."""
    if person.agency_id is None:
        return None
    return (
        Action.objects.filter(pk=action_id, owner_id=person.agency_id)
        .select_related("meeting", "case", "owner", "owner_person", "closed_by")
        .first()
    )


def things_seen(person: Person, meeting: Meeting) -> list[Link]:
    """The people, vehicles and places discussed that the person may know of: each through
    a link to it they may read on a case they may see (one query), as that link wrote it."""
    discussed = DiscussedThing.objects.filter(meeting=meeting).values("thing_id")
    return list(
        Link.objects.filter(thing_id__in=discussed)
        .filter(readable(person))
        .filter(on_visible_cases(person))
        .select_related("thing")
        .order_by("thing_id", "-recorded_at")
        .distinct("thing_id")
    )


def things_to_discuss(person: Person, meeting: Meeting, case_ids) -> list[Link]:
    """What the person may add: links they may read on the discussed children they see,
    one a thing, not yet discussed."""
    discussed = DiscussedThing.objects.filter(meeting=meeting).values("thing_id")
    return list(
        Link.objects.filter(case_id__in=list(case_ids))
        .filter(readable(person))
        .exclude(thing_id__in=discussed)
        .select_related("thing", "case__child")
        .order_by("thing_id", "-recorded_at")
        .distinct("thing_id")
    )
