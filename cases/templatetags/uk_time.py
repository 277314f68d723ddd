"""Template filters for times in UK local time."""

import datetime as dt

from django import template

from cases import moments

register = template.Library()


@register.filter
def zone_if_repeated(when: dt.datetime | None) -> str:
    """ " BST" or " GMT" after a time whose wall clock reading happened twice that day (the
    night the clocks went back), so 01:30 is not read two ways; otherwise nothing."""
    if not isinstance(when, dt.datetime) or not moments.repeated(when):
        return ""
    return f" {moments.zone_name(when)}"
