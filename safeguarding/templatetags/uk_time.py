"""Template filters for times in UK local time, said one way everywhere (safeguarding.uk_time)."""

import datetime as dt

from django import template

from safeguarding import uk_time

register = template.Library()


@register.filter
def when(value: dt.datetime | dt.date | None) -> str:
    """4 December 2026 at 3:07pm (a date alone: 4 December 2026); its zone where the time
    happened twice that day. Anything else (a missing variable) is said as nothing, as
    Django's `date` filter does."""
    return uk_time.said(value) if isinstance(value, dt.date) else ""


@register.filter
def when_exact(value: dt.datetime | dt.date | None) -> str:
    """To the second, for where the order within a minute matters (an audit trail):
    4 December 2026 at 3:07:09pm; its zone where the time happened twice that day."""
    return uk_time.said(value, seconds=True) if isinstance(value, dt.date) else ""


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
