"""One way of saying a time, everywhere (safeguarding.uk_time): GOV.UK style, UK local time,
the zone where the reading happened twice."""

import datetime as dt

import pytest
from django.template import Context, Template

from safeguarding.uk_time import how_long, length, machine, said

UTC = dt.UTC


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(2026, 12, 4, 15, 7, tzinfo=UTC), "4 December 2026 at 3:07pm"),
        (dt.datetime(2026, 12, 4, 15, 0, tzinfo=UTC), "4 December 2026 at 3pm"),
        (dt.datetime(2026, 12, 4, 0, 0, tzinfo=UTC), "4 December 2026 at 12am"),
        (dt.datetime(2026, 12, 4, 12, 5, tzinfo=UTC), "4 December 2026 at 12:05pm"),
        # Summer: UK time is an hour ahead of UTC, and the date can differ.
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=UTC), "2 July 2026 at 12:30am"),
        # The night the clocks go back: 01:30 happens twice, so the zone is said.
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "25 October 2026 at 1:30am BST"),
        (dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "25 October 2026 at 1:30am GMT"),
        (dt.datetime(2027, 10, 31, 1, 30, tzinfo=UTC), "31 October 2027 at 1:30am GMT"),
        # The night they go forward nothing is read two ways.
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "29 March 2026 at 2am"),
        (dt.date(2026, 12, 4), "4 December 2026"),
        (None, ""),
    ],
)
def test_a_moment_is_said_one_way(when, expected):
    assert said(when) == expected


def test_programs_get_iso_8601_with_the_uk_offset():
    assert machine(dt.datetime(2026, 7, 1, 23, 30, 5, 123, tzinfo=UTC)) == (
        "2026-07-02T00:30:05+01:00"
    )
    assert machine(dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "2026-10-25T01:30:00+00:00"
    assert machine(None) == ""


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (dt.timedelta(seconds=20), "1 minute"),
        (dt.timedelta(minutes=45), "45 minutes"),
        (dt.timedelta(hours=1), "1 hour"),
        (dt.timedelta(hours=47, minutes=59), "47 hours"),
        (dt.timedelta(days=2), "2 days"),
        (dt.timedelta(days=20, hours=3), "20 days"),
        (dt.timedelta(days=90), "3 months"),
        (dt.timedelta(days=800), "2 years"),
    ],
)
def test_how_long_something_was_recorded_after_it_happened(gap, expected):
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert how_long(start, start + gap) == expected


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        (dt.timedelta(seconds=59), "0 minutes"),
        (dt.timedelta(minutes=45), "45 minutes"),
        (dt.timedelta(hours=5, minutes=20, seconds=59), "5 hours 20 minutes"),
        (dt.timedelta(hours=24), "1 day"),
        (dt.timedelta(days=2, hours=4, minutes=59), "2 days 4 hours"),
        (dt.timedelta(days=3, minutes=5), "3 days"),
        (dt.timedelta(days=-1), "0 minutes"),
    ],
)
def test_how_long_something_lasted_in_its_two_largest_units(gap, expected):
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert length(start, start + gap) == expected


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(2026, 12, 4, 15, 7, 9, 999999, tzinfo=UTC), "4 December 2026 at 3:07:09pm"),
        # To the second, the minutes are said even on the hour.
        (dt.datetime(2026, 12, 4, 15, 0, 0, tzinfo=UTC), "4 December 2026 at 3:00:00pm"),
        (dt.datetime(2026, 12, 4, 0, 0, 5, tzinfo=UTC), "4 December 2026 at 12:00:05am"),
        (dt.datetime(2026, 7, 1, 23, 30, 59, tzinfo=UTC), "2 July 2026 at 12:30:59am"),
        (dt.datetime(2026, 10, 25, 0, 30, 1, tzinfo=UTC), "25 October 2026 at 1:30:01am BST"),
        (dt.datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC), "25 October 2026 at 1:30:01am GMT"),
        (dt.date(2026, 12, 4), "4 December 2026"),
        (None, ""),
    ],
)
def test_an_audit_trail_says_a_moment_to_the_second(when, expected):
    assert said(when, seconds=True) == expected


def test_the_template_filters_say_it_the_same_way():
    page = Template(
        "{% load uk_time %}[{{ a|when }}][{{ a|when_exact }}][{{ b|when }}][{{ c|when }}]"
        '[{{ none|when|default:"Never" }}][{{ missing|when }}][{{ missing|when_exact }}]'
    ).render(
        Context(
            {
                "a": dt.datetime(2026, 10, 25, 1, 30, 7, tzinfo=UTC),
                "b": dt.datetime(2026, 12, 4, 15, 7, tzinfo=UTC),
                "c": dt.date(2011, 3, 4),
                "none": None,
            }
        )
    )
    assert page == (
        "[25 October 2026 at 1:30am GMT][25 October 2026 at 1:30:07am GMT]"
        "[4 December 2026 at 3:07pm][4 March 2011][Never][][]"
    )
