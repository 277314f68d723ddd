"""A strategy discussion about Aimee as the issue's journey has it, for the meeting tests."""

import datetime as dt

from django.utils import timezone

from meetings import services


def strategy_discussion(people, agencies, case, *, asked=("norfolk_police", "norfolk_hospital")):
    """mash.manager chairs; the police and the hospital are asked."""
    return services.schedule_meeting(
        people["mash.manager"], kind="strategy_discussion",
        held_at=timezone.now() - dt.timedelta(hours=1), cases=[case],
        agencies=[agencies[key] for key in asked],
    )  # fmt: skip


def held_meeting(case):
    """A strategy discussion about `case` chaired by mash.manager, Norfolk police asked, with
    an action the police own: made on first use straight in its tables, so that making it
    records nothing (the audit walks count only what a request records)."""
    from meetings.models import Action, Attendance, Discussed, Meeting
    from people.models import Person

    meeting = Meeting.objects.filter(discussed__case=case).first()
    if meeting is not None:
        return meeting
    chair = Person.objects.get(username="mash.manager")
    police = Person.objects.get(username="police.officer").agency
    meeting = Meeting.objects.create(
        kind="strategy_discussion", held_at=timezone.now() - dt.timedelta(hours=1),
        chair=chair, agency=chair.agency,
    )  # fmt: skip
    for agency in (chair.agency, police):
        Attendance.objects.create(meeting=meeting, agency=agency)
    Discussed.objects.create(meeting=meeting, case=case)
    Action.objects.create(
        meeting=meeting, case=case, text="Check the car's owner.", owner=police,
        due_on=timezone.localdate(), created_by=chair,
        overdue_from=timezone.now() + dt.timedelta(days=1),
    )  # fmt: skip
    return meeting
