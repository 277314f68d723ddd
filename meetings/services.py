"""Scheduling meetings, writing their minutes, agreeing actions and closing them (issue 22).

- A caseworker who may see each child's case schedules a meeting about them and chairs it;
  the agencies asked are invited, and the chair records who attended or sent apologies.
- People of the chair's agency and of the agencies asked write minutes items, each about
  one discussed child the writer may see (or the meeting as a whole), optionally only for
  their own agency. The chair publishes them: one entry on each discussed child's
  chronology with the items about that child, and one restricted entry for each agency's
  restricted items. Publishing again after a correction supersedes each entry with its
  new text, as an amendment does.
- An action is about one discussed child and owned by one agency (optionally a person):
  the owner is told at once (inbox and worklist), it is overdue from the day after the
  owner's working day it falls due (meetings.tasks escalates it then), and only the owner
  closes it: done with a note, or dropped with a reason.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.actions import Action as Audit
from audit.services import record
from cases.models import Case, Entry
from cases.roles import Act, require
from cases.selectors import can
from cases.services import case_changed, record_on_chronology
from links.models import Link
from meetings.models import (
    Action,
    Attendance,
    Discussed,
    DiscussedThing,
    Meeting,
    MinutesItem,
    Published,
)
from notifications.models import Notification
from notifications.services import notify
from people.models import Agency, Area, Person
from people.selectors import calendars_for
from safeguarding.uk_time import said

DEFAULT_DUE_WORKING_DAYS = 2


class Refused(PermissionDenied):
    """Not this person's to do, though they may see the meeting: 403 with the reason."""

    shown_to_person = True


def _refuse(person: Person, target_type: str, target_id, need: str, message: str) -> None:
    """Record the refusal (outside any transaction, so it stays) and refuse."""
    record(Audit.PERMISSION_REFUSED, actor=person, target_type=target_type,
           target_id=target_id, detail={"need": need})  # fmt: skip
    raise Refused(message)


def _audit(done: str, person: Person, meeting: Meeting, /, **detail) -> None:
    record(done, actor=person, target_type="meeting", target_id=meeting.pk, detail=detail)


def takes_part(person: Person, meeting: Meeting) -> bool:
    """The person's agency organises the meeting or was asked to it."""
    if person.agency_id is None:
        return False
    if person.agency_id == meeting.agency_id:
        return True
    return meeting.attendance.filter(agency_id=person.agency_id).exists()


def schedule_meeting(
    person: Person,
    *,
    kind: str,
    held_at: dt.datetime,
    cases: list[Case],
    agencies: list[Agency],
    area: Area | None = None,
) -> Meeting:
    """A meeting chaired by the person, about children whose cases they may see."""
    require(person, Act.HOLD_MEETING)
    if not cases:
        raise ValidationError({"cases": "Choose at least one child to discuss"})
    if any(not can(person, case, "view") for case in cases):
        _refuse(person, "case", next(c.pk for c in cases if not can(person, c, "view")), "view",
                "You cannot discuss a child whose case you cannot see.")  # fmt: skip
    with transaction.atomic():
        if kind == Meeting.Kind.MACE and area is None:
            raise ValidationError({"area": "Choose the area whose exploitation meeting this is"})
        meeting = Meeting.objects.create(
            kind=kind, held_at=held_at, chair=person, agency=person.agency, area=area
        )
        asked = {person.agency_id: person.agency, **{agency.pk: agency for agency in agencies}}
        Attendance.objects.bulk_create(
            Attendance(meeting=meeting, agency=agency) for agency in asked.values()
        )
        Discussed.objects.bulk_create(Discussed(meeting=meeting, case=case) for case in cases)
        _audit(
            Audit.MEETING_SCHEDULED, person, meeting, kind=kind,
            cases=sorted(case.pk for case in cases), agencies=sorted(asked),
        )  # fmt: skip
        return meeting


def chair_only(person: Person, meeting: Meeting) -> None:
    """Refuse (403, audited) anyone but the meeting's chair."""
    require(person, Act.HOLD_MEETING, target_type="meeting", target_id=meeting.pk)
    if person.pk != meeting.chair_id:
        _refuse(person, "meeting", meeting.pk, "chair",
                "Only the meeting's chair can do this: you cannot.")  # fmt: skip


def _part(person: Person, meeting: Meeting, what: str) -> None:
    require(person, Act.HOLD_MEETING, target_type="meeting", target_id=meeting.pk)
    if not takes_part(person, meeting):
        _refuse(person, "meeting", meeting.pk, "attend",
                f"Only the agencies at the meeting {what}: yours cannot.")  # fmt: skip


