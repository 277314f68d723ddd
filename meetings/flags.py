"""The actions from meetings on a child's case, for its "At a glance" strip (issue 22):
open actions (and the soonest due), and the last one closed in the past fortnight.

Registered with `cases.registry.add_case_flags` in MeetingsConfig.ready(). One query for
any number of cases, and only for cases the person already sees (the registry's rule)."""

import datetime as dt
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from cases.flags import Flag, list_flag
from meetings.models import Action
from safeguarding.compiled import CompiledQuery
from safeguarding.uk_time import said

RECENTLY_CLOSED = dt.timedelta(days=14)
ACTIONS = CompiledQuery(
    "flags: meeting actions", generic=True
)  # compiled once per process (issue 18)
LATE = CompiledQuery("flags: meeting actions overdue, as lists show them", generic=True)


def _actions(now, ids):
    return (
        Action.objects.filter(case_id__any=ids)
        .exclude(
            status__in=[Action.Status.DONE, Action.Status.DROPPED],
            closed_at__lt=now - RECENTLY_CLOSED,
        )
        .select_related("owner")
        .order_by("case_id", "due_on", "id")
    )


def _late(now, ids):
    return (
        Action.objects.filter(case_id__any=ids, status=Action.Status.OPEN, overdue_from__lte=now)
        .values("case_id")
        .annotate(late=Count("id"))
        .values_list("case_id", "late")
        .order_by()
    )


def _overdue(late: int) -> str:
    return f"{late} action{'s' if late != 1 else ''} overdue"


def action_flags(person, cases, *, brief: bool = False) -> dict[int, list[Flag]]:
    ids = [case.pk for case in cases]
    found: dict[int, list[Flag]] = defaultdict(list)
    if not ids:
        return found
    now = timezone.now()
    if brief:  # lists show only the open actions overdue (Action.overdue), by count
        for case_id, late in LATE.rows((), _late, now, ids=ids):
            found[case_id].append(list_flag("actions", _overdue(late), "red"))
        return found
    rows = ACTIONS.objects((), _actions, now, ids=ids)
    by_case: dict[int, list[Action]] = defaultdict(list)
    for action in rows:
        by_case[action.case_id].append(action)
    for case_id, actions in by_case.items():
        open_ = [a for a in actions if a.status == Action.Status.OPEN]
        closed = sorted((a for a in actions if a.status != Action.Status.OPEN),
                        key=lambda a: a.closed_at)  # fmt: skip
        if open_:
            first = open_[0]
            late = [a for a in open_ if a.overdue(now)]
            found[case_id].append(Flag(
                "actions",
                _overdue(len(late)) if late
                else f"{len(open_)} open action{'s' if len(open_) != 1 else ''}",
                f"From meetings: the next is for {first.owner.name}, due {said(first.due_on)}.",
                "red" if late else "yellow",
                in_lists=bool(late),
            ))  # fmt: skip
        if closed:
            last = closed[-1]
            found[case_id].append(Flag(
                "actions",
                f"Action {last.get_status_display().lower()}",
                f"{last.owner.name} marked an action {last.get_status_display().lower()} on "
                f"{said(last.closed_at)}.",
                "green" if last.status == Action.Status.DONE else "grey",
                in_lists=False,
            ))  # fmt: skip
    return found
