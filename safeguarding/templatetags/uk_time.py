"""Template filters for times in UK local time, said one way everywhere (safeguarding.uk_time)."""

import datetime as dt

from django import template

from safeguarding import uk_time

register = template.Library()


@register.filter
def when(value: dt.datetime | dt.date | None) -> str:
    """4 December 2026 at 3:07pm (a date alone: 4 December 2026); its zone where the time
    happened twice that day."""
    return uk_time.said(value)


@register.filter
def zone_if_repeated(value: dt.datetime | None) -> str:
    """ " BST" or " GMT" after a time whose wall clock reading happened twice that day (the
    night the clocks went back), so 01:30 is not read two ways; otherwise nothing."""
    if not isinstance(value, dt.datetime):
        return ""
    return uk_time.zone_if_repeated(value)


@register.filter
def how_long_before(start: dt.datetime, end: dt.datetime) -> str:
    """`{{ occurred|how_long_before:recorded }}`: 20 days."""
    return uk_time.how_long(start, end)