def record_attendance(person: Person, meeting: Meeting, answers: dict[int, tuple[str, str]]):
    """The chair records, for each agency asked, whether it attended or sent apologies, and
    who came (`answers`: agency id to status and names)."""
    chair_only(person, meeting)
    with transaction.atomic():
        rows = {row.agency_id: row for row in meeting.attendance.select_for_update()}
        for agency_id, (status, names) in answers.items():
            row = rows.get(agency_id)
            if row is None or status not in Attendance.Status.values:
                raise ValidationError("Record attendance only for the agencies asked")
            row.status, row.names = status, names.strip()[:300]
            row.save(update_fields=["status", "names"])
        _audit(Audit.MEETING_ATTENDANCE_RECORDED, person, meeting, agencies=sorted(answers))


def _discussed_case(person: Person, meeting: Meeting, case_id: int | None) -> Case | None:
    """A child the meeting discussed whose case the person may see (None: the meeting as a
    whole); anything else is refused as if it were not there."""
    if case_id is None:
        return None
    case = Case.objects.filter(pk=case_id, pk__in=meeting.discussed.values("case_id")).first()
    if case is None or not can(person, case, "view"):
        raise ValidationError({"case": "Choose a child this meeting discussed"})
    return case


def add_item(
    person: Person,
    meeting: Meeting,
    *,
    case_id: int | None,
    text: str,
    decision: bool,
    restricted: bool,
) -> MinutesItem:
    """A minutes item from the person's agency; restricted, only that agency reads it."""
    _part(person, meeting, "write its minutes")
    with transaction.atomic():
        case = _discussed_case(person, meeting, case_id)
        item = MinutesItem.objects.create(
            meeting=meeting, case=case, agency=person.agency, written_by=person,
            decision=decision, text=text.strip(), restricted=restricted,
        )  # fmt: skip
        _audit(Audit.MINUTES_ITEM_ADDED, person, meeting, item=item.pk,
               case=case.pk if case else None, restricted=restricted)  # fmt: skip
        return item


def discuss_thing(person: Person, meeting: Meeting, link_id: int) -> DiscussedThing:
    """Add the thing of a link the person may read, on a discussed child they see, to the
    people, vehicles and places the meeting discussed."""
    _part(person, meeting, "say what it discussed")
    link = (
        Link.objects.filter(pk=link_id, case_id__in=meeting.discussed.values("case_id"))
        .filter(Q(restricted=False) | Q(agency_id=person.agency_id))
        .select_related("case")
        .first()
    )
    if link is None or not can(person, link.case, "view"):
        raise ValidationError({"link": "Choose someone or something linked to a child discussed"})
    with transaction.atomic():
        discussed, _ = DiscussedThing.objects.get_or_create(
            meeting=meeting, thing_id=link.thing_id, defaults={"added_by": person}
        )
        _audit(Audit.MEETING_THING_DISCUSSED, person, meeting, thing=link.thing_id, link=link.pk)
        return discussed


def minutes_text(meeting: Meeting, items: list[MinutesItem]) -> str:
    """An entry's text: the meeting, who was there, then each item with who gave it."""
    rows = list(meeting.attendance.select_related("agency").order_by("agency__name"))
    came = [r.agency.name for r in rows if r.status == Attendance.Status.ATTENDED]
    apologies = [r.agency.name for r in rows if r.status == Attendance.Status.APOLOGIES]
    lines = [
        f"{meeting.get_kind_display()} on {said(meeting.held_at)}, chaired by "
        f"{meeting.chair.display_name} ({meeting.agency.name}).",
        f"Attended: {', '.join(came) or 'not recorded'}.",
    ]
    if apologies:
        lines.append(f"Apologies: {', '.join(apologies)}.")
    for item in items:
        label = "Decision" if item.decision else "Minute"
        lines.append(f"\n{label} ({item.agency.name}): {item.text}")
    return "\n".join(lines)


def publish(person: Person, meeting: Meeting) -> list[Entry]:
    """Put the minutes on each discussed child's chronology, items about that child only:
    one entry of the items everyone may read, one restricted entry per agency for its
    restricted items. Again after a correction: each entry that changed is superseded."""
    chair_only(person, meeting)
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        items = list(
            meeting.items.filter(case__isnull=False)
            .select_related("agency", "written_by")
            .order_by("written_at", "id")
        )
        made: list[Entry] = []
        for discussed in meeting.discussed.select_related("case"):
            case = discussed.case
            groups: dict[int | None, list[MinutesItem]] = {None: []}
            for item in items:
                if item.case_id == case.pk:
                    groups.setdefault(item.agency_id if item.restricted else None, []).append(item)
            for agency_id, group in groups.items():
                if agency_id is not None and not group:
                    continue
                writer = person if agency_id is None else group[-1].written_by
                text = minutes_text(meeting, group)
                standing = Published.objects.filter(meeting=meeting, case=case, agency_id=agency_id)
                standing = standing.select_related("entry").first()
                previous = standing.entry if standing else None
                if previous is not None and previous.text == text:
                    continue
                entry = record_on_chronology(
                    case, writer, Entry.Category.MEETING, text, occurred_at=meeting.held_at,
                    restricted=agency_id is not None, supersedes=previous,
                    reason="Minutes corrected and published again by the chair" if previous else "",
                )  # fmt: skip
                made.append(entry)
                Published.objects.update_or_create(
                    meeting=meeting, case=case, agency_id=agency_id, defaults={"entry": entry}
                )
                case_changed(Audit.ENTRY_ADDED, writer, case.pk, entry=entry.pk,
                             category=Entry.Category.MEETING, restricted=agency_id is not None,
                             meeting=meeting.pk)  # fmt: skip
        now = timezone.now()
        MinutesItem.objects.filter(meeting=meeting, published_at__isnull=True).update(
            published_at=now
        )
        meeting.published_at = now
        meeting.save(update_fields=["published_at"])
        _audit(Audit.MINUTES_PUBLISHED, person, meeting, entries=[entry.pk for entry in made])
        return made


