"""The "Not acknowledged" flag the `notifications` app adds to a case (cases.flags): which
agencies have not yet taken in what they were told about the child, and whether that is
overdue (DESIGN.md, "who needs to know, and do they know yet?").

Registered with `cases.registry.add_case_flags` in NotificationsConfig.ready(). One query
for any number of cases.
"""

from collections import defaultdict

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone

from cases.flags import Flag, list_flag
from cases.models import Case
from cases.selectors import agency_rows, reader_key
from notifications.models import Notification
from people.models import Person
from safeguarding import uk_time
from safeguarding.compiled import CompiledQuery

# Compiled once per agency and role (agency_rows reads both) and process (issue 18).
UNACKNOWLEDGED = CompiledQuery("flags: notifications not acknowledged", generic=True)
SOONEST = CompiledQuery("flags: notifications not acknowledged, as lists show them", generic=True)


def _unacknowledged(person: Person, ids):
    if person.agency_id is None:
        return Notification.objects.none()
    managed = agency_rows(person, "manage").filter(content_object_id__any=ids)
    return (
        Notification.objects.filter(case_id__any=ids, acknowledged_at__isnull=True)
        .filter(Q(agency_id=person.agency_id) | Q(case_id__in=managed.values("content_object_id")))
        .select_related("agency")
        .order_by("acknowledge_by", "id")
    )


def _soonest(person: Person, ids):
    # Notification.overdue: waiting (nor withdrawn) and past its time; one row per case.
    return (
        _unacknowledged(person, ids)
        .values("case_id")
        .annotate(soonest=Min("acknowledge_by", filter=Q(withdrawn_at__isnull=True)))
        .values_list("case_id", "soonest")
        .order_by()
    )


def _brief(person: Person, case_ids: list[int], now) -> dict[int, list[Flag]]:
    """What lists show of `notification_flags`: whether any is overdue."""
    rows = SOONEST.rows(
        reader_key(person), lambda now, ids: _soonest(person, ids), now, ids=case_ids
    )
    return {
        case_id: [
            list_flag("notifications", "Acknowledgement overdue", "red")
            if soonest is not None and soonest < now
            else list_flag("notifications", "Not acknowledged", "orange")
        ]
        for case_id, soonest in rows
    }


def unacknowledged(person: Person, case_ids: list[int]) -> list[Notification]:
    """Notifications about these cases not yet acknowledged that the person may know of:
    their own agency's, and every agency's on a case their agency manages (which already
    sees who holds a share and whether it was acknowledged)."""
    return UNACKNOWLEDGED.objects(
        reader_key(person),
        lambda now, ids: _unacknowledged(person, ids),
        timezone.now(),
        ids=list(case_ids),
    )


def notification_flags(
    person: Person, cases: list[Case], *, brief: bool = False
) -> dict[int, list[Flag]]:
    now = timezone.now()
    if brief:
        return _brief(person, [case.pk for case in cases], now)
    by_case: dict[int, list[Notification]] = defaultdict(list)
    for notification in unacknowledged(person, [case.pk for case in cases]):
        by_case[notification.case_id].append(notification)
    flags: dict[int, list[Flag]] = {}
    for case_id, waiting in by_case.items():
        overdue = [n for n in waiting if n.overdue(now)]
        # By agency, as a manager chases them: a busy case has a dozen notices.
        agencies: dict[str, list[Notification]] = defaultdict(list)
        for notification in waiting:
            agencies[notification.agency.name].append(notification)
        said = "; ".join(
            f"{name}: {len(told)}"
            + (f", {late} overdue" if (late := sum(n.overdue(now) for n in told)) else "")
            for name, told in agencies.items()
        )
        first = waiting[0]  # soonest deadline first
        when = "was due by" if first.overdue(now) else "due by"
        mine = any(n.agency_id == person.agency_id for n in waiting)
        count = len(waiting)
        flags[case_id] = [
            Flag(
                "notifications",
                "Acknowledgement overdue" if overdue else "Not acknowledged",
                f"{count} notification{'' if count == 1 else 's'} not yet acknowledged, by "
                f"{said}. Soonest: {first.get_kind_display().lower()}, {when} "
                f"{uk_time.said(first.acknowledge_by)}.",
                "red" if overdue else "orange",
                reverse("inbox") if mine else "",
            )
        ]
    return flags
