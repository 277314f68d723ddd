"""Return home interview compliance (issue 19, item 5): for each month of returns, by
placing authority or by host area, how many returns were owed an interview, how many were
held within 72 hours, held later, declined, not held, and how many are still owed.

Counts only, never a child. Even so, a small count about another authority can point to
a child its reader knows, so in rows about other authorities a count from 1 to
REPORT_SUPPRESS_UNDER - 1 is shown as "fewer than N" (and so is its percentage); where a
hidden count could be worked out by subtraction, from its row's total or from the
column's total less the other rows, another is hidden too (`_protect`). An authority sees
its own row in full. One query a table,
grouped in the database, whatever the size of the country (bench/README.md).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Q

from missing.models import ReturnInterview
from people.models import Person
from safeguarding import uk_time

BY = {"placing": "placing authority", "host": "host area"}
OUTCOMES = ("in_time", "late", "declined", "not_held", "owed")
NO_PLACEMENT = "No placement recorded"


@dataclass
class Row:
    """One authority's (or the country's) month; `shown` holds each count as it may be
    shown to this reader (None: suppressed)."""

    name: str
    own: bool
    counts: dict[str, int]
    shown: dict[str, int | None] = field(default_factory=dict)

    def percent(self, name: str) -> float | None:
        """The share of returns, when both it and the returns may be shown."""
        value, returns = self.shown.get(name), self.shown.get("returns")
        if value is None or not returns:
            return None
        return round(100 * value / returns, 1)

    @property
    def in_time_percent(self) -> float | None:
        return self.percent("in_time")

    @property
    def declined_percent(self) -> float | None:
        return self.percent("declined")

    @property
    def not_held_percent(self) -> float | None:
        return self.percent("not_held")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, in UK time."""
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    zone = uk_time.uk_zone()
    return (
        dt.datetime.combine(start, dt.time(), tzinfo=zone),
        dt.datetime.combine(following, dt.time(), tzinfo=zone),
    )


def _suppress(row: Row) -> None:
    """Primary suppression: another authority's small counts (an own row is shown whole)."""
    threshold = settings.REPORT_SUPPRESS_UNDER
    if row.own:
        row.shown = dict(row.counts)
        return
    row.shown = {
        name: None if 0 < value < threshold else value for name, value in row.counts.items()
    }


def _hide_smallest(cells: list[tuple[Row, str]]) -> bool:
    """Hide the smallest shown, non-zero cell of these (another authority's); False if none."""
    shown = [(row, name) for row, name in cells if not row.own and row.shown[name]]
    if not shown:
        return False
    row, name = min(shown, key=lambda cell: cell[0].counts[cell[1]])
    row.shown[name] = None
    return True


def _protect(rows: list[Row], total: Row) -> None:
    """Secondary suppression, until nothing hidden can be worked out by subtraction: in a row
    the outcomes add up to the returns, and in a column the rows add up to the total. Where
    one hidden cell stands alone in either, another is hidden with it (the smallest), or,
    in a column with nothing else to hide, the total's cell."""
    changed = True
    while changed:
        changed = False
        for row in (*rows, total):
            if row.own or row.shown["returns"] is None:
                continue
            if sum(row.shown[name] is None for name in OUTCOMES) == 1:
                changed |= _hide_smallest([(row, name) for name in OUTCOMES])
        for name in ("returns", *OUTCOMES):
            if total.shown[name] is None:
                continue
            if sum(row.shown[name] is None for row in rows) == 1:
                if not _hide_smallest([(row, name) for row in rows]):
                    total.shown[name] = None
                changed = True


def compliance(person: Person, month: dt.date, by: str = "placing") -> tuple[list[Row], Row]:
    """The month's rows (by placing authority or host area, A to Z) and the country's total,
    each suppressed as this person may see it."""
    start, end = month_bounds(month)
    hours = dt.timedelta(hours=settings.RETURN_INTERVIEW_HOURS)
    held = Q(outcome=ReturnInterview.Outcome.HELD)
    in_time = held & Q(held_on__lte=F("due_at"))
    keys = ("agency_id", "agency__name") if by == "placing" else ("host_area_id", "host_area__name")
    grouped = (
        ReturnInterview.objects.filter(due_at__gte=start + hours, due_at__lt=end + hours)
        .values(*keys)
        .annotate(
            returns=Count("id"),
            in_time=Count("id", filter=in_time),
            late=Count("id", filter=held & Q(held_on__gt=F("due_at"))),
            declined=Count("id", filter=Q(outcome=ReturnInterview.Outcome.DECLINED)),
            not_held=Count("id", filter=Q(outcome=ReturnInterview.Outcome.NOT_HELD)),
            owed=Count("id", filter=Q(completed_at__isnull=True)),
        )
        .order_by(keys[1])
    )
    if by == "placing":
        own = {person.agency_id}
    else:
        own = set(person.agency.areas.values_list("pk", flat=True)) if person.agency_id else set()
    rows, total = [], {name: 0 for name in ("returns", *OUTCOMES)}
    for found in grouped:
        counts = {name: found[name] for name in total}
        for name, value in counts.items():
            total[name] += value
        rows.append(Row(found[keys[1]] or NO_PLACEMENT, found[keys[0]] in own, counts))
    everyone = Row("All authorities", False, total)
    for row in (*rows, everyone):
        _suppress(row)
    _protect(rows, everyone)
    return rows, everyone