def overdue_from(agency: Agency, due_on: dt.date) -> dt.datetime:
    """The start of the day after the owner's first working day on or after `due_on`."""
    calendar = calendars_for([agency.pk])[agency.pk]
    day = due_on
    while not calendar.is_working_day(day):
        day += dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def suggested_due(agency: Agency, start: dt.datetime | None = None) -> dt.date:
    """Two of the owner's working days from now: what the form offers."""
    calendar = calendars_for([agency.pk])[agency.pk]
    start = start or timezone.now()
    return timezone.localtime(calendar.add_working_days(start, DEFAULT_DUE_WORKING_DAYS)).date()


def add_action(
    person: Person,
    meeting: Meeting,
    *,
    case_id: int,
    text: str,
    owner: Agency,
    owner_person: Person | None,
    due_on: dt.date,
) -> Action:
    """An action agreed at the meeting, about one discussed child, for one agency; the
    agency is told at once, in its inbox and worklist."""
    _part(person, meeting, "agree its actions")
    with transaction.atomic():
        case = _discussed_case(person, meeting, case_id)
        if case is None:
            raise ValidationError({"case": "Choose the child the action is about"})
        if due_on < timezone.localdate():
            raise ValidationError({"due_on": "The due date must be today or in the future"})
        if due_on > timezone.localdate() + dt.timedelta(days=366):
            raise ValidationError({"due_on": "The due date must be within a year"})
        if owner_person is not None and owner_person.agency_id != owner.pk:
            raise ValidationError({"owner_person": "Choose someone who works for that agency"})
        action = Action.objects.create(
            meeting=meeting, case=case, text=text.strip(), owner=owner, owner_person=owner_person,
            due_on=due_on, created_by=person, overdue_from=overdue_from(owner, due_on),
        )  # fmt: skip
        notify(
            case, Notification.Kind.MEETING_ACTION, action.pk,
            f"Case {case.reference}: an action for your agency from the "
            f"{meeting.get_kind_display().lower()} on {said(meeting.held_at)}, due {said(due_on)}",
            person, [owner],
        )  # fmt: skip
        _audit(Audit.ACTION_AGREED, person, meeting, action=action.pk, case=case.pk, owner=owner.pk)
        return action


class ActionClosed(Exception):
    """Closed already: what it says stays as the owner wrote it."""


def close_action(person: Person, action: Action, *, status: str, note: str) -> Action:
    """The owning agency marks the action done (with what was done) or dropped (why)."""
    require(person, Act.CLOSE_ACTION, target_type="action", target_id=action.pk)
    if person.agency_id != action.owner_id:
        _refuse(person, "action", action.pk, "owner",
                "Only the agency the action is for can close it: yours cannot.")  # fmt: skip
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        if action.status != Action.Status.OPEN:
            raise ActionClosed(f"This action was already closed ({action.get_status_display()}).")
        if status not in (Action.Status.DONE, Action.Status.DROPPED):
            raise ValidationError({"status": "Choose done or dropped"})
        if not note.strip():
            say = "Say what was done" if status == Action.Status.DONE else "Say why it was dropped"
            raise ValidationError({"note": say})
        now = timezone.now()
        action.status, action.note = status, note.strip()
        action.closed_by, action.closed_at = person, now
        action.save(update_fields=["status", "note", "closed_by", "closed_at"])
        # The notice of it has been taken in, by closing it.
        Notification.objects.filter(
            agency_id=action.owner_id, kind=Notification.Kind.MEETING_ACTION, subject_id=action.pk,
            acknowledged_at__isnull=True,
        ).update(acknowledged_at=now, acknowledged_by=person)  # fmt: skip
        detail = {"status": status, "case": action.case_id, "meeting": action.meeting_id}
        record(Audit.ACTION_CLOSED, actor=person, target_type="action", target_id=action.pk,
               detail=detail)  # fmt: skip
        return action
