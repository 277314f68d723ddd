"""The agenda from alerts (issue 22, item 3): what an exploitation meeting should hear of,
proposed for the next MACE of each area concerned, for its chair to accept or dismiss.

Registered with `cases.registry.on_concern_raised` in MeetingsConfig.ready(): a repeat-
missing alert, a risk level raised by an assessment, a match between cases. The areas are
those covered by each case's lead agency; a proposal is made once per area and concern.
"next MACE" is the earliest MACE of the area still to be held: a MACE is a series per
area. The chair sees each case named only if they may see it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.actions import Action as Audit
from audit.services import record
from cases.models import Case
from cases.selectors import visible_among
from meetings.models import Discussed, Meeting, Proposal
from meetings.services import chair_only
from people.models import Area, Person


def propose(kind: str, case_ids: list[int], subject_id: int, what: str) -> list[Proposal]:
    """One proposal per area the cases' lead agencies cover (inside the caller's
    transaction, so a concern and its proposal commit together)."""
    areas = Area.objects.filter(agencies__led_cases__in=case_ids).distinct()
    made = []
    for area in areas:
        try:
            with transaction.atomic():
                made.append(Proposal.objects.create(
                    area=area, kind=kind, subject_id=subject_id, case_ids=sorted(case_ids),
                    what=what[:300],
                ))  # fmt: skip
        except IntegrityError:  # proposed already (a task run twice)
            continue
    return made


def next_mace(area: Area, now: dt.datetime | None = None) -> Meeting | None:
    """The area's next exploitation meeting: the earliest MACE still to be held."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(kind=Meeting.Kind.MACE, area=area, held_at__gte=now)
        .order_by("held_at", "id")
        .first()
    )


def proposed_for(meeting: Meeting, now: dt.datetime | None = None) -> list[Proposal]:
    """What waits for this meeting's chair: the area's open proposals, if this is its next
    MACE; nothing for any other meeting."""
    if meeting.kind != Meeting.Kind.MACE or meeting.area_id is None:
        return []
    upcoming = next_mace(meeting.area, now)
    if upcoming is None or upcoming.pk != meeting.pk:
        return []
    return list(
        Proposal.objects.filter(area_id=meeting.area_id, status=Proposal.Status.PROPOSED).order_by(
            "raised_at", "id"
        )
    )


def with_cases_seen(person: Person, proposals: list[Proposal]) -> list[Proposal]:
    """Each proposal's cases the person may see, as `cases_seen` (one query)."""
    ids = {case_id for proposal in proposals for case_id in proposal.case_ids}
    seen = {case.pk: case for case in visible_among(person, ids)}
    for proposal in proposals:
        proposal.cases_seen = [seen[i] for i in proposal.case_ids if i in seen]
        proposal.cases_unseen = len(proposal.case_ids) - len(proposal.cases_seen)
    return proposals


class AlreadyDecided(ValidationError):
    """Accepted or dismissed already."""


def decide(person: Person, meeting: Meeting, proposal_id: int, *, accept: bool,
           reason: str = "") -> Proposal:  # fmt: skip
    """The chair accepts a proposal onto the meeting's agenda (the children they may see
    become discussed at it) or dismisses it with a reason."""
    chair_only(person, meeting)
    with transaction.atomic():
        proposal = (
            Proposal.objects.select_for_update()
            .filter(pk=proposal_id, area_id=meeting.area_id)
            .first()
        )
        if proposal is None or proposal.pk not in {p.pk for p in proposed_for(meeting)}:
            raise AlreadyDecided("This proposal is not waiting for this meeting")
        if not accept and not reason.strip():
            raise ValidationError({"reason": "Say why it is dismissed"})
        proposal.status = Proposal.Status.ACCEPTED if accept else Proposal.Status.DISMISSED
        proposal.meeting = meeting
        proposal.decided_by, proposal.decided_at = person, timezone.now()
        proposal.reason = reason.strip()[:500]
        proposal.save()
        if accept:
            cases = Case.objects.filter(pk__in=[c.pk for c in with_cases_seen(
                person, [proposal])[0].cases_seen])  # fmt: skip
            for case in cases:
                Discussed.objects.get_or_create(meeting=meeting, case=case)
        record(Audit.AGENDA_DECIDED, actor=person, target_type="meeting", target_id=meeting.pk,
               detail={"proposal": proposal.pk, "accepted": accept})  # fmt: skip
        return proposal
