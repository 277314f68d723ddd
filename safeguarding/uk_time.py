"""Times said one way everywhere: on pages, in emails, in exports, in chronology text.

GOV.UK style, in UK local time: "4 December 2026 at 3:07pm", "4 December 2026 at 3pm". A
time whose wall-clock reading happened twice that day (the night the clocks go back) says
its zone: "25 October 2026 at 1:30am GMT". Midnight and midday are "12am" and "12pm": "at
midnight" beside a date is read as the start of that day by some and its end by others.

Plumbing every app may use (it imports no app of ours); `cases.moments` reads typed times.
"""

import datetime as dt
import zoneinfo

from django.conf import settings


def uk_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def local(when: dt.datetime) -> dt.datetime:
    """The instant in UK local time."""
    return when.astimezone(uk_zone())


def repeated(when: dt.datetime) -> bool:
    """Whether this instant's UK wall time happened twice that day (so needs its zone)."""
    here = local(when)
    other = here.replace(fold=1 - here.fold)
    return other.utcoffset() != here.utcoffset()


def zone_name(when: dt.datetime) -> str:
    """BST or GMT: the UK zone in force at this instant."""
    return local(when).tzname() or ""


def zone_if_repeated(when: dt.datetime) -> str:
    """ " BST" or " GMT" where the wall time happened twice that day, otherwise ""."""
    return f" {zone_name(when)}" if repeated(when) else ""


def clock(time: dt.time | dt.datetime, *, seconds: bool = False) -> str:
    """A time of day as people say it: 1:30am, 2pm, 12:05pm; with `seconds`, always to the
    second: 1:30:00am, 2:00:09pm, 12:05:59pm."""
    hour = time.hour % 12 or 12
    if seconds:
        minutes = f":{time.minute:02d}:{time.second:02d}"
    else:
        minutes = f":{time.minute:02d}" if time.minute else ""
    return f"{hour}{minutes}{'am' if time.hour < 12 else 'pm'}"


def day_said(day: dt.date) -> str:
    """A date: 4 December 2026."""
    return f"{day.day} {day:%B %Y}"


def said(when: dt.datetime | dt.date | None, *, seconds: bool = False) -> str:
    """A moment as the Hub says it: 4 December 2026 at 3:07pm (UK time; its zone where
    that reading happened twice). A date alone is said as a date; None as "".

    `seconds` says it to the second, for where the order within a minute matters (an
    audit trail): 4 December 2026 at 3:07:09pm, 4 December 2026 at 3:00:00pm."""
    if when is None:
        return ""
    if not isinstance(when, dt.datetime):
        return day_said(when)
    here = local(when)
    return f"{day_said(here.date())} at {clock(here, seconds=seconds)}{zone_if_repeated(when)}"


def machine(when: dt.datetime | None) -> str:
    """The same moment for programs (a spreadsheet's sort, an import): ISO 8601 in UK
    local time with its offset, to the second."""
    return "" if when is None else local(when).replace(microsecond=0).isoformat()


def how_long(start: dt.datetime, end: dt.datetime) -> str:
    """The time between two moments, roughly, in the one unit people would use: 45 minutes,
    5 hours, 20 days, 3 months, 2 years (for "recorded 20 days after it happened")."""
    minutes = int((end - start).total_seconds() // 60)
    for unit, size, up_to in [
        ("minute", 1, 60),
        ("hour", 60, 48 * 60),
        ("day", 24 * 60, 61 * 24 * 60),
        ("month", 30 * 24 * 60, 730 * 24 * 60),
    ]:
        if minutes < up_to:
            count = max(minutes // size, 1 if unit == "minute" else 0)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    years = minutes // (365 * 24 * 60)
    return f"{years} year{'' if years == 1 else 's'}"


def length(start: dt.datetime, end: dt.datetime) -> str:
    """How long something lasted, in the two largest units, for how long a child was missing:
    "2 days 4 hours", "1 day", "5 hours 20 minutes", "45 minutes" (whole minutes, down)."""
    minutes = max(int((end - start).total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    # From the largest unit present, that unit and the next (the next left out if zero).
    first = next((i for i, (count, _) in enumerate(parts) if count), 2)
    said_parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts[first : first + 2] if n]
    return " ".join(said_parts) or "0 minutes"
