"""UK local time typed on a page, across the clock changes of 2026 and 2027, and the bounds
of when something can have happened (cases.moments)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.moments import (
    AmbiguousTime,
    NonExistentTime,
    check_when,
    local_instant,
)
from safeguarding.uk_time import repeated, zone_name

UTC = dt.UTC
# The nights the clocks go back (01:00-02:00 happens twice) and forward (it never happens).
BACK = [dt.date(2026, 10, 25), dt.date(2027, 10, 31)]
FORWARD = [dt.date(2026, 3, 29), dt.date(2027, 3, 28)]


@pytest.mark.parametrize("day", BACK)
@pytest.mark.parametrize("time", [dt.time(1, 0), dt.time(1, 30), dt.time(1, 59)])
def test_a_time_in_the_repeated_hour_is_ambiguous_and_each_reading_is_an_hour_apart(day, time):
    with pytest.raises(AmbiguousTime) as twice:
        local_instant(day, time)
    first, second = twice.value.first, twice.value.second
    assert (first.tzname(), second.tzname()) == ("BST", "GMT")
    assert second.astimezone(UTC) - first.astimezone(UTC) == dt.timedelta(hours=1)
    assert first.astimezone(UTC) == dt.datetime.combine(day, time, UTC) - dt.timedelta(hours=1)
    # In UTC: an ambiguous local time never compares equal across zones (PEP 495).
    assert twice.value.reading("BST") == first.astimezone(UTC)
    assert twice.value.reading("GMT") == second.astimezone(UTC)
    assert twice.value.reading("GMT").tzinfo == UTC
    assert twice.value.reading("CET") is None
    # Offered as times are said everywhere (1am, 1:30am), each with its zone.
    said = f"{time.hour}:{time.minute:02d}am" if time.minute else "1am"
    assert twice.value.choices == [
        ("BST", f"{said} BST (first time)"),
        ("GMT", f"{said} GMT (second time)"),
    ]
    assert twice.value.message == (
        f"{said} on {day.day} October {day.year} happened twice, because the clocks went back "
        f"an hour: select {said} BST (the first time) or {said} GMT (the second time)"
    )
    assert repeated(first) and repeated(second)


@pytest.mark.parametrize("day", FORWARD)
@pytest.mark.parametrize("time", [dt.time(1, 0), dt.time(1, 30), dt.time(1, 59)])
def test_a_time_in_the_skipped_hour_does_not_exist(day, time):
    with pytest.raises(NonExistentTime) as skipped:
        local_instant(day, time)
    said = f"{time.hour}:{time.minute:02d}am" if time.minute else "1am"
    assert skipped.value.message == (
        f"The clocks went forward at 1am on {day.day} March {day.year}: {said} did not "
        "happen that day. Give a time before 1am or from 2am."
    )


@pytest.mark.parametrize("day", BACK + FORWARD)
def test_times_either_side_of_a_clock_change_are_one_instant(day):
    before, after = local_instant(day, dt.time(0, 59)), local_instant(day, dt.time(2, 0))
    # Back: 00:59 BST to 02:00 GMT is two hours and a minute; forward, 00:59 GMT to 02:00 BST
    # is one minute.
    assert after - before == dt.timedelta(minutes=121 if day.month == 10 else 1)
    assert not repeated(before) and not repeated(after)
    assert (zone_name(before), zone_name(after)) == (
        ("BST", "GMT") if day.month == 10 else ("GMT", "BST")
    )


def test_an_ordinary_day_in_summer_and_winter():
    assert local_instant(dt.date(2026, 7, 1), dt.time(14, 30)).astimezone(UTC) == dt.datetime(
        2026, 7, 1, 13, 30, tzinfo=UTC
    )
    assert local_instant(dt.date(2026, 12, 1), dt.time(14, 30)).astimezone(UTC) == dt.datetime(
        2026, 12, 1, 14, 30, tzinfo=UTC
    )


NOW = dt.datetime(2027, 11, 5, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("when", "born", "message"),
    [
        (dt.datetime(1229, 5, 1, 12, tzinfo=UTC), None, "on or after 1 January 1900"),
        (dt.datetime(1899, 12, 31, 12, tzinfo=UTC), None, "on or after 1 January 1900"),
        (
            dt.datetime(2012, 5, 2, 22, 59, tzinfo=UTC),  # 23:59 BST, 2 May
            dt.date(2012, 5, 3),
            "on or after the child’s date of birth (3 May 2012)",
        ),
        (NOW + dt.timedelta(minutes=5, seconds=1), None, "must be now or in the past"),
    ],
)
def test_check_when_refuses(when, born, message):
    with pytest.raises(ValidationError) as refused:
        check_when(when, born=born, what="Date it happened")
    assert message in refused.value.message


@time_machine.travel(NOW, tick=False)
def test_check_when_accepts_the_edges():
    # 00:30 BST on the day of birth is 23:30 UTC the day before: still the day of birth.
    born = dt.date(2012, 5, 3)
    assert check_when(dt.datetime(2012, 5, 2, 23, 30, tzinfo=UTC), born=born)
    assert check_when(dt.datetime(1900, 1, 1, tzinfo=UTC))
    assert check_when(NOW + dt.timedelta(minutes=5))
    assert check_when(NOW + dt.timedelta(hours=24), ahead=dt.timedelta(hours=24))
    with pytest.raises(ValidationError, match="no more than 24 hours from now"):
        check_when(NOW + dt.timedelta(hours=25), ahead=dt.timedelta(hours=24))
