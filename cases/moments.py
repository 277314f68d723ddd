"""When something happened: UK local time typed on a page, and the bounds any such time has.

Pages take a date and a time in UK local time (Europe/London). Twice a year that is not one
instant: when the clocks go back an hour happens twice (01:30 BST, then 01:30 GMT), and when
they go forward an hour never happens. `local_instant` is the one place a typed date and
time become an instant; it refuses to guess (Django's `make_aware` silently takes the first
of a repeated time and moves a skipped one). `check_when` is the one rule for how early or
late a recorded event may be, on pages and in the API alike.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguarding.uk_time import clock, day_said, uk_zone

# Clocks on phones and servers differ by a little: a time this far ahead of ours is "now".
CLOCK_SKEW = dt.timedelta(minutes=5)
# Where a child's date of birth is not known, nothing on the record happened before this.
EARLIEST_DAY = dt.date(1900, 1, 1)

BST, GMT = "BST", "GMT"


class AmbiguousTime(ValueError):
    """The time happened twice on that day (the clocks went back): `first` (BST), `second`
    (GMT)."""

    def __init__(self, first: dt.datetime, second: dt.datetime) -> None:
        super().__init__(f"{first:%Y-%m-%d %H:%M} happened twice")
        self.first, self.second = first, second

    def reading(self, zone: str) -> dt.datetime | None:
        """The reading in `zone` ("BST" or "GMT"), in UTC, or None if that is neither."""
        chosen = [w for w in (self.first, self.second) if zone and w.tzname() == zone]
        return chosen[0].astimezone(dt.UTC) if chosen else None

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The two readings, as a page offers them."""
        return [
            (self.first.tzname(), f"{clock(self.first)} {self.first.tzname()} (first time)"),
            (self.second.tzname(), f"{clock(self.second)} {self.second.tzname()} (second time)"),
        ]

    @property
    def message(self) -> str:
        return (
            f"{clock(self.first)} on {day_said(self.first.date())} happened twice, because the "
            f"clocks went back an hour: select {clock(self.first)} {self.first.tzname()} (the "
            f"first time) or {clock(self.second)} {self.second.tzname()} (the second time)"
        )


class NonExistentTime(ValueError):
    """The time never happened on that day (the clocks went forward at `changed_at`)."""

    def __init__(self, typed: dt.datetime, changed_at: dt.datetime, gap: dt.timedelta) -> None:
        super().__init__(f"{typed:%Y-%m-%d %H:%M} did not happen")
        self.typed, self.changed_at, self.resumed_at = typed, changed_at, changed_at + gap

    @property
    def message(self) -> str:
        return (
            f"The clocks went forward at {clock(self.changed_at)} on "
            f"{day_said(self.typed.date())}: {clock(self.typed)} did not happen that day. "
            f"Give a time before {clock(self.changed_at)} or from {clock(self.resumed_at)}."
        )


def local_instant(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant a UK local date and time name, in UTC (so that arithmetic and
    comparisons with it never depend on `fold`).

    Raises AmbiguousTime when it happened twice (its `reading` picks one by zone name) and
    NonExistentTime when it never happened.
    """
    tz = uk_zone()
    wall = dt.datetime.combine(day, time.replace(tzinfo=None, fold=0))
    first, second = wall.replace(tzinfo=tz), wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first.astimezone(dt.UTC)
    # The two readings differ: a repeated time reads back as typed both ways, a skipped
    # one does not (it comes back an hour moved).
    back = first.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if back != wall:
        # UK clocks change on the hour; said in the time before the change ("at 1am").
        changed = first.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        gap = abs(second.utcoffset() - first.utcoffset())
        raise NonExistentTime(wall, (changed + first.utcoffset()).replace(tzinfo=None), gap)
    raise AmbiguousTime(first, second)


def check_when(
    when: dt.datetime,
    *,
    born: dt.date | None = None,
    ahead: dt.timedelta = CLOCK_SKEW,
    what: str = "The time",
    now: dt.datetime | None = None,
) -> dt.datetime:
    """Refuse a time something cannot have happened at: before the child was born (before
    1900 where that is not known), or more than `ahead` from now. `what` names the field.

    Raises ValidationError with code "early" or "ahead"; returns `when` if it is fine.
    """
    earliest = max(born or EARLIEST_DAY, EARLIEST_DAY)
    try:
        day = when.astimezone(uk_zone()).date()
    except OverflowError:  # the first hours of year 1, read in UK time
        day = dt.date.min
    if day < earliest:
        if born and born >= EARLIEST_DAY:
            message = f"{what} must be on or after the child’s date of birth ({day_said(born)})"
        else:
            message = f"{what} must be on or after 1 January 1900"
        raise ValidationError(message, code="early")
    latest = (now or timezone.now()) + ahead
    if when > latest:
        if ahead <= CLOCK_SKEW:
            message = f"{what} must be now or in the past"
        else:
            hours = int(ahead.total_seconds() // 3600)
            message = f"{what} must be no more than {hours} hours from now"
        raise ValidationError(message, code="ahead")
    return when
